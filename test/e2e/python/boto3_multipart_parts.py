"""Multipart behaviours real clients rely on, driven with boto3; prints JSON results.

    python3 boto3_multipart_parts.py ENDPOINT BUCKET    (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)

Part downloads (get_object/head_object with PartNumber), a CompleteMultipartUpload sent twice (as
a client retrying after a timeout does), CRC32 multipart checksums, and a wrong checksum. Each
check records what it observed; test/e2e/multipart-parts.test.ts asserts on it.
"""

import base64
import hashlib
import struct
import sys
import zlib

from s3_checks import MIB, error_of, run_checks, s3_client

ENDPOINT, BUCKET = sys.argv[1:3]
PARTS = [bytes((i * 7 + seed) & 0xFF for i in range(256)) * (size // 256) + bytes(size % 256) for seed, size in ((1, 5 * MIB), (2, 5 * MIB), (3, 1000))]

s3 = s3_client(ENDPOINT, retries={"max_attempts": 1})


def upload(key, **create):
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key, **create)["UploadId"]
    parts = []
    for number, body in enumerate(PARTS, start=1):
        extra = {"ChecksumAlgorithm": create["ChecksumAlgorithm"]} if "ChecksumAlgorithm" in create else {}
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=body, **extra)
        part = {"PartNumber": number, "ETag": r["ETag"]}
        if "ChecksumCRC32" in r and "ChecksumAlgorithm" in create:
            part["ChecksumCRC32"] = r["ChecksumCRC32"]
        parts.append(part)
    return upload_id, parts


def check_part_download():
    key = "parts/object.bin"
    upload_id, parts = upload(key)
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    got = s3.get_object(Bucket=BUCKET, Key=key, PartNumber=2)
    head = s3.head_object(Bucket=BUCKET, Key=key, PartNumber=3)
    s3.put_object(Bucket=BUCKET, Key="parts/single.txt", Body=b"single part")
    single = s3.get_object(Bucket=BUCKET, Key="parts/single.txt", PartNumber=1)
    return {
        "status": got["ResponseMetadata"]["HTTPStatusCode"],
        "contentRange": got["ContentRange"],
        "partsCount": got.get("PartsCount"),
        "bodyMatches": hashlib.sha256(got["Body"].read()).hexdigest() == hashlib.sha256(PARTS[1]).hexdigest(),
        "headLength": head["ContentLength"],
        "headPartsCount": head.get("PartsCount"),
        "beyond": error_of(lambda: s3.get_object(Bucket=BUCKET, Key=key, PartNumber=4)),
        "single": {"body": single["Body"].read().decode(), "partsCount": single.get("PartsCount")},
    }


def check_complete_twice():
    key = "parts/retried.bin"
    upload_id, parts = upload(key)
    first = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    second = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    fields = ("Location", "Bucket", "Key", "ETag")
    return {
        "first": {f: first.get(f) for f in fields},
        "second": {f: second.get(f) for f in fields},
        "headEtag": s3.head_object(Bucket=BUCKET, Key=key)["ETag"],
        "otherList": error_of(
            lambda: s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts[:1]})
        ),
    }


def check_composite_crc32():
    key = "parts/crc32.bin"
    upload_id, parts = upload(key, ChecksumAlgorithm="CRC32")
    done = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    crcs = b"".join(struct.pack(">I", zlib.crc32(p)) for p in PARTS)
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    return {
        "expected": "%s-%d" % (base64.b64encode(struct.pack(">I", zlib.crc32(crcs))).decode(), len(PARTS)),
        "complete": done.get("ChecksumCRC32"),
        "completeType": done.get("ChecksumType"),
        "head": head.get("ChecksumCRC32"),
        "headType": head.get("ChecksumType"),
    }


def check_bad_digest():
    s3.put_object(Bucket=BUCKET, Key="parts/kept.txt", Body=b"original")
    wrong = base64.b64encode(struct.pack(">I", zlib.crc32(b"something else"))).decode()
    error = error_of(lambda: s3.put_object(Bucket=BUCKET, Key="parts/kept.txt", Body=b"replacement", ChecksumCRC32=wrong))
    return {"error": error, "body": s3.get_object(Bucket=BUCKET, Key="parts/kept.txt")["Body"].read().decode()}


CHECKS = {
    "partDownload": check_part_download,
    "completeTwice": check_complete_twice,
    "compositeCrc32": check_composite_crc32,
    "badDigest": check_bad_digest,
}


def main():
    run_checks(CHECKS)


if __name__ == "__main__":
    main()
