"""IAM Identity Center for the AWS peer: what moto lacks, served on moto's port.

  sso-oidc  RegisterClient, StartDeviceAuthorization, CreateToken (device code, refresh token),
            CreateTokenWithIAM (jwt-bearer, SigV4-signed)
  sso       GetRoleCredentials, ListAccounts, ListAccountRoles, Logout (the access portal)
  sts       AssumeRole with ProvidedContexts (an Identity Center context assertion)
  s3control GetDataAccess (S3 Access Grants)

Request and answer shapes, error codes and HTTP statuses follow the AWS API reference. Every
session handed out is a real moto STS session, so the credentials work against the rest of moto.

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
    "access_grants": [{"user": "alice", "account_id": "123456789012",
                       "scope": "s3://bucket/prefix/*", "permission": "READ",
                       "location_role_arn": "arn:aws:iam::123456789012:role/..."}]
  }
"""
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core.utils import utcnow
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse
from werkzeug.wrappers import Request, Response

import peer_calls
import peer_jwt

CONFIG_PATH = os.environ.get("PEER_IDENTITY_CENTER", "")
ENABLED = bool(CONFIG_PATH)
MIN_DURATION = int(os.environ.get("PEER_MIN_DURATION", "900"))
MAX_DURATION = 43200
DEVICE_CODE_TTL = 600
# Real sso-oidc says 1 as well; clients must still honour SlowDownException.
POLL_INTERVAL = 1
CLIENT_SECRET_TTL = 90 * 24 * 3600
IDENTITY_CENTER_PROVIDER_ARN = "arn:aws:iam::aws:contextProvider/IdentityCenter"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
DEVICE_PAGE = "/runas-peer/sso/device"

CONFIG = {}
if ENABLED:
    with open(CONFIG_PATH, encoding="utf-8") as config_file:
        CONFIG = json.load(config_file)

# Signs the peer's own idTokens and identity contexts; a new peer forgets them, like AWS would
# refuse tokens of another instance.
_PEER_KEY = secrets.token_bytes(32)
_lock = threading.Lock()
_clients = {}  # client_id -> {"secret", "expires_at", "grant_types", "scopes"}
_device_codes = {}  # device_code -> {"client_id", "user_code", "expires_at", "user", "last_poll"}
_user_codes = {}  # user_code -> device_code
_access_tokens = {}  # token -> {"user", "expires_at"}
_refresh_tokens = {}  # token -> {"user", "client_id"}
_identity_enhanced = {}  # access key id -> {"user_id", "user_name", "application_arn"}


def _config_value(name, default=None):
    return CONFIG.get(name, default)


def token_ttl():
    return int(_config_value("token_ttl_seconds", 28800))


def user_named(name):
    return next((u for u in _config_value("users", []) if u.get("user_name") == name), None)


# --- answers --------------------------------------------------------------------------------
class Refusal(Exception):
    """An error answer, already in the called service's format."""

    def __init__(self, status, body, headers):
        super().__init__(body)
        self.status, self.body, self.headers = status, body, headers

    def response(self):
        return Response(self.body, status=self.status, headers=self.headers)


def _snake_error(code):
    """AuthorizationPendingException -> authorization_pending (sso-oidc's OAuth `error`)."""
    base = code[: -len("Exception")] if code.endswith("Exception") else code
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def oidc_refusal(code, description, status=400):
    body, headers = peer_calls.json_error(
        peer_calls.Fault(status, code, description),
        {"error": _snake_error(code), "error_description": description},
    )
    return Refusal(status, body, headers)


def portal_refusal(code, message, status):
    body, headers = peer_calls.json_error(peer_calls.Fault(status, code, message), {"message": message})
    return Refusal(status, body, headers)


def s3control_refusal(code, message, status):
    body, headers = peer_calls.rest_xml_error(peer_calls.Fault(status, code, message), wrapped=True)
    return Refusal(status, body, headers)


def sts_refusal(code, message, status=400):
    body, headers = peer_calls.query_error(peer_calls.Fault(status, code, message))
    return Refusal(status, body, headers)


def _json_answer(payload):
    return Response(json.dumps(payload), status=200, mimetype="application/json")


