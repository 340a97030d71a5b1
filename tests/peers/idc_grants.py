"""Identity-enhanced sessions and S3 Access Grants for the AWS peer: STS AssumeRole with an
Identity Center context assertion in ProvidedContexts, and s3control GetDataAccess."""
import os
import time
from xml.sax.saxutils import escape

from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse
from werkzeug.wrappers import Response

from idc_common import (
    Refusal,
    config_value,
    lock,
    peer_verify,
    query_params,
    s3control_auth_refusal,
    s3control_refusal,
    signing_session,
    sts_refusal,
)

MIN_DURATION = int(os.environ.get("PEER_MIN_DURATION", "900"))
MAX_DURATION = 43200
IDENTITY_CENTER_PROVIDER_ARN = "arn:aws:iam::aws:contextProvider/IdentityCenter"
_identity_enhanced = {}  # access key id -> the identity context's payload (user, application)


def _provided_contexts(response):
    """[(ProviderArn, ContextAssertion)] of an AssumeRole request."""
    parsed = response._get_param("ProvidedContexts")  # moto parses query lists through botocore
    if isinstance(parsed, list):
        return [(c.get("ProviderArn"), c.get("ContextAssertion")) for c in parsed if isinstance(c, dict)]
    contexts, index = [], 1
    while True:
        prefix = f"ProvidedContexts.member.{index}."
        provider = response.querystring.get(prefix + "ProviderArn", [None])[0]
        assertion = response.querystring.get(prefix + "ContextAssertion", [None])[0]
        if provider is None and assertion is None:
            return contexts
        contexts.append((provider, assertion))
        index += 1


def _verify_identity_context(contexts):
    if len(contexts) != 1:
        raise sts_refusal("InvalidParameterValue", "Exactly one provided context is supported")
    provider, assertion = contexts[0]
    if provider != IDENTITY_CENTER_PROVIDER_ARN:
        raise sts_refusal("InvalidParameterValue", f"Unsupported context provider: {provider}")
    identity = peer_verify(assertion or "")
    if identity is None:
        raise sts_refusal("InvalidParameterValue", "The provided context assertion is invalid")
    if identity.get("exp", 0) <= time.time():
        raise sts_refusal("ExpiredTokenException", "The provided context assertion has expired")
    return identity


_stock_assume_role = TokenResponse.assume_role


def assume_role_with_provided_contexts(self):
    contexts = _provided_contexts(self)
    if not contexts:
        return _stock_assume_role(self)
    try:
        identity = _verify_identity_context(contexts)
    except Refusal as refusal:
        return refusal.body, {"status": refusal.status, **refusal.headers}
    result = _stock_assume_role(self)
    session = result.result["Credentials"]
    with lock:
        _identity_enhanced[session.access_key_id] = identity
    return result


# --- s3control GetDataAccess ----------------------------------------------------------------
_PERMISSIONS = {"READ", "WRITE", "READWRITE"}


def _scope_covers(scope, target):
    if scope.endswith("*"):
        return target.startswith(scope[:-1])
    return target == scope


def get_data_access(environ, body):
    session = signing_session(environ, body, s3control_auth_refusal)
    with lock:
        identity = _identity_enhanced.get(session.access_key_id)
    if identity is None:
        raise s3control_refusal(
            "AccessDenied",
            "GetDataAccess needs an identity-enhanced session (AssumeRole with an Identity Center "
            "context assertion); this session has no directory identity",
            403,
        )
    query = query_params(environ)
    account_id = environ.get("HTTP_X_AMZ_ACCOUNT_ID", "")
    target, permission = query.get("target", ""), query.get("permission", "")
    if not account_id or not target or not permission:
        raise s3control_refusal("InvalidRequest", "x-amz-account-id, target and permission are required", 400)
    if permission not in _PERMISSIONS:
        raise s3control_refusal("InvalidRequest", f"Invalid permission: {permission}", 400)
    try:
        duration = int(query.get("durationSeconds", "3600"))
    except ValueError:
        raise s3control_refusal("InvalidRequest", "durationSeconds must be a number", 400) from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise s3control_refusal(
            "InvalidRequest", f"durationSeconds must be between {MIN_DURATION} and {MAX_DURATION}", 400
        )
    grants = [
        g
        for g in config_value("access_grants", [])
        if g.get("account_id") == account_id
        and g.get("user") == identity["user_name"]
        and _scope_covers(g["scope"], target)
        and g["permission"] in {permission, "READWRITE"}
    ]
    if not grants:
        raise s3control_refusal("AccessDenied", "You do not have access to the requested S3 location", 403)
    grant = max(grants, key=lambda g: len(g["scope"]))  # the closest grant wins, as on AWS
    credentials = sts_backends[account_id]["aws"].assume_role(
        region_name=config_value("region", "us-east-1"),
        role_session_name=f"access-grants-{identity['user_name']}"[:64],
        role_arn=grant["location_role_arn"],
        policy=None,
        duration=duration,
        external_id=None,
    )
    matched = target if query.get("privilege") == "Minimal" else grant["scope"]
    expiration = credentials.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<GetDataAccessResult xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
        f"<Credentials><AccessKeyId>{credentials.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{escape(credentials.secret_access_key)}</SecretAccessKey>"
        f"<SessionToken>{escape(credentials.session_token)}</SessionToken>"
        f"<Expiration>{expiration}</Expiration></Credentials>"
        f"<MatchedGrantTarget>{escape(matched)}</MatchedGrantTarget>"
        f"<Grantee><GranteeType>DIRECTORY_USER</GranteeType>"
        f"<GranteeIdentifier>{escape(identity['user_id'])}</GranteeIdentifier></Grantee>"
        f"<MatchedInstanceArn>arn:aws:s3:{config_value('region', 'us-east-1')}:{account_id}:"
        "access-grants/default</MatchedInstanceArn>"
        "</GetDataAccessResult>"
    )
    return Response(body, status=200, headers={"Content-Type": "application/xml"})
