"""PEER_TRUST_POLICIES=1: AssumeRoleWithWebIdentity evaluated against IAM as STS does, which
moto does not do (it accepts any role whatever its trust policy).

With it (and PEER_OIDC_ISSUER), after the token itself is checked:
  * the account must have an IAM OIDC provider for the token's issuer (host and path, no
    scheme, no trailing slash), else InvalidIdentityToken "No OpenIDConnect provider found in
    your account for ISSUER";
  * the token's audience must be in that provider's client id list, else InvalidIdentityToken
    "Incorrect token audience";
  * the role's trust policy must have an Allow statement for sts:AssumeRoleWithWebIdentity (or
    sts:* / *) whose Principal.Federated names that provider's ARN and whose conditions hold,
    else AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity" (403).
Conditions: StringEquals, StringLike (* and ?), StringNotEquals, StringNotLike on the keys
`HOST/PATH:aud` (the `azp` claim when present, else `aud`, as IAM documents), `HOST/PATH:sub`
and `HOST/PATH:amr`; any other operator or key makes the statement not match (stricter than
AWS, never looser). Deny statements are not evaluated.
"""
import json
import os
import re

from moto.iam.models import iam_backends

ENABLED = os.environ.get("PEER_TRUST_POLICIES") == "1"
ACTION = "sts:AssumeRoleWithWebIdentity"


class TrustRefusal(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def host_path(issuer):
    return issuer.split("://", 1)[-1].rstrip("/")


def _provider_arn(claims, account_id, partition):
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{host_path(str(claims.get('iss', '')))}"


def check_provider(claims, role_arn):
    """The account of `role_arn` must have an OIDC provider for the token's issuer that lists
    its audience; STS checks this with the token, before it looks at the role."""
    parts = role_arn.split(":")
    if len(parts) < 5:
        return  # a malformed ARN is refused as AccessDenied by the role lookup after this
    partition, account_id = parts[1], parts[4]
    issuer = str(claims.get("iss", ""))
    provider = iam_backends[account_id][partition].open_id_providers.get(
        _provider_arn(claims, account_id, partition)
    )
    if provider is None:
        raise TrustRefusal("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")
    audiences = [str(a) for a in _as_list(claims.get("aud"))]
    if not any(audience in provider.client_id_list for audience in audiences):
        raise TrustRefusal("InvalidIdentityToken", "Incorrect token audience")


def check_trust(role, claims):
    """Raises TrustRefusal unless the role's trust policy admits this token."""
    prefix = host_path(str(claims.get("iss", "")))
    provider_arn = _provider_arn(claims, role.account_id, role.partition)
    audiences = [str(a) for a in _as_list(claims.get("aud"))]
    values = {
        f"{prefix}:aud": [str(claims["azp"])] if "azp" in claims else audiences,
        f"{prefix}:sub": [str(claims.get("sub", ""))],
        f"{prefix}:amr": [str(a) for a in _as_list(claims.get("amr"))],
    }
    try:
        policy = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        policy = {}
    for statement in _as_list(policy.get("Statement")):
        if _allows(statement, provider_arn, values):
            return
    raise TrustRefusal("AccessDenied", f"Not authorized to perform {ACTION}", 403)


def _like(actual, pattern):
    """IAM's StringLike: `*` any run of characters, `?` one; nothing else is special."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, actual, flags=re.DOTALL) is not None


def _allows(statement, provider_arn, values):
    if statement.get("Effect") != "Allow":
        return False
    actions = _as_list(statement.get("Action"))
    if not any(_like(ACTION.lower(), str(a).lower()) for a in actions):
        return False
    principal = statement.get("Principal") or {}
    if not isinstance(principal, dict) or provider_arn not in _as_list(principal.get("Federated")):
        return False
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, expected in tests.items():
            if not _holds(operator, values.get(key), _as_list(expected)):
                return False
    return True


def _holds(operator, actual, expected):
    if actual is None:
        return False
    matchers = {
        "StringEquals": lambda a, e: a == e,
        "StringLike": _like,
        "StringNotEquals": lambda a, e: a != e,
        "StringNotLike": lambda a, e: not _like(a, e),
    }
    match = matchers.get(operator)
    if match is None:
        return False
    if operator.startswith("StringNot"):
        return all(match(a, str(e)) for a in actual for e in expected)
    return any(match(a, str(e)) for a in actual for e in expected)
