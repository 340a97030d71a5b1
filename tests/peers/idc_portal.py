"""The IAM Identity Center access portal (sso) for the AWS peer: GetRoleCredentials,
ListAccounts, ListAccountRoles (paginated: `max_result` 1..100, opaque `next_token`), Logout,
authorised by the `x-amz-sso_bearer_token` header.

Test switches (departures from AWS, for tests and benchmarks only): `seed_accounts` in the
config adds generated assignments, `portal_delay_ms` delays every portal answer, and
`POST /runas-peer/sso/unassign?account_id=&role_name=` removes an assignment as an
administrator would with sso-admin's DeleteAccountAssignment."""
import base64
import datetime
import time

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.sts.models import sts_backends
from werkzeug.wrappers import Response

from idc_common import access_tokens, config_value, json_answer, lock, portal_refusal, query_params

BEARER_HEADER = "x-amz-sso_bearer_token"
BEARER_ENVIRON_KEY = "runas_peer.sso_bearer_token"
_stock_make_environ = MotoRequestHandler.make_environ


def make_environ_keeping_the_portal_token(self):
    # werkzeug's server drops every header with an underscore from the WSGI environ, and the
    # portal's bearer header has one: keep it under a key of our own.
    environ = _stock_make_environ(self)
    for name, value in self.headers.items():
        if name.lower() == BEARER_HEADER:
            environ[BEARER_ENVIRON_KEY] = value
    return environ


def _portal_user(environ):
    token = environ.get(BEARER_ENVIRON_KEY, "")
    with lock:
        grant = access_tokens.get(token)
    if not token or grant is None or grant["expires_at"] <= time.time():
        raise portal_refusal("UnauthorizedException", "Session token not found or invalid", 401)
    return grant["user"], token


# AWS documents maxResults as 1..100 without a default; the peer pages at this size when a
# client sends none (a small page, so a client that ignores nextToken is caught).
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_removed = set()  # (account_id, role_name) unassigned through the test switch


def _seeded():
    """`"seed_accounts": {"user": "alice", "count": 300, "roles": ["A", "B", "C"]}` as assignments
    of accounts 100000000000, 100000000001, ..."""
    seed = config_value("seed_accounts") or {}
    return [
        {"user": seed.get("user", "alice"), "account_id": str(100000000000 + i), "role_name": role}
        for i in range(int(seed.get("count", 0)))
        for role in seed.get("roles", [])
    ]


def _assignments_of(user):
    with lock:
        removed = set(_removed)
    return [
        a
        for a in config_value("account_assignments", []) + _seeded()
        if a.get("user") == user and (a["account_id"], a["role_name"]) not in removed
    ]


def unassign(environ):
    """The test switch above; answers 200 with how many assignments are now hidden."""
    query = query_params(environ)
    with lock:
        _removed.add((query.get("account_id", ""), query.get("role_name", "")))
        count = len(_removed)
    return Response(f'{{"removed": {count}}}', status=200, content_type="application/json")


def _delay():
    delay_ms = int(config_value("portal_delay_ms", 0) or 0)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000)


def _account_name(account_id):
    return config_value("account_names", {}).get(account_id, f"account-{account_id}")


def _page(items, environ):
    """One page of `items` and the token of the next, as the portal's list operations page."""
    query = query_params(environ)
    try:
        size = int(query.get("max_result", DEFAULT_PAGE_SIZE))
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise portal_refusal("InvalidRequestException", "maxResults must be between 1 and 100", 400)
    start = 0
    if "next_token" in query:
        try:
            start = int(base64.urlsafe_b64decode(query["next_token"].encode()).decode().removeprefix("page:"))
        except (ValueError, UnicodeDecodeError):
            raise portal_refusal("InvalidRequestException", "Invalid nextToken", 400) from None
    end = start + size
    token = base64.urlsafe_b64encode(f"page:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], token


def get_role_credentials(environ, body):
    _delay()
    user, _ = _portal_user(environ)
    query = query_params(environ)
    role_name, account_id = query.get("role_name"), query.get("account_id")
    if not role_name or not account_id:
        raise portal_refusal("InvalidRequestException", "role_name and account_id are required", 400)
    if not any(a["account_id"] == account_id and a["role_name"] == role_name for a in _assignments_of(user)):
        raise portal_refusal("ForbiddenException", "No access", 403)
    session = sts_backends[account_id]["aws"].assume_role(
        region_name=config_value("region", "us-east-1"),
        role_session_name=user,
        role_arn=f"arn:aws:iam::{account_id}:role/{role_name}",
        policy=None,
        duration=3600,
        external_id=None,
    )
    expiration = int(session.expiration.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    return json_answer(
        {
            "roleCredentials": {
                "accessKeyId": session.access_key_id,
                "secretAccessKey": session.secret_access_key,
                "sessionToken": session.session_token,
                "expiration": expiration,
            }
        }
    )


def list_accounts(environ, body):
    _delay()
    user, _ = _portal_user(environ)
    accounts, token = _page(sorted({a["account_id"] for a in _assignments_of(user)}), environ)
    answer = {
        "accountList": [
            {"accountId": a, "accountName": _account_name(a), "emailAddress": f"aws+{a}@example.test"}
            for a in accounts
        ]
    }
    if token:
        answer["nextToken"] = token
    return json_answer(answer)


def list_account_roles(environ, body):
    _delay()
    user, _ = _portal_user(environ)
    account_id = query_params(environ).get("account_id")
    if not account_id:
        raise portal_refusal("InvalidRequestException", "account_id is required", 400)
    roles, token = _page(
        [
            {"roleName": a["role_name"], "accountId": account_id}
            for a in _assignments_of(user)
            if a["account_id"] == account_id
        ],
        environ,
    )
    answer = {"roleList": roles}
    if token:
        answer["nextToken"] = token
    return json_answer(answer)


def logout(environ, body):
    _delay()
    _, token = _portal_user(environ)
    with lock:
        access_tokens.pop(token, None)
    return Response("", status=200)
