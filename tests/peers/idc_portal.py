"""The IAM Identity Center access portal (sso) for the AWS peer: GetRoleCredentials,
ListAccounts, ListAccountRoles, Logout, authorised by the `x-amz-sso_bearer_token` header."""
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


def _assignments_of(user):
    return [a for a in config_value("account_assignments", []) if a.get("user") == user]


def get_role_credentials(environ, body):
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
    user, _ = _portal_user(environ)
    accounts = sorted({a["account_id"] for a in _assignments_of(user)})
    return json_answer(
        {
            "accountList": [
                {"accountId": a, "accountName": f"account-{a}", "emailAddress": f"aws+{a}@example.test"}
                for a in accounts
            ]
        }
    )


def list_account_roles(environ, body):
    user, _ = _portal_user(environ)
    account_id = query_params(environ).get("account_id")
    if not account_id:
        raise portal_refusal("InvalidRequestException", "account_id is required", 400)
    roles = [
        {"roleName": a["role_name"], "accountId": account_id}
        for a in _assignments_of(user)
        if a["account_id"] == account_id
    ]
    return json_answer({"roleList": roles})


def logout(environ, body):
    _, token = _portal_user(environ)
    with lock:
        access_tokens.pop(token, None)
    return Response("", status=200)
