"""Runs the same S3 operations with boto3's path-style and virtual-hosted addressing; prints JSON.

    python3 boto3_addressing.py ENDPOINT BUCKET    (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)

ENDPOINT is `http://localhost:<port>` on a gateway whose BASE_DOMAIN is `localhost`, so virtual-hosted
requests go to `<bucket>.localhost:<port>`. RFC 6761 reserves `.localhost` for loopback and browsers
and curl resolve it themselves, but glibc does not (`getent hosts demo.localhost` finds nothing), so
this script resolves `*.localhost` to 127.0.0.1 itself. The Host header (and the signature over it)
stays `<bucket>.localhost:<port>`: the gateway sees exactly what a real virtual-hosted client sends.
"""

import json
import socket
import sys

import boto3
from botocore.config import Config
from s3_checks import error_of

ENDPOINT, BUCKET = sys.argv[1:3]

_getaddrinfo = socket.getaddrinfo


def _loopback_localhost(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_localhost


def client(style, hosts):
    s3 = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}),
    )
    s3.meta.events.register(
        "before-send.s3", lambda request, event_name, **_: hosts.setdefault(event_name.split(".")[-1], set()).add(request.url.split("/")[2])
    )
    return s3


def scenario(s3, prefix):
    """The same operations for both styles; keys under `prefix` so the two runs do not meet."""
    key = f"{prefix}/admin/v1/report 1.txt"
    out = {}
    out["putEtag"] = s3.put_object(Bucket=BUCKET, Key=key, Body=b"same bytes", ContentType="text/plain", Metadata={"k": "v"})["ETag"]
    got = s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=5-9")
    out["range"] = [got["Body"].read().decode(), got["ContentRange"]]
    head = s3.head_object(Bucket=BUCKET, Key=key)
    out["head"] = [head["ContentType"], head["ContentLength"], head["Metadata"], head["ETag"]]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")
    out["listed"] = [[o["Key"][len(prefix):], o["Size"], o["ETag"]] for o in listed.get("Contents", [])]
    out["location"] = s3.get_bucket_location(Bucket=BUCKET).get("LocationConstraint")
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=f"{prefix}/multi")
    part = s3.upload_part(Bucket=BUCKET, Key=f"{prefix}/multi", UploadId=up["UploadId"], PartNumber=1, Body=b"m" * 100)
    done = s3.complete_multipart_upload(
        Bucket=BUCKET, Key=f"{prefix}/multi", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    out["multipartEtag"] = done["ETag"]
    out["missing"] = error_of(lambda: s3.get_object(Bucket=BUCKET, Key=f"{prefix}/nothing"))
    deleted = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": key}, {"Key": f"{prefix}/multi"}]})
    out["deleted"] = sorted(d["Key"][len(prefix):] for d in deleted.get("Deleted", []))
    out["gone"] = error_of(lambda: s3.head_object(Bucket=BUCKET, Key=key))
    return out


path_hosts, virtual_hosts = {}, {}
print(
    json.dumps(
        {
            "path": scenario(client("path", path_hosts), "p"),
            "virtual": scenario(client("virtual", virtual_hosts), "v"),
            "pathHosts": {op: sorted(hosts) for op, hosts in path_hosts.items()},
            "virtualHosts": {op: sorted(hosts) for op, hosts in virtual_hosts.items()},
        }
    )
)
