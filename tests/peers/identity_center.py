"""IAM Identity Center for the AWS peer: what moto lacks, served on moto's port.

  sso-oidc  RegisterClient, StartDeviceAuthorization, CreateToken (device code, refresh token),
            CreateTokenWithIAM (jwt-bearer, SigV4-signed)
  sso       GetRoleCredentials, ListAccounts, ListAccountRoles, Logout (the access portal)
  sts       AssumeRole with ProvidedContexts (an Identity Center context assertion)
  s3control GetDataAccess (S3 Access Grants)

This module routes requests to idc_oidc.py, idc_portal.py and idc_grants.py (idc_common.py holds
what they share: config, tokens, error formats, the SigV4 check). Request and answer shapes,
error codes and HTTP statuses follow the AWS API reference. Every session handed out is a real
moto STS session, so the credentials work against the rest of moto.

On when PEER_IDENTITY_CENTER names a JSON file (the Rust harness writes it from PeerOptions):
  {
    "region": "us-east-1",
    "instance_arn": "arn:aws:sso:::instance/ssoins-...",
    "identity_store_id": "d-...",
    "start_url": "https://d-....awsapps.com/start",
    "application_arn": "arn:aws:sso::123456789012:application/ssoins-.../apl-...",
    "trusted_token_issuer": {"issuer_url": "http://127.0.0.1:PORT", "audience": "runas-cli",
                             "user_claim": "email"},
    "users": [{"user_id": "...", "user_name": "alice", "email": "alice@example.test"}],
    "device_user": "alice",
    "token_ttl_seconds": 28800,
    "account_assignments": [{"user": "alice", "account_id": "123456789012", "role_name": "R"}],
    "account_names": {"123456789012": "prod"},          (default: account-<id>)
    "seed_accounts": {"user": "alice", "count": 300, "roles": ["A", "B", "C"]},   (test switch)
    "portal_delay_ms": 50,                                                       (test switch)
    "access_grants": [{"user": "alice", "account_id": "123456789012",
                       "scope": "s3://bucket/prefix/*", "permission": "READ",
                       "location_role_arn": "arn:aws:iam::123456789012:role/..."}]
  }
"""
import urllib.parse

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.sts.responses import TokenResponse
from werkzeug.wrappers import Request

import idc_grants
import idc_oidc
import idc_portal
import peer_calls
from idc_common import CONFIG_PATH, ENABLED, Refusal, oidc_refusal, portal_refusal, s3control_refusal

__all__ = ["ENABLED", "CONFIG_PATH", "handle"]

_PORTAL_ROUTES = {
    ("GET", "/federation/credentials"): ("sso:GetRoleCredentials", idc_portal.get_role_credentials),
    ("GET", "/assignment/accounts"): ("sso:ListAccounts", idc_portal.list_accounts),
    ("GET", "/assignment/roles"): ("sso:ListAccountRoles", idc_portal.list_account_roles),
    ("POST", "/logout"): ("sso:Logout", idc_portal.logout),
}


def _route(environ):
    """(stats key, handler, fault refusal builder) of a request Identity Center serves, or None."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if method == "POST" and path == "/client/register":
        return "sso-oidc:RegisterClient", idc_oidc.register_client, oidc_refusal
    if method == "POST" and path == "/device_authorization":
        return "sso-oidc:StartDeviceAuthorization", idc_oidc.start_device_authorization, oidc_refusal
    if method == "POST" and path == "/token":
        if query.get("aws_iam") == ["t"]:
            return "sso-oidc:CreateTokenWithIAM", idc_oidc.create_token_with_iam, oidc_refusal
        return "sso-oidc:CreateToken", idc_oidc.create_token, oidc_refusal
    if (method, path) in _PORTAL_ROUTES and idc_portal.BEARER_ENVIRON_KEY in environ:
        key, handler = _PORTAL_ROUTES[(method, path)]
        return key, handler, portal_refusal
    if method == "GET" and path == "/v20180820/accessgrantsinstance/dataaccess":
        return "s3control:GetDataAccess", idc_grants.get_data_access, s3control_refusal
    return None


def handle(environ):
    """The answer (a werkzeug Response) for an Identity Center request, None for moto's."""
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == idc_oidc.DEVICE_PAGE:
        return idc_oidc.approve_device(environ)
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/runas-peer/sso/unassign":
        return idc_portal.unassign(environ)
    route = _route(environ)
    if route is None:
        return None
    key, handler, refusal_for = route
    peer_calls.count_call(key)
    fault = peer_calls.take_fault(key)
    if fault is not None:
        return refusal_for(fault.code, fault.message, fault.status).response()
    body = Request(environ).get_data()
    try:
        return handler(environ, body)
    except Refusal as refusal:
        return refusal.response()


if ENABLED:
    TokenResponse.assume_role = idc_grants.assume_role_with_provided_contexts
    MotoRequestHandler.make_environ = idc_portal.make_environ_keeping_the_portal_token
