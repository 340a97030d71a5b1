#!/usr/bin/env python3
"""Proves the AWS peer's Identity Center operations with boto3, as an AWS client sees them: every
operation's happy path and its main refusals. Run by tests/peers_identity_center.rs against peers it
started (PeerOptions::identity_center() + grants + assignments); prints one line per check and
exits non-zero on the first failure.

env: PROVE_AWS_ENDPOINT   http://127.0.0.1:PORT of the AWS peer
     PROVE_ID_TOKEN       an ID token of IdP user alice for client runas-cli
     PROVE_WEB_ROLE_ARN   a role AssumeRoleWithWebIdentity may assume
     PROVE_IE_ROLE_ARN    the identity-enhanced role (AssumeRole with ProvidedContexts)
     PROVE_MODE           "trusted" (everything), "untrusted" (the issuer is not trusted) or
                          "expiry" (peers started with sso_token_ttl(1))
Constants (application ARN, user id, start URL, grants, assignment) match tests/common/peers.rs
and the options the Rust test starts the peers with.
"""
import base64
import datetime
import json
import time

from prove_support import (
    ACCOUNT_ID,
    APPLICATION_ARN,
    CONTEXT_PROVIDER,
    DEVICE_GRANT,
    ENDPOINT,
    ID_TOKEN,
    IE_ROLE_ARN,
    JWT_BEARER,
    MODE,
    START_URL,
    USER_ID,
    direct_opener,
    check,
    client,
    jwt_claims,
    refused,
    stats,
    web_identity_session,
)


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
    with direct_opener.open(device["verificationUriComplete"], timeout=10) as page:
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


def device_token(oidc):
    registered = oidc.register_client(clientName="prove", clientType="public", scopes=["sso:account:access"])
    creds = {"clientId": registered["clientId"], "clientSecret": registered["clientSecret"]}
    device = oidc.start_device_authorization(startUrl=START_URL, **creds)
    with direct_opener.open(device["verificationUriComplete"], timeout=10):
        pass
    return creds, oidc.create_token(grantType=DEVICE_GRANT, deviceCode=device["deviceCode"], **creds)


def prove_expiry():
    """With sso_token_ttl(1): tokens and identity contexts stop working once expired."""
    oidc = client("sso-oidc", unsigned=True)
    creds, tokens = device_token(oidc)
    issued_by = time.time()
    check(tokens["expiresIn"] == 1, "CreateToken: expiresIn = the configured TTL")
    web = web_identity_session()
    iam_token = client("sso-oidc", web).create_token_with_iam(
        clientId=APPLICATION_ARN, grantType=JWT_BEARER, assertion=ID_TOKEN
    )
    # Both expire 1 s after they were issued: wait for that moment (bounded), not a fixed time.
    expires_at = max(issued_by + tokens["expiresIn"], jwt_claims(iam_token["idToken"])["exp"])
    deadline = time.time() + 10
    while time.time() <= expires_at + 0.01:
        if time.time() > deadline:
            check(False, "the 1 s tokens expire within 10 s")
        time.sleep(0.05)
    portal = client("sso", unsigned=True)
    refused(
        lambda: portal.list_accounts(accessToken=tokens["accessToken"]),
        "UnauthorizedException",
        401,
        "an expired access token is refused",
    )
    refreshed = oidc.create_token(grantType="refresh_token", refreshToken=tokens["refreshToken"], **creds)
    accounts = portal.list_accounts(accessToken=refreshed["accessToken"])["accountList"]
    check(len(accounts) == 1, "the refresh token outlives the access token and gives a working one")
    refused(
        lambda: client("sts", web).assume_role(
            RoleArn=IE_ROLE_ARN,
            RoleSessionName="alice",
            ProvidedContexts=[
                {"ProviderArn": CONTEXT_PROVIDER, "ContextAssertion": iam_token["awsAdditionalDetails"]["identityContext"]}
            ],
        ),
        "ExpiredTokenException",
        400,
        "AssumeRole refuses an expired identity context",
    )


def main():
    if MODE == "untrusted":
        prove_untrusted_issuer()
        return
    if MODE == "expiry":
        prove_expiry()
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
