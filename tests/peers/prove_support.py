"""Constants and boto3 helpers of prove_identity_center.py (which says what is proven): clients
pointed at the peer (s3control kept on 127.0.0.1), checks that print one line each."""
import base64
import json
import os
import sys
import urllib.parse
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["PROVE_AWS_ENDPOINT"]
ID_TOKEN = os.environ["PROVE_ID_TOKEN"]
WEB_ROLE_ARN = os.environ["PROVE_WEB_ROLE_ARN"]
IE_ROLE_ARN = os.environ["PROVE_IE_ROLE_ARN"]
MODE = os.environ.get("PROVE_MODE", "trusted")
ACCOUNT_ID = "123456789012"
APPLICATION_ARN = "arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b"
USER_ID = "94482488-3041-7026-18f3-be45837cd0e4"
START_URL = "https://d-9067c0ffee.awsapps.com/start"
CONTEXT_PROVIDER = "arn:aws:iam::aws:contextProvider/IdentityCenter"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PEER = urllib.parse.urlsplit(ENDPOINT).netloc
direct_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check(condition, what):
    if not condition:
        print(f"FAIL {what}", flush=True)
        sys.exit(1)
    print(f"ok   {what}", flush=True)


def refused(call, code, status, what):
    try:
        call()
    except ClientError as error:
        got = (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
        check(got == (code, status), f"{what}: {code} {status} (got {got[0]} {got[1]}: {error})")
        return error
    check(False, f"{what}: refused with {code}, but it succeeded")


def client(service, credentials=None, unsigned=False, **config):
    keys = (
        {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        if credentials
        else {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    )
    if unsigned:
        config["signature_version"] = UNSIGNED
    made = boto3.session.Session(region_name="us-east-1", **keys).client(
        service, endpoint_url=ENDPOINT, config=Config(retries={"max_attempts": 1}, **config)
    )
    if service == "s3control":
        made.meta.events.register("before-sign.s3-control", _strip_account_host_prefix)
        made.meta.events.register("before-send.s3-control", _refuse_non_loopback)
    return made


def _strip_account_host_prefix(request, **_):
    # The endpoint rules put the account id in front of the host (123456789012.127.0.0.1), a
    # DNS lookup: back to the peer's own address, before signing so the Host header matches.
    parts = urllib.parse.urlsplit(request.url)
    request.url = urllib.parse.urlunsplit(parts._replace(netloc=PEER))


def _refuse_non_loopback(request, **_):
    host = urllib.parse.urlsplit(request.url).hostname
    if host != "127.0.0.1":
        raise RuntimeError(f"an s3control request would have left loopback: {request.url}")


def jwt_claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def stats():
    with direct_opener.open(f"{ENDPOINT}/runas-peer/stats", timeout=10) as answer:
        return json.load(answer)


def web_identity_session():
    answer = client("sts", unsigned=True).assume_role_with_web_identity(
        RoleArn=WEB_ROLE_ARN, RoleSessionName="alice", WebIdentityToken=ID_TOKEN, DurationSeconds=900
    )
    return answer["Credentials"]
