#!/usr/bin/env python3
"""Proves the AWS peer's Identity Center operations with boto3, as an AWS client sees them: every
operation's happy path and its main refusals. Run by tests/peers_harness.rs against peers it
started (PeerOptions::identity_center() + grants + assignments); prints one line per check and
exits non-zero on the first failure.

env: PROVE_AWS_ENDPOINT   http://127.0.0.1:PORT of the AWS peer
     PROVE_ID_TOKEN       an ID token of IdP user alice for client runas-cli
     PROVE_WEB_ROLE_ARN   a role AssumeRoleWithWebIdentity may assume
     PROVE_IE_ROLE_ARN    the identity-enhanced role (AssumeRole with ProvidedContexts)
     PROVE_MODE           "trusted" (everything) or "untrusted" (the issuer is not trusted)
Constants (application ARN, user id, start URL, grants, assignment) match tests/common/peers.rs
and the options the Rust test starts the peers with.
"""
import base64
import datetime
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
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
    with _direct.open(f"{ENDPOINT}/runas-peer/stats", timeout=10) as answer:
        return json.load(answer)


def web_identity_session():
    answer = client("sts", unsigned=True).assume_role_with_web_identity(
        RoleArn=WEB_ROLE_ARN, RoleSessionName="alice", WebIdentityToken=ID_TOKEN, DurationSeconds=900
    )
    return answer["Credentials"]


def prove_untrusted_issuer():
    oidc = client("sso-oidc", web_identity_session())
    refused(
        lambda: oidc.create_token_with_iam(clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN),
        "InvalidGrantException",
        400,
        "CreateTokenWithIAM refuses a token of an issuer the application does not trust",
    )


def prove_create_token_with_iam(web):
    oidc = client("sso-oidc", web)
    answer = oidc.create_token_with_iam(clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN)
    claims = jwt_claims(answer["idToken"])
    check(answer["tokenType"] == "Bearer" and answer["expiresIn"] > 0, "CreateTokenWithIAM: a bearer token")
    check(answer["issuedTokenType"] == "urn:ietf:params:oauth:token-type:access_token", "issuedTokenType")
    check("sts:identity_context" in answer["scope"], "scope has sts:identity_context")
    check(claims["sub"] == USER_ID, f"idToken sub = the Identity Store user ({claims['sub']})")
    check(claims["aws:identity_store_id"] == "d-9067c0ffee", "idToken aws:identity_store_id")
    check(claims["aws:instance_arn"].endswith("ssoins-7223a1b2c3d4e5f6"), "idToken aws:instance_arn")
    check(claims["sts:identity_context"] == answer["awsAdditionalDetails"]["identityContext"], "identity context")

    refused(
        lambda: oidc.create_token_with_iam(
            clientId=APPLICATION_ARN.replace("apl-0", "apl-9"), grantType=JWT_BEARER, assertion=ID_TOKEN
        ),
        "InvalidClientException",
        401,
        "CreateTokenWithIAM refuses another application ARN",
    )
    refused(
        lambda: oidc.create_token_with_iam(clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion="a.b.c"),
        "InvalidGrantException",
        400,
        "CreateTokenWithIAM refuses a garbage assertion",
    )
    head, body, signature = ID_TOKEN.split(".")
    forged = jwt_claims(ID_TOKEN) | {"email": "mallory@example.test"}
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    refused(
        lambda: oidc.create_token_with_iam(
            clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=f"{head}.{forged_body}.{signature}"
        ),
        "InvalidGrantException",
        400,
        "CreateTokenWithIAM refuses an assertion whose signature does not match",
    )
    refused(
        lambda: client("sso-oidc", unsigned=True).create_token_with_iam(
            clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN
        ),
        "MissingAuthenticationTokenException",
        403,
        "CreateTokenWithIAM refuses an unsigned call",
    )
    refused(
        lambda: client("sso-oidc").create_token_with_iam(
            clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN
        ),
        "UnrecognizedClientException",
        403,
        "CreateTokenWithIAM refuses keys that are no live STS session",
    )
    wrong_secret = dict(web, SecretAccessKey="x" + web["SecretAccessKey"][1:])
    refused(
        lambda: client("sso-oidc", wrong_secret).create_token_with_iam(
            clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN
        ),
        "InvalidSignatureException",
        403,
        "CreateTokenWithIAM refuses a wrong signature",
    )
    return claims["sts:identity_context"]