# --- SigV4: the caller must hold a live moto session ----------------------------------------
def find_session(access_key_id):
    """The moto STS session (AssumedRole) whose access key this is, in any account."""
    for account_id in list(sts_backends.keys()):
        for session in sts_backends[account_id]["aws"].assumed_roles:
            if session.access_key_id == access_key_id:
                return session
    return None


def _signed_headers(environ, names):
    headers = {}
    for name in names:
        if name == "content-type":
            value = environ.get("CONTENT_TYPE")
        elif name == "content-length":
            value = environ.get("CONTENT_LENGTH")
        else:
            value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        if value is not None:
            headers[name] = value
    return headers


def signing_session(environ, body, refuse):
    """The live moto session that signed this request. `refuse(kind, message)` builds the
    service's own Refusal for kind in {missing, unknown, expired, signature}."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise refuse("missing", "Missing Authentication Token")
    fields = dict(
        part.strip().split("=", 1) for part in authorization[len("AWS4-HMAC-SHA256 ") :].split(",") if "=" in part
    )
    try:
        access_key_id, _date, region, service, _terminator = fields["Credential"].split("/")
        signed_names = fields["SignedHeaders"].split(";")
        signature = fields["Signature"]
    except (KeyError, ValueError):
        raise refuse("missing", "Authorization header requires Credential, SignedHeaders and Signature") from None
    session = find_session(access_key_id)
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
    if session is None or token != session.session_token:
        raise refuse("unknown", "The security token included in the request is invalid")
    if session.expiration <= utcnow():
        raise refuse("expired", "The security token included in the request is expired")
    headers = _signed_headers(environ, signed_names)
    query = environ.get("QUERY_STRING", "")
    url = environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, data=body, headers=headers)
    request.context["timestamp"] = headers.get("x-amz-date", "")
    credentials = Credentials(access_key_id, session.secret_access_key, session.session_token)
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(credentials, service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, signature):
        raise refuse(
            "signature",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return session


def _json_service_auth_refusal(kind, message):
    codes = {
        "missing": "MissingAuthenticationTokenException",
        "unknown": "UnrecognizedClientException",
        "expired": "ExpiredTokenException",
        "signature": "InvalidSignatureException",
    }
    return portal_refusal(codes[kind], message, 403)


def _s3control_auth_refusal(kind, message):
    codes = {
        "missing": "AccessDenied",
        "unknown": "InvalidAccessKeyId",
        "expired": "ExpiredToken",
        "signature": "SignatureDoesNotMatch",
    }
    return s3control_refusal(codes[kind], message, 400 if kind == "expired" else 403)


# --- peer-signed tokens ---------------------------------------------------------------------
def _peer_sign(payload):
    """payload -> "base64url(json).base64url(hmac)": opaque to clients, checkable by the peer."""
    data = peer_jwt.b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(_PEER_KEY, data.encode(), hashlib.sha256).digest()
    return f"{data}.{peer_jwt.b64url_encode(mac)}"


def _peer_verify(text):
    """The payload of a _peer_sign string, or None if it is not one of ours."""
    try:
        data, mac = text.split(".")
        expected = hmac.new(_PEER_KEY, data.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, peer_jwt.b64url_decode(mac)):
            return None
        return json.loads(peer_jwt.b64url_decode(data))
    except (ValueError, TypeError, AttributeError):
        return None


def _peer_jwt(claims):
    header = peer_jwt.b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "runas-peer"}).encode())
    body = peer_jwt.b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(_PEER_KEY, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{peer_jwt.b64url_encode(mac)}"


def _opaque_token(prefix):
    return prefix + secrets.token_urlsafe(48)


# --- sso-oidc -------------------------------------------------------------------------------
def _json_body(body):
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        raise oidc_refusal("InvalidRequestException", "The request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise oidc_refusal("InvalidRequestException", "The request body must be a JSON object")
    return parsed


def _required(request, *names):
    missing = [name for name in names if not request.get(name)]
    if missing:
        raise oidc_refusal("InvalidRequestException", f"Missing required parameter(s): {', '.join(missing)}")


def register_client(environ, body):
    request = _json_body(body)
    _required(request, "clientName", "clientType")
    if request["clientType"] != "public":
        raise oidc_refusal("InvalidClientMetadataException", "Only public clients are supported")
    grant_types = request.get("grantTypes") or []
    unsupported = [g for g in grant_types if g not in {DEVICE_GRANT, REFRESH_GRANT, "authorization_code"}]
    if unsupported:
        raise oidc_refusal("UnsupportedGrantTypeException", f"Unsupported grant type(s): {', '.join(unsupported)}")
    now = int(time.time())
    client_id = secrets.token_urlsafe(16)
    client = {
        "secret": _opaque_token("aws-peer-client-secret-"),
        "expires_at": now + CLIENT_SECRET_TTL,
        "grant_types": grant_types,
        "scopes": request.get("scopes") or [],
    }
    with _lock:
        _clients[client_id] = client
    return _json_answer(
        {
            "clientId": client_id,
            "clientSecret": client["secret"],
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": client["expires_at"],
        }
    )


def _authenticated_client(request):
    with _lock:
        client = _clients.get(request.get("clientId"))
    if (
        client is None
        or not hmac.compare_digest(client["secret"], str(request.get("clientSecret", "")))
        or client["expires_at"] <= time.time()
    ):
        raise oidc_refusal("InvalidClientException", "Invalid client credentials", 401)
    return client


def start_device_authorization(environ, body):
    request = _json_body(body)
    _required(request, "clientId", "clientSecret", "startUrl")
    _authenticated_client(request)
    if request["startUrl"].rstrip("/") != _config_value("start_url", "").rstrip("/"):
        raise oidc_refusal("InvalidRequestException", "The start URL does not belong to this Identity Center instance")
    device_code = _opaque_token("")
    alphabet = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words, as AWS does
    user_code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
    with _lock:
        _device_codes[device_code] = {
            "client_id": request["clientId"],
            "user_code": user_code,
            "expires_at": time.time() + DEVICE_CODE_TTL,
            "user": None,
            "last_poll": 0.0,
        }
        _user_codes[user_code] = device_code
    page = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}{DEVICE_PAGE}"
    return _json_answer(
        {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": page,
            "verificationUriComplete": f"{page}?user_code={user_code}",
            "expiresIn": DEVICE_CODE_TTL,
            "interval": POLL_INTERVAL,
        }
    )


def approve_device(environ):
    """What a browser at verificationUriComplete does: the configured device user approves."""
    user_code = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("user_code", [""])[0]
    with _lock:
        device = _device_codes.get(_user_codes.get(user_code, ""))
        if device is None or device["expires_at"] <= time.time():
            return Response("unknown or expired user code\n", status=404, mimetype="text/plain")
        device["user"] = _config_value("device_user", "alice")
    return Response(
        f"<html><body><p>Request approved for {escape(device['user'])}. You can close this window.</p></body></html>",
        mimetype="text/html",
    )


def _issue_tokens(user, client_id, with_refresh):
    access_token = _opaque_token("aoa")
    answer = {"accessToken": access_token, "tokenType": "Bearer", "expiresIn": token_ttl()}
    with _lock:
        _access_tokens[access_token] = {"user": user, "expires_at": time.time() + token_ttl()}
        if with_refresh:
            refresh_token = _opaque_token("aor")
            _refresh_tokens[refresh_token] = {"user": user, "client_id": client_id}
            answer["refreshToken"] = refresh_token
    return answer


def create_token(environ, body):
    request = _json_body(body)
    _required(request, "clientId", "clientSecret", "grantType")
    client = _authenticated_client(request)
    grant_type = request["grantType"]
    if grant_type not in {DEVICE_GRANT, REFRESH_GRANT}:
        raise oidc_refusal("UnsupportedGrantTypeException", f"Unsupported grant type: {grant_type}")
    if client["grant_types"] and grant_type not in client["grant_types"]:
        raise oidc_refusal("UnauthorizedClientException", f"The client is not registered for {grant_type}")
    # AWS hands out refresh tokens only to clients registered with scopes (sso-session style).
    with_refresh = bool(client["scopes"]) or REFRESH_GRANT in client["grant_types"]
    if grant_type == REFRESH_GRANT:
        _required(request, "refreshToken")
        with _lock:
            grant = _refresh_tokens.get(request["refreshToken"])
            if grant is None or grant["client_id"] != request["clientId"]:
                raise oidc_refusal("InvalidGrantException", "Invalid refresh token provided")
            del _refresh_tokens[request["refreshToken"]]  # rotation: each refresh token works once
        return _json_answer(_issue_tokens(grant["user"], request["clientId"], True))
    _required(request, "deviceCode")
    now = time.time()
    with _lock:
        device = _device_codes.get(request["deviceCode"])
        if device is None or device["client_id"] != request["clientId"]:
            raise oidc_refusal("InvalidGrantException", "Invalid device code provided")
        if device["expires_at"] <= now:
            raise oidc_refusal("ExpiredTokenException", "Device code has expired")
        too_fast = now - device["last_poll"] < POLL_INTERVAL / 2
        device["last_poll"] = now
        if device["user"] is None:
            if too_fast:
                raise oidc_refusal("SlowDownException", "Client is polling too quickly")
            raise oidc_refusal("AuthorizationPendingException", "Authorization is still pending")
        del _device_codes[request["deviceCode"]]  # a device code gives one token
        _user_codes.pop(device["user_code"], None)
    return _json_answer(_issue_tokens(device["user"], request["clientId"], with_refresh))


_trusted_issuer_keys = {}


def _verify_assertion(assertion):
    """The Identity Store user a trusted token issuer's JWT names, else InvalidGrantException."""
    trusted = _config_value("trusted_token_issuer") or {}
    issuer_url = str(trusted.get("issuer_url", "")).rstrip("/")
    try:
        header, claims, signing_input, signature = peer_jwt.split_token(assertion)
    except peer_jwt.MalformedToken:
        raise oidc_refusal("InvalidGrantException", "The assertion is not a valid JWT") from None
    issuer = str(claims.get("iss", "")).rstrip("/")
    if not issuer_url or issuer != issuer_url:
        raise oidc_refusal("InvalidGrantException", "The assertion was issued by an untrusted token issuer")
    keys = _trusted_issuer_keys.setdefault(issuer_url, peer_jwt.IssuerKeys(issuer_url))
    try:
        key = keys.find(header.get("kid"))
    except (peer_jwt.IssuerUnreachable, peer_jwt.UnknownSigningKey) as error:
        raise oidc_refusal("InvalidGrantException", f"The assertion could not be verified: {error}") from None
    if not peer_jwt.signature_is_valid(str(header.get("alg", "")), key, signing_input, signature):
        raise oidc_refusal("InvalidGrantException", "The assertion's signature could not be verified")
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
        raise oidc_refusal("InvalidGrantException", "The assertion has expired")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if trusted.get("audience") and trusted["audience"] not in audiences:
        raise oidc_refusal("InvalidGrantException", "The assertion's audience is not trusted for this application")
    claim = trusted.get("user_claim", "email")
    value = claims.get(claim)
    user = next((u for u in _config_value("users", []) if value is not None and u.get(claim) == value), None)
    if user is None:
        raise oidc_refusal("InvalidGrantException", f"No Identity Store user matches the assertion's {claim} claim")
    return user


