"""What the Identity Center modules of the AWS peer share: the configuration
(PEER_IDENTITY_CENTER), the access tokens, error answers in each service's format, the SigV4
check of signed calls (the signer must be a live moto STS session) and the peer's own signed
tokens. identity_center.py describes the whole and routes requests."""
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import urllib.parse

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core.utils import utcnow
from moto.sts.models import sts_backends
from werkzeug.wrappers import Response

import peer_calls
import peer_jwt

CONFIG_PATH = os.environ.get("PEER_IDENTITY_CENTER", "")
ENABLED = bool(CONFIG_PATH)
CONFIG = {}
if ENABLED:
    with open(CONFIG_PATH, encoding="utf-8") as config_file:
        CONFIG = json.load(config_file)

# Signs the peer's own idTokens and identity contexts; a new peer forgets them, like AWS would
# refuse tokens of another instance.
PEER_KEY = secrets.token_bytes(32)
lock = threading.Lock()
access_tokens = {}  # token -> {"user", "expires_at"}: CreateToken's and CreateTokenWithIAM's


def config_value(name, default=None):
    return CONFIG.get(name, default)


def token_ttl():
    return int(config_value("token_ttl_seconds", 28800))


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


def json_answer(payload):
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


def json_service_auth_refusal(kind, message):
    codes = {
        "missing": "MissingAuthenticationTokenException",
        "unknown": "UnrecognizedClientException",
        "expired": "ExpiredTokenException",
        "signature": "InvalidSignatureException",
    }
    return portal_refusal(codes[kind], message, 403)


def s3control_auth_refusal(kind, message):
    codes = {
        "missing": "AccessDenied",
        "unknown": "InvalidAccessKeyId",
        "expired": "ExpiredToken",
        "signature": "SignatureDoesNotMatch",
    }
    return s3control_refusal(codes[kind], message, 400 if kind == "expired" else 403)


# --- peer-signed tokens ---------------------------------------------------------------------
def peer_sign(payload):
    """payload -> "base64url(json).base64url(hmac)": opaque to clients, checkable by the peer."""
    data = peer_jwt.b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(PEER_KEY, data.encode(), hashlib.sha256).digest()
    return f"{data}.{peer_jwt.b64url_encode(mac)}"


def peer_verify(text):
    """The payload of a peer_sign string, or None if it is not one of ours."""
    try:
        data, mac = text.split(".")
        expected = hmac.new(PEER_KEY, data.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, peer_jwt.b64url_decode(mac)):
            return None
        return json.loads(peer_jwt.b64url_decode(data))
    except (ValueError, TypeError, AttributeError):
        return None


def peer_signed_jwt(claims):
    header = peer_jwt.b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "runas-peer"}).encode())
    body = peer_jwt.b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(PEER_KEY, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{peer_jwt.b64url_encode(mac)}"


def opaque_token(prefix):
    return prefix + secrets.token_urlsafe(48)


def query_params(environ):
    return {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}
