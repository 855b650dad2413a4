"""Drives the gateway with boto3 (whichever version the interpreter has) and prints JSON results.

    python3 boto3_checks.py ENDPOINT BUCKET WORKDIR    (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)

Every check records what it observed, and the Node test (test/e2e/boto3.test.ts) asserts on it. A
check that raises records the exception instead, so one failure does not hide the others.
"""

import hashlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from s3_checks import MIB, run_checks, s3_client

ENDPOINT, BUCKET, WORKDIR = sys.argv[1:4]
MANY = 1050


s3 = s3_client(ENDPOINT)
s3v4 = s3_client(ENDPOINT, signature_version="s3v4")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def signature_kind(url):
    if "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url:
        return "v4"
    return "v2" if "AWSAccessKeyId=" in url and "Signature=" in url else "unknown"


def check_metadata():
    body = b"metadata round trip\n"
    put = s3.put_object(
        Bucket=BUCKET,
        Key="meta/object.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        CacheControl="max-age=60",
        ContentDisposition='attachment; filename="object.txt"',
        Metadata={"color": "blue", "owner": "e2e"},
    )
    got = s3.get_object(Bucket=BUCKET, Key="meta/object.txt")
    return {
        "putEtag": put["ETag"],
        "expectedEtag": '"%s"' % hashlib.md5(body).hexdigest(),
        "body": got["Body"].read().decode(),
        "etag": got["ETag"],
        "contentType": got["ContentType"],
        "cacheControl": got.get("CacheControl"),
        "contentDisposition": got.get("ContentDisposition"),
        "metadata": got["Metadata"],
        "contentLength": got["ContentLength"],
    }


def check_multipart():
    path = os.path.join(WORKDIR, "multipart.bin")
    with open(path, "wb") as f:
        for _ in range(12):
            f.write(os.urandom(MIB))
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=4)
    s3.upload_file(path, BUCKET, "multipart/big.bin", Config=config)
    head = s3.head_object(Bucket=BUCKET, Key="multipart/big.bin")
    down = path + ".down"
    s3.download_file(BUCKET, "multipart/big.bin", down, Config=config)
    return {
        "etag": head["ETag"],
        "size": head["ContentLength"],
        "uploaded": sha256_file(path),
        "downloaded": sha256_file(down),
    }


def check_paginator():
    keys = ["many/%05d.txt" % i for i in range(MANY)]
    # 12 in flight, as the aws cli suite (support/aws-cli-suite.ts says why).
    writer = s3_client(ENDPOINT, max_pool_connections=12)
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda k: writer.put_object(Bucket=BUCKET, Key=k, Body=k.encode()), keys))
    paginator = s3.get_paginator("list_objects_v2")
    pages = list(paginator.paginate(Bucket=BUCKET, Prefix="many/"))
    listed = [o["Key"] for p in pages for o in p.get("Contents", [])]
    small_pages = list(paginator.paginate(Bucket=BUCKET, Prefix="many/", PaginationConfig={"PageSize": 400}))
    return {
        "written": MANY,
        "pages": len(pages),
        "pageSizes": [p["KeyCount"] for p in pages],
        "truncated": [p["IsTruncated"] for p in pages],
        "listedInOrder": listed == keys,
        "listedCount": len(listed),
        "smallPageSizes": [p["KeyCount"] for p in small_pages],
    }


def fetch_presigned(signer, expected_body):
    url = signer.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "meta/object.txt"}, ExpiresIn=300)
    response = requests.get(url, timeout=30)
    return {
        "signature": signature_kind(url),
        "status": response.status_code,
        "bodyMatches": response.content == expected_body,
    }


def check_presigned_get():
    body = b"metadata round trip\n"
    return {"default": fetch_presigned(s3, body), "s3v4": fetch_presigned(s3v4, body)}


def presigned_put(signer, key):
    body = ("presigned put to %s at %f\n" % (key, time.time())).encode()
    url = signer.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    response = requests.put(url, data=body, timeout=30)
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() if response.status_code == 200 else None
    return {"signature": signature_kind(url), "status": response.status_code, "stored": stored == body}


def check_presigned_put():
    return {
        "default": presigned_put(s3, "presigned/put-default.txt"),
        "s3v4": presigned_put(s3v4, "presigned/put-v4.txt"),
    }


def conditional_client():
    """A client whose PutObject sends If-None-Match: *; boto3 before 1.35.x has no IfNoneMatch parameter."""
    c = s3_client(ENDPOINT)
    members = c.meta.service_model.operation_model("PutObject").input_shape.members
    if "IfNoneMatch" in members:
        return c, {"IfNoneMatch": "*"}, "parameter"

    def add_header(request, **_):
        request.headers["If-None-Match"] = "*"

    c.meta.events.register("before-sign.s3.PutObject", add_header)
    return c, {}, "event hook"


def check_conditional_put():
    c, extra, via = conditional_client()
    key = "conditional/once.txt"
    first = c.put_object(Bucket=BUCKET, Key=key, Body=b"first", **extra)
    try:
        c.put_object(Bucket=BUCKET, Key=key, Body=b"second", **extra)
        second = {"status": 200}
    except ClientError as e:
        second = {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response["Error"]["Code"]}
    after = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return {
        "via": via,
        "firstStatus": first["ResponseMetadata"]["HTTPStatusCode"],
        "second": second,
        "bodyAfter": after,
    }


CHECKS = {
    "metadata": check_metadata,
    "multipart": check_multipart,
    "paginator": check_paginator,
    "presignedGet": check_presigned_get,
    "presignedPut": check_presigned_put,
    "conditionalPut": check_conditional_put,
}


run_checks(CHECKS)