def prove_identity_enhanced_session(web, identity_context):
    sts = client("sts", web)
    answer = sts.assume_role(
        RoleArn=IE_ROLE_ARN,
        RoleSessionName="alice",
        DurationSeconds=900,
        ProvidedContexts=[{"ProviderArn": CONTEXT_PROVIDER, "ContextAssertion": identity_context}],
    )
    enhanced = answer["Credentials"]
    check(answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/runas-identity-enhanced/alice"), "AssumeRole")
    who = client("sts", enhanced).get_caller_identity()
    check(who["Arn"].endswith(":assumed-role/runas-identity-enhanced/alice"), "an identity-enhanced moto session")
    tampered = identity_context[:-4] + ("AAAA" if not identity_context.endswith("AAAA") else "BBBB")
    refused(
        lambda: sts.assume_role(
            RoleArn=IE_ROLE_ARN,
            RoleSessionName="alice",
            ProvidedContexts=[{"ProviderArn": CONTEXT_PROVIDER, "ContextAssertion": tampered}],
        ),
        "InvalidParameterValue",
        400,
        "AssumeRole refuses a context assertion the peer did not issue",
    )
    refused(
        lambda: sts.assume_role(
            RoleArn=IE_ROLE_ARN,
            RoleSessionName="alice",
            ProvidedContexts=[
                {"ProviderArn": "arn:aws:iam::aws:contextProvider/Other", "ContextAssertion": identity_context}
            ],
        ),
        "InvalidParameterValue",
        400,
        "AssumeRole refuses another context provider",
    )
    return enhanced


def prove_get_data_access(web, enhanced):
    s3control = client("s3control", enhanced)
    answer = s3control.get_data_access(
        AccountId=ACCOUNT_ID, Target="s3://reports/team-a/q1.csv", Permission="READ", DurationSeconds=900
    )
    check(answer["MatchedGrantTarget"] == "s3://reports/team-a/*", f"GetDataAccess matched {answer['MatchedGrantTarget']}")
    check(answer["Grantee"] == {"GranteeType": "DIRECTORY_USER", "GranteeIdentifier": USER_ID}, "Grantee")
    grant = answer["Credentials"]
    lifetime = (grant["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    check(850 <= lifetime <= 900, f"DurationSeconds=900 honoured ({lifetime:.0f} s)")
    who = client("sts", grant).get_caller_identity()
    check(":assumed-role/runas-access-grants-location/" in who["Arn"], f"grant credentials are a moto session ({who['Arn']})")
    minimal = s3control.get_data_access(
        AccountId=ACCOUNT_ID, Target="s3://reports/team-a/q1.csv", Permission="READ", Privilege="Minimal"
    )
    check(minimal["MatchedGrantTarget"] == "s3://reports/team-a/q1.csv", "Privilege=Minimal matches the target")
    both = s3control.get_data_access(AccountId=ACCOUNT_ID, Target="s3://reports/shared/x", Permission="WRITE")
    check(both["MatchedGrantTarget"] == "s3://reports/shared/*", "a READWRITE grant covers WRITE")
    refused(
        lambda: s3control.get_data_access(AccountId=ACCOUNT_ID, Target="s3://reports/team-a/q1.csv", Permission="WRITE"),
        "AccessDenied",
        403,
        "GetDataAccess: a READ grant does not cover WRITE",
    )
    refused(
        lambda: s3control.get_data_access(AccountId=ACCOUNT_ID, Target="s3://reports/team-b/", Permission="READ"),
        "AccessDenied",
        403,
        "GetDataAccess: no grant covers the target",
    )
    refused(
        lambda: client("s3control", web).get_data_access(
            AccountId=ACCOUNT_ID, Target="s3://reports/team-a/q1.csv", Permission="READ"
        ),
        "AccessDenied",
        403,
        "GetDataAccess refuses a session that is not identity-enhanced",
    )
    refused(
        lambda: client("s3control").get_data_access(
            AccountId=ACCOUNT_ID, Target="s3://reports/team-a/q1.csv", Permission="READ"
        ),
        "InvalidAccessKeyId",
        403,
        "GetDataAccess refuses keys that are no live STS session",
    )


def prove_device_flow_and_portal():
    oidc = client("sso-oidc", unsigned=True)
    registered = oidc.register_client(clientName="prove", clientType="public", scopes=["sso:account:access"])
    check(registered["clientSecretExpiresAt"] - registered["clientIdIssuedAt"] >= 89 * 86400, "RegisterClient")
    creds = {"clientId": registered["clientId"], "clientSecret": registered["clientSecret"]}
    refused(
        lambda: oidc.start_device_authorization(startUrl="https://d-0000000000.awsapps.com/start", **creds),
        "InvalidRequestException",
        400,
        "StartDeviceAuthorization refuses another start URL",
    )
    refused(
        lambda: oidc.start_device_authorization(
            startUrl=START_URL, clientId=registered["clientId"], clientSecret="wrong"
        ),
        "InvalidClientException",
        401,
        "StartDeviceAuthorization refuses a wrong client secret",
    )
    device = oidc.start_device_authorization(startUrl=START_URL, **creds)
    check(device["interval"] == 1 and device["expiresIn"] == 600, "StartDeviceAuthorization: interval 1, 600 s")
    check(device["verificationUriComplete"].startswith(f"{ENDPOINT}/runas-peer/sso/device?user_code="), "URI")
    poll = lambda: oidc.create_token(grantType=DEVICE_GRANT, deviceCode=device["deviceCode"], **creds)  # noqa: E731
    refused(poll, "AuthorizationPendingException", 400, "CreateToken before approval")
    with _direct.open(device["verificationUriComplete"], timeout=10) as page:
        check(page.status == 200, "GET verificationUriComplete approves the code")
    tokens = poll()
    check(tokens["tokenType"] == "Bearer" and tokens["accessToken"] and tokens["refreshToken"], "CreateToken")
    refused(poll, "InvalidGrantException", 400, "a device code gives one token")
    refreshed = oidc.create_token(grantType="refresh_token", refreshToken=tokens["refreshToken"], **creds)
    check(refreshed["refreshToken"] != tokens["refreshToken"], "refresh_token grant rotates the refresh token")
    refused(
        lambda: oidc.create_token(grantType="refresh_token", refreshToken=tokens["refreshToken"], **creds),
        "InvalidGrantException",
        400,
        "a used refresh token is refused",
    )

    portal = client("sso", unsigned=True)
    token = refreshed["accessToken"]
    accounts = portal.list_accounts(accessToken=token)["accountList"]
    check([a["accountId"] for a in accounts] == [ACCOUNT_ID], "ListAccounts")
    roles = portal.list_account_roles(accessToken=token, accountId=ACCOUNT_ID)["roleList"]
    check([r["roleName"] for r in roles] == ["runas-sso-admin"], "ListAccountRoles")
    role = portal.get_role_credentials(accessToken=token, accountId=ACCOUNT_ID, roleName="runas-sso-admin")
    credentials = role["roleCredentials"]
    who = client(
        "sts",
        {
            "AccessKeyId": credentials["accessKeyId"],
            "SecretAccessKey": credentials["secretAccessKey"],
            "SessionToken": credentials["sessionToken"],
        },
    ).get_caller_identity()
    check(who["Arn"].endswith(":assumed-role/runas-sso-admin/alice"), f"GetRoleCredentials: {who['Arn']}")
    check(credentials["expiration"] > 1_000_000_000_000, "expiration is in epoch milliseconds")
    refused(
        lambda: portal.get_role_credentials(accessToken=token, accountId=ACCOUNT_ID, roleName="not-assigned"),
        "ForbiddenException",
        403,
        "GetRoleCredentials refuses a role that is not assigned",
    )
    refused(
        lambda: portal.get_role_credentials(accessToken="nope", accountId=ACCOUNT_ID, roleName="runas-sso-admin"),
        "UnauthorizedException",
        401,
        "GetRoleCredentials refuses an unknown token",
    )
    portal.logout(accessToken=token)
    refused(
        lambda: portal.list_accounts(accessToken=token),
        "UnauthorizedException",
        401,
        "a logged-out token is refused",
    )


def main():
    if MODE == "untrusted":
        prove_untrusted_issuer()
        return
    web = web_identity_session()
    identity_context = prove_create_token_with_iam(web)
    enhanced = prove_identity_enhanced_session(web, identity_context)
    prove_get_data_access(web, enhanced)
    prove_device_flow_and_portal()
    counts = stats()
    for key in [
        "sso-oidc:RegisterClient",
        "sso-oidc:StartDeviceAuthorization",
        "sso-oidc:CreateToken",
        "sso-oidc:CreateTokenWithIAM",
        "sso:GetRoleCredentials",
        "s3control:GetDataAccess",
        "sts:AssumeRole",
    ]:
        check(counts.get(key, 0) > 0, f"stats count {key} ({counts.get(key)})")


if __name__ == "__main__":
    main()
