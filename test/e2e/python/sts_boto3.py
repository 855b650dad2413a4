"""boto3 against the gateway's STS: assume_role_with_web_identity, then S3 with the session.

    python3 sts_boto3.py ENDPOINT ROLE_ARN TOKEN_FILE BUCKET KEY

Prints JSON with what it observed; test/e2e/sts.test.ts asserts on it.
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT, ROLE_ARN, TOKEN_FILE, BUCKET, KEY = sys.argv[1:6]

with open(TOKEN_FILE) as f:
    token = f.read()

sts = boto3.client("sts", endpoint_url=f"{ENDPOINT}/.sts", region_name="us-east-1")
assumed = sts.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="boto3-e2e", WebIdentityToken=token, DurationSeconds=900)
creds = assumed["Credentials"]

session = boto3.Session(
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
    region_name="us-east-1",
)
s3 = session.client("s3", endpoint_url=ENDPOINT)
s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"from boto3 with a session", Metadata={"via": "sts"})
got = s3.get_object(Bucket=BUCKET, Key=KEY)
listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=KEY.rsplit("/", 1)[0] + "/")

try:
    s3.put_object(Bucket=BUCKET, Key="outside/the/role.txt", Body=b"x")
    outside = "allowed"
except ClientError as e:
    outside = e.response["Error"]["Code"]

identity = session.client("sts", endpoint_url=f"{ENDPOINT}/.sts").get_caller_identity()

print(json.dumps({
    "accessKeyId": creds["AccessKeyId"],
    "expiration": creds["Expiration"].isoformat(),
    "assumedRoleArn": assumed["AssumedRoleUser"]["Arn"],
    "subject": assumed["SubjectFromWebIdentityToken"],
    "body": got["Body"].read().decode(),
    "metadata": got["Metadata"],
    "keys": [o["Key"] for o in listed.get("Contents", [])],
    "outside": outside,
    "callerArn": identity["Arn"],
}))
