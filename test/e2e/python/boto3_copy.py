"""Copies a large object across backends with boto3's copy_object and prints JSON results.

    python3 boto3_copy.py ENDPOINT SOURCE_BUCKET OTHER_BUCKET WORKDIR SIZE_MIB

SOURCE_BUCKET and OTHER_BUCKET live on different backends (two R2 bindings). The object is uploaded,
copied to OTHER_BUCKET and back with one CopyObject call each, and both copies are read back; every
digest is computed while streaming. Copy start/end times (epoch seconds) let the Node test look at
the gateway's memory during exactly those calls.
"""

import hashlib
import json
import os
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from s3_checks import MIB, s3_client

ENDPOINT, SOURCE, OTHER, WORKDIR, SIZE_MIB = sys.argv[1:6]
size = int(SIZE_MIB) * MIB
# A streamed copy of 150 MiB takes a while before the gateway answers: allow it. `wrangler dev` on a
# loaded machine now and then answers a bare 503 (no S3 error document, not the gateway's); botocore
# retries those as it would against S3, and the retries are reported so they stay visible.
s3 = s3_client(ENDPOINT, read_timeout=600, retries={"mode": "standard", "total_max_attempts": 3})

path = os.path.join(WORKDIR, "original.bin")
digest = hashlib.sha256()
with open(path, "wb") as f:
    for _ in range(size // MIB):
        chunk = os.urandom(MIB)
        digest.update(chunk)
        f.write(chunk)
result = {"uploaded": digest.hexdigest(), "size": size}

s3.upload_file(path, SOURCE, "original.bin", Config=TransferConfig(multipart_threshold=64 * MIB, multipart_chunksize=16 * MIB))
os.remove(path)


def timed_copy(bucket, key, source_bucket, source_key):
    started = time.time()
    answer = s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key})
    return {"start": started, "end": time.time(), "etag": answer["CopyObjectResult"]["ETag"], "retries": answer["ResponseMetadata"]["RetryAttempts"]}


def streamed_sha256(bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    d = hashlib.sha256()
    for chunk in body.iter_chunks(MIB):
        d.update(chunk)
    return d.hexdigest()


result["there"] = timed_copy(OTHER, "copy.bin", SOURCE, "original.bin")
result["back"] = timed_copy(SOURCE, "round-trip.bin", OTHER, "copy.bin")
result["thereSha256"] = streamed_sha256(OTHER, "copy.bin")
result["backSha256"] = streamed_sha256(SOURCE, "round-trip.bin")
result["backSize"] = s3.head_object(Bucket=SOURCE, Key="round-trip.bin")["ContentLength"]
print(json.dumps(result))