def create_token_with_iam(environ, body):
    signing_session(environ, body, _json_service_auth_refusal)
    request = _json_body(body)
    _required(request, "clientId", "grantType")
    if request["clientId"] != _config_value("application_arn"):
        raise oidc_refusal("InvalidClientException", "The client is not a configured application", 401)
    if request["grantType"] != JWT_BEARER_GRANT:
        raise oidc_refusal("UnsupportedGrantTypeException", f"Unsupported grant type: {request['grantType']}")
    _required(request, "assertion")
    user = _verify_assertion(request["assertion"])
    now = int(time.time())
    expires_at = now + token_ttl()
    instance_arn = _config_value("instance_arn")
    identity_context = _peer_sign(
        {
            "user_id": user["user_id"],
            "user_name": user["user_name"],
            "application_arn": request["clientId"],
            "instance_arn": instance_arn,
            "exp": expires_at,
        }
    )
    region = _config_value("region", "us-east-1")
    id_token = _peer_jwt(
        {
            "iss": f"https://identitycenter.amazonaws.com/{instance_arn.rsplit('/', 1)[-1]}",
            "aud": request["clientId"],
            "sub": user["user_id"],
            "iat": now,
            "exp": expires_at,
            "sts:identity_context": identity_context,
            "sts:audit_context": _peer_sign({"user_id": user["user_id"], "iat": now}),
            "aws:identity_store_id": _config_value("identity_store_id"),
            "aws:identity_store_arn": f"arn:aws:identitystore::{request['clientId'].split(':')[4]}:identitystore/"
            + str(_config_value("identity_store_id")),
            "aws:instance_arn": instance_arn,
            "aws:application_arn": request["clientId"],
            "aws:credential_id": secrets.token_hex(8),
            "aws:region": region,
        }
    )
    access_token = _opaque_token("aoa")
    with _lock:
        _access_tokens[access_token] = {"user": user["user_name"], "expires_at": expires_at}
    return _json_answer(
        {
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": token_ttl(),
            "idToken": id_token,
            "issuedTokenType": ACCESS_TOKEN_TYPE,
            "scope": ["openid", "aws", "sts:identity_context"],
            "awsAdditionalDetails": {"identityContext": identity_context},
        }
    )


