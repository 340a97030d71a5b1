"""sso-oidc for the AWS peer: RegisterClient, StartDeviceAuthorization (+ the device approval
page a browser opens), CreateToken (device code, refresh token) and CreateTokenWithIAM
(jwt-bearer from the trusted token issuer, SigV4-signed)."""
import hmac
import json
import secrets
import time
import urllib.parse
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

import peer_jwt
from idc_common import (
    access_tokens,
    config_value,
    json_answer,
    json_service_auth_refusal,
    lock,
    oidc_refusal,
    opaque_token,
    peer_sign,
    peer_signed_jwt,
    signing_session,
    token_ttl,
)

DEVICE_CODE_TTL = 600
# Real sso-oidc says 1 as well; clients must still honour SlowDownException.
POLL_INTERVAL = 1
CLIENT_SECRET_TTL = 90 * 24 * 3600
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
DEVICE_PAGE = "/runas-peer/sso/device"

_clients = {}  # client_id -> {"secret", "expires_at", "grant_types", "scopes"}
_device_codes = {}  # device_code -> {"client_id", "user_code", "expires_at", "user", "last_poll"}
_user_codes = {}  # user_code -> device_code
_refresh_tokens = {}  # token -> {"user", "client_id"}


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
        "secret": opaque_token("aws-peer-client-secret-"),
        "expires_at": now + CLIENT_SECRET_TTL,
        "grant_types": grant_types,
        "scopes": request.get("scopes") or [],
    }
    with lock:
        _clients[client_id] = client
    return json_answer(
        {
            "clientId": client_id,
            "clientSecret": client["secret"],
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": client["expires_at"],
        }
    )


def _authenticated_client(request):
    with lock:
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
    if request["startUrl"].rstrip("/") != config_value("start_url", "").rstrip("/"):
        raise oidc_refusal("InvalidRequestException", "The start URL does not belong to this Identity Center instance")
    device_code = opaque_token("")
    alphabet = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words, as AWS does
    user_code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(2))
    with lock:
        _device_codes[device_code] = {
            "client_id": request["clientId"],
            "user_code": user_code,
            "expires_at": time.time() + DEVICE_CODE_TTL,
            "user": None,
            "last_poll": 0.0,
        }
        _user_codes[user_code] = device_code
    page = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}{DEVICE_PAGE}"
    return json_answer(
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
    with lock:
        device = _device_codes.get(_user_codes.get(user_code, ""))
        if device is None or device["expires_at"] <= time.time():
            return Response("unknown or expired user code\n", status=404, mimetype="text/plain")
        device["user"] = config_value("device_user", "alice")
    return Response(
        f"<html><body><p>Request approved for {escape(device['user'])}. You can close this window.</p></body></html>",
        mimetype="text/html",
    )


def _issue_tokens(user, client_id, with_refresh):
    access_token = opaque_token("aoa")
    answer = {"accessToken": access_token, "tokenType": "Bearer", "expiresIn": token_ttl()}
    with lock:
        access_tokens[access_token] = {"user": user, "expires_at": time.time() + token_ttl()}
        if with_refresh:
            refresh_token = opaque_token("aor")
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
        with lock:
            grant = _refresh_tokens.get(request["refreshToken"])
            if grant is None or grant["client_id"] != request["clientId"]:
                raise oidc_refusal("InvalidGrantException", "Invalid refresh token provided")
            del _refresh_tokens[request["refreshToken"]]  # rotation: each refresh token works once
        return json_answer(_issue_tokens(grant["user"], request["clientId"], True))
    _required(request, "deviceCode")
    now = time.time()
    with lock:
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
    return json_answer(_issue_tokens(device["user"], request["clientId"], with_refresh))


_trusted_issuer_keys = {}


def _verify_assertion(assertion):
    """The Identity Store user a trusted token issuer's JWT names, else InvalidGrantException."""
    trusted = config_value("trusted_token_issuer") or {}
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
    user = next((u for u in config_value("users", []) if value is not None and u.get(claim) == value), None)
    if user is None:
        raise oidc_refusal("InvalidGrantException", f"No Identity Store user matches the assertion's {claim} claim")
    return user


def create_token_with_iam(environ, body):
    signing_session(environ, body, json_service_auth_refusal)
    request = _json_body(body)
    _required(request, "clientId", "grantType")
    if request["clientId"] != config_value("application_arn"):
        raise oidc_refusal("InvalidClientException", "The client is not a configured application", 401)
    if request["grantType"] != JWT_BEARER_GRANT:
        raise oidc_refusal("UnsupportedGrantTypeException", f"Unsupported grant type: {request['grantType']}")
    _required(request, "assertion")
    user = _verify_assertion(request["assertion"])
    now = int(time.time())
    expires_at = now + token_ttl()
    instance_arn = config_value("instance_arn")
    identity_context = peer_sign(
        {
            "user_id": user["user_id"],
            "user_name": user["user_name"],
            "application_arn": request["clientId"],
            "instance_arn": instance_arn,
            "exp": expires_at,
        }
    )
    region = config_value("region", "us-east-1")
    id_token = peer_signed_jwt(
        {
            "iss": f"https://identitycenter.amazonaws.com/{instance_arn.rsplit('/', 1)[-1]}",
            "aud": request["clientId"],
            "sub": user["user_id"],
            "iat": now,
            "exp": expires_at,
            "sts:identity_context": identity_context,
            "sts:audit_context": peer_sign({"user_id": user["user_id"], "iat": now}),
            "aws:identity_store_id": config_value("identity_store_id"),
            "aws:identity_store_arn": f"arn:aws:identitystore::{request['clientId'].split(':')[4]}:identitystore/"
            + str(config_value("identity_store_id")),
            "aws:instance_arn": instance_arn,
            "aws:application_arn": request["clientId"],
            "aws:credential_id": secrets.token_hex(8),
            "aws:region": region,
        }
    )
    access_token = opaque_token("aoa")
    with lock:
        access_tokens[access_token] = {"user": user["user_name"], "expires_at": expires_at}
    return json_answer(
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
