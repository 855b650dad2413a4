"""A lengthy CompleteMultipartUpload as boto3 sees it; prints JSON results.

    python3 boto3_complete_keep_alive.py ENDPOINT BUCKET DAV_URL
    (gateway credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the WebDAV server's from DAV_USER / DAV_PASSWORD)

The bucket lives on a WebDAV server, whose completion the gateway assembles itself and answers as
S3 does: 200 at once, spaces while it works, then the result or an <Error>. The raw body boto3
received is captured with an event hook, so the test sees what botocore had to parse.
"""

import base64
import os
import re
import sys
import urllib.request

from botocore.exceptions import ClientError

from s3_checks import MIB, run_checks, s3_client

ENDPOINT, BUCKET, DAV_URL = sys.argv[1:4]
PARTS = [bytes((i * 7 + 1) & 0xFF for i in range(256)) * (5 * MIB // 256), b"x" * 1000]

s3 = s3_client(ENDPOINT, retries={"max_attempts": 1})
raw = {}


def capture_dict(response_dict, **_):
    raw["body"] = response_dict["body"].decode("utf-8")


def capture_response(http_response, **_):
    raw.setdefault("body", http_response.content.decode("utf-8"))


# The body as received. botocore >= 1.36 emits before-parse (and rewrites a 200 carrying <Error> to
# 500 there, so the status is not recorded: the worker test pins the 200 on the wire); older
# botocore has only after-call.
s3.meta.events.register_first("before-parse.s3.CompleteMultipartUpload", capture_dict)
s3.meta.events.register_first("after-call.s3.CompleteMultipartUpload", capture_response)


def upload(key):
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number, body in enumerate(PARTS, start=1):
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        parts.append({"PartNumber": number, "ETag": r["ETag"]})
    return upload_id, parts


def spaces_before_root(body):
    match = re.match(r'^<\?xml version="1.0" encoding="UTF-8"\?>\n( *)<', body)
    return len(match.group(1)) if match else None


def check_result_after_whitespace():
    raw.clear()
    key = "keep-alive/assembled.bin"
    upload_id, parts = upload(key)
    done = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    head = s3.head_object(Bucket=BUCKET, Key=key)
    return {
        "etag": done["ETag"],
        "key": done["Key"],
        "spaces": spaces_before_root(raw["body"]),
        "rawRoot": re.search(r"<(\w+)", raw["body"].split("?>", 1)[1]).group(1),
        "headLength": head["ContentLength"],
        "headEtag": head["ETag"],
    }


def check_error_after_200():
    raw.clear()
    key = "keep-alive/fails-late.bin"
    upload_id, parts = upload(key)
    # Part 2's staged record disappears behind the gateway's back: its own checks pass, the store's assembly fails.
    record = "%s/.bucketgate-uploads/%s/00002.part" % (DAV_URL.rstrip("/"), upload_id)
    auth = base64.b64encode(("%s:%s" % (os.environ["DAV_USER"], os.environ["DAV_PASSWORD"])).encode()).decode()
    urllib.request.urlopen(urllib.request.Request(record, method="DELETE", headers={"Authorization": "Basic " + auth}))
    try:
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
        raised, outcome = False, None
    except ClientError as e:
        # botocore < 1.36 parses the 200 as a success shape before its needs-retry check turns it
        # into a 500, so its ClientError carries no code; newer botocore parses the <Error>.
        raised, outcome = True, e.response.get("Error", {}).get("Code")
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        head = 200
    except ClientError as e:
        head = int(e.response["Error"]["Code"])
    return {
        "raised": raised,
        "errorCode": outcome,
        "spaces": spaces_before_root(raw["body"]),
        "rawCode": (re.search(r"<Error><Code>([^<]+)</Code>", raw["body"]) or [None, None])[1],
        "headStatus": head,
        "stillInProgress": any(u["UploadId"] == upload_id for u in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])),
    }


run_checks({"resultAfterWhitespace": check_result_after_whitespace, "errorAfter200": check_error_after_200})