# --- sso (the access portal) ----------------------------------------------------------------
BEARER_HEADER = "x-amz-sso_bearer_token"
BEARER_ENVIRON_KEY = "runas_peer.sso_bearer_token"
_stock_make_environ = MotoRequestHandler.make_environ


def _make_environ_keeping_the_portal_token(self):
    # werkzeug's server drops every header with an underscore from the WSGI environ, and the
    # portal's bearer header has one: keep it under a key of our own.
    environ = _stock_make_environ(self)
    for name, value in self.headers.items():
        if name.lower() == BEARER_HEADER:
            environ[BEARER_ENVIRON_KEY] = value
    return environ


def _portal_user(environ):
    token = environ.get(BEARER_ENVIRON_KEY, "")
    with _lock:
        grant = _access_tokens.get(token)
    if not token or grant is None or grant["expires_at"] <= time.time():
        raise portal_refusal("UnauthorizedException", "Session token not found or invalid", 401)
    return grant["user"], token


def _query(environ):
    return {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}


def _assignments_of(user):
    return [a for a in _config_value("account_assignments", []) if a.get("user") == user]


def get_role_credentials(environ, body):
    user, _ = _portal_user(environ)
    query = _query(environ)
    role_name, account_id = query.get("role_name"), query.get("account_id")
    if not role_name or not account_id:
        raise portal_refusal("InvalidRequestException", "role_name and account_id are required", 400)
    if not any(a["account_id"] == account_id and a["role_name"] == role_name for a in _assignments_of(user)):
        raise portal_refusal("ForbiddenException", "No access", 403)
    session = sts_backends[account_id]["aws"].assume_role(
        region_name=_config_value("region", "us-east-1"),
        role_session_name=user,
        role_arn=f"arn:aws:iam::{account_id}:role/{role_name}",
        policy=None,
        duration=3600,
        external_id=None,
    )
    expiration = int(session.expiration.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    return _json_answer(
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
    return _json_answer(
        {
            "accountList": [
                {"accountId": a, "accountName": f"account-{a}", "emailAddress": f"aws+{a}@example.test"}
                for a in accounts
            ]
        }
    )


def list_account_roles(environ, body):
    user, _ = _portal_user(environ)
    account_id = _query(environ).get("account_id")
    if not account_id:
        raise portal_refusal("InvalidRequestException", "account_id is required", 400)
    roles = [
        {"roleName": a["role_name"], "accountId": account_id}
        for a in _assignments_of(user)
        if a["account_id"] == account_id
    ]
    return _json_answer({"roleList": roles})


def logout(environ, body):
    _, token = _portal_user(environ)
    with _lock:
        _access_tokens.pop(token, None)
    return Response("", status=200)


# --- sts AssumeRole with ProvidedContexts ---------------------------------------------------
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
    identity = _peer_verify(assertion or "")
    if identity is None:
        raise sts_refusal("InvalidParameterValue", "The provided context assertion is invalid")
    if identity.get("exp", 0) <= time.time():
        raise sts_refusal("ExpiredTokenException", "The provided context assertion has expired")
    return identity


_stock_assume_role = TokenResponse.assume_role


def _assume_role_with_provided_contexts(self):
    contexts = _provided_contexts(self)
    if not contexts:
        return _stock_assume_role(self)
    try:
        identity = _verify_identity_context(contexts)
    except Refusal as refusal:
        return refusal.body, {"status": refusal.status, **refusal.headers}
    result = _stock_assume_role(self)
    session = result.result["Credentials"]
    with _lock:
        _identity_enhanced[session.access_key_id] = identity
    return result


# --- s3control GetDataAccess ----------------------------------------------------------------
_PERMISSIONS = {"READ", "WRITE", "READWRITE"}


def _scope_covers(scope, target):
    if scope.endswith("*"):
        return target.startswith(scope[:-1])
    return target == scope


def get_data_access(environ, body):
    session = signing_session(environ, body, _s3control_auth_refusal)
    with _lock:
        identity = _identity_enhanced.get(session.access_key_id)
    if identity is None:
        raise s3control_refusal(
            "AccessDenied",
            "GetDataAccess needs an identity-enhanced session (AssumeRole with an Identity Center "
            "context assertion); this session has no directory identity",
            403,
        )
    query = _query(environ)
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
        for g in _config_value("access_grants", [])
        if g.get("account_id") == account_id
        and g.get("user") == identity["user_name"]
        and _scope_covers(g["scope"], target)
        and g["permission"] in {permission, "READWRITE"}
    ]
    if not grants:
        raise s3control_refusal("AccessDenied", "You do not have access to the requested S3 location", 403)
    grant = max(grants, key=lambda g: len(g["scope"]))  # the closest grant wins, as on AWS
    credentials = sts_backends[account_id]["aws"].assume_role(
        region_name=_config_value("region", "us-east-1"),
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
        f"<MatchedInstanceArn>arn:aws:s3:{_config_value('region', 'us-east-1')}:{account_id}:"
        "access-grants/default</MatchedInstanceArn>"
        "</GetDataAccessResult>"
    )
    return Response(body, status=200, headers={"Content-Type": "application/xml"})


# --- routing --------------------------------------------------------------------------------
_PORTAL_ROUTES = {
    ("GET", "/federation/credentials"): ("sso:GetRoleCredentials", get_role_credentials),
    ("GET", "/assignment/accounts"): ("sso:ListAccounts", list_accounts),
    ("GET", "/assignment/roles"): ("sso:ListAccountRoles", list_account_roles),
    ("POST", "/logout"): ("sso:Logout", logout),
}


def _route(environ):
    """(stats key, handler, fault refusal builder) of a request Identity Center serves, or None."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if method == "POST" and path == "/client/register":
        return "sso-oidc:RegisterClient", register_client, oidc_refusal
    if method == "POST" and path == "/device_authorization":
        return "sso-oidc:StartDeviceAuthorization", start_device_authorization, oidc_refusal
    if method == "POST" and path == "/token":
        if query.get("aws_iam") == ["t"]:
            return "sso-oidc:CreateTokenWithIAM", create_token_with_iam, oidc_refusal
        return "sso-oidc:CreateToken", create_token, oidc_refusal
    if (method, path) in _PORTAL_ROUTES and BEARER_ENVIRON_KEY in environ:
        key, handler = _PORTAL_ROUTES[(method, path)]
        return key, handler, lambda code, message, status: portal_refusal(code, message, status)
    if method == "GET" and path == "/v20180820/accessgrantsinstance/dataaccess":
        return "s3control:GetDataAccess", get_data_access, s3control_refusal
    return None


def handle(environ):
    """The answer (a werkzeug Response) for an Identity Center request, None for moto's."""
    if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO") == DEVICE_PAGE:
        return approve_device(environ)
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
    TokenResponse.assume_role = _assume_role_with_provided_contexts
    MotoRequestHandler.make_environ = _make_environ_keeping_the_portal_token
