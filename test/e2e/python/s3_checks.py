"""What the boto3 e2e scripts share: the client they make, S3 error capture, the check runner.

Imported by the scripts beside it (Python puts a script's own directory first on sys.path).
"""

import json
import sys
import traceback

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def s3_client(endpoint, **config):
    """A boto3 S3 client for the gateway at `endpoint` (credentials from the environment)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(**config))


def error_of(call):
    """Runs `call`; the S3 error code and HTTP status it failed with, or None when it succeeded."""
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def run_checks(checks):
    """Runs every check and prints {name: result} as JSON, with the boto3/botocore versions. A check
    that raises records the exception instead, so one failure does not hide the others."""
    results = {"versions": {"boto3": boto3.__version__, "botocore": botocore.__version__}}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as e:  # recorded, asserted on by the Node test
            results[name] = {"error": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()}
    json.dump(results, sys.stdout)
