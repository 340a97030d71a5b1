#!/usr/bin/env python3
"""The runas AWS test peer: moto's own server (moto 5.2.5) with what STS does and moto does not.

usage: venv/bin/python aws_peer.py [-H 127.0.0.1] [-p PORT]       (moto_server's flags)

Environment knobs (all optional; without them this is stock moto plus the stats endpoint):
  PEER_OIDC_ISSUER=http://127.0.0.1:PORT
      Check AssumeRoleWithWebIdentity tokens the way real STS does: the JWT signature against
      the issuer's JWKS (found through its discovery document; RS256/384/512, PS256/384/512,
      ES256/384; fetched once and fetched again for an unknown `kid`), `iss` equal to this
      issuer, `exp` in the future, the role must exist, and PEER_MIN_DURATION <= DurationSeconds
      <= the role's MaxSessionDuration. Errors carry real STS codes and HTTP statuses:
      InvalidIdentityToken (400), ExpiredTokenException (400), IDPCommunicationError (400),
      ValidationError (400), AccessDenied (403). Successful responses gain the fields real STS
      returns and moto leaves out: SubjectFromWebIdentityToken, Audience, Provider.
  PEER_OIDC_AUDIENCE=runas-cli
      With PEER_OIDC_ISSUER: the token's `aud` must contain this value.
  PEER_MIN_DURATION=900
      Smallest DurationSeconds accepted (real STS: 900). Tests set 1 to see expiry in seconds.
  PEER_EXPIRE_CREDS=1
      While IAM enforcement is on, temporary credentials past their Expiration are refused with
      ExpiredToken (S3: 400, other services: 403). moto never checks Expiration.
  INITIAL_NO_AUTH_ACTION_COUNT=N
      moto's own: IAM enforcement (signatures, policies) starts after N requests.
  PEER_IDENTITY_CENTER=/path/identity_center.json
      IAM Identity Center, the SSO portal and S3 Access Grants on this port (identity_center.py
      says what and the file's format).
  PEER_TRUST_POLICIES=1
      With PEER_OIDC_ISSUER: the account's IAM OIDC provider and the role's trust policy are
      evaluated as STS does (peer_trust.py): no provider, an audience it does not list, or a
      trust policy that does not admit the token is refused with STS's code and message.
  PEER_CREDENTIALS_TTL=N
      Every temporary credential expires N seconds after issue, whatever DurationSeconds asked
      (a departure from AWS, whose minimum is 900 s: peer_lifetime.py says why).
  PEER_IGNORE_STDIN=1
      Keep running at stdin EOF (for starting it by hand in the background).

Always on:
  * Unsigned AssumeRoleWithWebIdentity / AssumeRoleWithSAML pass IAM enforcement, as on AWS
    (stock moto answers them with HTTP 500 while enforcement is on).
  * GET /runas-peer/stats -> {"<service>:<Action>": count} of the API calls so far, so tests can
    assert that a cached run made no STS call.
  * GET /federation: the console sign-in endpoint (federation.py: getSigninToken, login).
  * POST /runas-peer/faults {"<service>:<Action>": [{"status", "code", "message"?}, ...]} queues
    error answers for the next calls of that action (peer_calls.py).
  * Exits at stdin EOF (it dies with the test process that holds the pipe, even a SIGKILLed
    one) and on SIGTERM.
"""
import json
import os
import sys
import threading
import time

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import _RESTError
from moto.core.responses import BaseResponse
from moto.core.utils import utcnow
from moto.iam import access_control
from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.exceptions import S3ClientError
from moto.server import main
from moto.sts.responses import TokenResponse
from werkzeug.wrappers import Request, Response

import federation
import identity_center
import peer_calls
import peer_cfn  # noqa: F401  registers AWS::IAM::OIDCProvider with moto's CloudFormation
import peer_jwt
import peer_lifetime
import peer_trust

OIDC_ISSUER = os.environ.get("PEER_OIDC_ISSUER", "").rstrip("/")
OIDC_AUDIENCE = os.environ.get("PEER_OIDC_AUDIENCE", "")
MIN_DURATION = int(os.environ.get("PEER_MIN_DURATION", "900"))
MAX_DURATION = 43200  # STS's hard ceiling, whatever the role allows
EXPIRE_CREDENTIALS = os.environ.get("PEER_EXPIRE_CREDS") == "1"
UNSIGNED_STS_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}
STATS_PATH = "/runas-peer/stats"
FAULTS_PATH = "/runas-peer/faults"

# --- request counter and fault queue (peer_calls.py) ----------------------------------------
_stock_call_action = BaseResponse.call_action


def _counted_call_action(self):
    key = f"{self.service_name}:{self._get_action()}"
    peer_calls.count_call(key)
    fault = peer_calls.take_fault(key)
    if fault is not None:
        body, headers = peer_calls.moto_fault_answer(self.service_name, fault)
        return fault.status, headers, body
    return _stock_call_action(self)


_stock_dispatch = DomainDispatcherApplication.__call__


def _dispatch_with_peer_routes(self, environ, start_response):
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
    if method == "GET" and path == STATS_PATH:
        return Response(peer_calls.counts_json(), mimetype="application/json")(environ, start_response)
    if method == "POST" and path == FAULTS_PATH:
        try:
            queued = peer_calls.queue_faults(Request(environ).get_data())
        except (ValueError, TypeError) as error:
            answer = Response(json.dumps({"error": str(error)}), status=400, mimetype="application/json")
        else:
            answer = Response(json.dumps({"queued": queued}), mimetype="application/json")
        return answer(environ, start_response)
    if federation.handles(environ):
        return federation.handle(environ)(environ, start_response)
    if identity_center.ENABLED:
        answer = identity_center.handle(environ)
        if answer is not None:
            return answer(environ, start_response)
    return _stock_dispatch(self, environ, start_response)


BaseResponse.call_action = _counted_call_action
DomainDispatcherApplication.__call__ = _dispatch_with_peer_routes


# --- unsigned web-identity calls under IAM enforcement ------------------------------------
_stock_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authorize_allowing_unsigned_sts(self, iam_request_cls, resource="*"):
    # On AWS these calls carry no signature: the web identity token is the credential.
    if "Authorization" not in self.headers and self._get_action() in UNSIGNED_STS_ACTIONS:
        return None
    return _stock_authorize(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize_allowing_unsigned_sts


# --- web identity token checks ------------------------------------------------------------
class StsRefusal(Exception):
    """An STS error answer: code, message and HTTP status as real STS sends them."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def xml(self):
        def escape(text):
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        return (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>Sender</Type><Code>{self.code}</Code>"
            f"<Message>{escape(self.message)}</Message></Error>"
            "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
        )


_issuer_keys = peer_jwt.IssuerKeys(OIDC_ISSUER)


def verify_web_identity_token(token):
    """Returns (claims, audience) of a token real STS would accept, else raises StsRefusal."""
    try:
        header, claims, signing_input, signature = peer_jwt.split_token(token)
    except peer_jwt.MalformedToken:
        raise StsRefusal("InvalidIdentityToken", "The web identity token is not a valid JWT") from None
    issuer = str(claims.get("iss", "")).rstrip("/")
    if issuer != OIDC_ISSUER:
        raise StsRefusal("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")
    try:
        key = _issuer_keys.find(header.get("kid"))
    except peer_jwt.IssuerUnreachable as error:
        raise StsRefusal("IDPCommunicationError", str(error)) from None
    except peer_jwt.UnknownSigningKey as error:
        raise StsRefusal("InvalidIdentityToken", str(error)) from None
    if not peer_jwt.signature_is_valid(str(header.get("alg", "")), key, signing_input, signature):
        raise StsRefusal("InvalidIdentityToken", "The signature of the web identity token could not be verified")
    now = int(time.time())
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
        raise StsRefusal(
            "ExpiredTokenException",
            f"Token expired: current date/time {now} must be before the expiration date/time {claims.get('exp')}",
        )
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if OIDC_AUDIENCE and OIDC_AUDIENCE not in audiences:
        raise StsRefusal("InvalidIdentityToken", "Incorrect token audience")
    return claims, OIDC_AUDIENCE or audiences[0]


def _existing_role(response, role_arn):
    try:
        account_id = role_arn.split(":")[4]
        return iam_backends[account_id][response.partition].get_role_by_arn(role_arn)
    except Exception:  # a malformed ARN and an unknown role are the same refusal on AWS
        raise StsRefusal("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403) from None


def _check_duration(duration, role):
    if duration < MIN_DURATION:
        raise StsRefusal(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value greater than or equal to {MIN_DURATION}",
        )
    if duration > min(int(role.max_session_duration or 3600), MAX_DURATION):
        raise StsRefusal(
            "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )


_stock_assume_role_with_web_identity = TokenResponse.assume_role_with_web_identity


def _checked_assume_role_with_web_identity(self):
    try:
        claims, audience = verify_web_identity_token(self._get_param("WebIdentityToken") or "")
        if peer_trust.ENABLED:
            peer_trust.check_provider(claims, self._get_param("RoleArn") or "")
        role = _existing_role(self, self._get_param("RoleArn") or "")
        if peer_trust.ENABLED:
            peer_trust.check_trust(role, claims)
        _check_duration(self._get_int_param("DurationSeconds", 3600), role)
    except peer_trust.TrustRefusal as trust:
        refusal = StsRefusal(trust.code, trust.message, trust.status)
        return refusal.xml(), {"status": refusal.status, "Content-Type": "text/xml"}
    except StsRefusal as refusal:
        return refusal.xml(), {"status": refusal.status, "Content-Type": "text/xml"}
    result = _stock_assume_role_with_web_identity(self)
    result.result.update(
        SubjectFromWebIdentityToken=str(claims.get("sub", "")),
        Audience=audience,
        Provider=claims["iss"],
    )
    return result


if OIDC_ISSUER:
    TokenResponse.assume_role_with_web_identity = _checked_assume_role_with_web_identity


# --- expiry of temporary credentials ------------------------------------------------------
class ExpiredTokenError(_RESTError):
    code = 403  # HTTP status of the query and JSON APIs; S3 answers 400 (below)

    def __init__(self):
        super().__init__("ExpiredToken", "The security token included in the request is expired")


_stock_check_signature = access_control.IAMRequestBase.check_signature


def _check_signature_and_expiry(self):
    access_key = getattr(self, "_access_key", None)
    if isinstance(access_key, access_control.AssumedRoleAccessKey):
        sessions = access_control.sts_backends[access_key.account_id][access_key.partition].assumed_roles
        for session in sessions:
            if session.access_key_id == access_key._access_key_id and session.expiration <= utcnow():
                if isinstance(self, access_control.S3IAMRequest):
                    raise S3ClientError("ExpiredToken", "The provided token has expired.")
                raise ExpiredTokenError()
    return _stock_check_signature(self)


if EXPIRE_CREDENTIALS:
    access_control.IAMRequestBase.check_signature = _check_signature_and_expiry


CREDENTIALS_TTL = peer_lifetime.install()


# --- lifetime -----------------------------------------------------------------------------
def _exit_at_stdin_eof():
    while sys.stdin.buffer.read(4096):
        pass
    print("aws peer: exiting (stdin closed)", flush=True)
    os._exit(0)  # the server thread blocks the main thread; nothing else needs unwinding


if __name__ == "__main__":
    print(
        f"aws peer: pid {os.getpid()}, token checks "
        f"{'ON (issuer ' + OIDC_ISSUER + ', audience ' + (OIDC_AUDIENCE or 'any') + ')' if OIDC_ISSUER else 'off'}, "
        f"min duration {MIN_DURATION}, credential expiry {'ON' if EXPIRE_CREDENTIALS else 'off'}, "
        f"identity center {'ON (' + identity_center.CONFIG_PATH + ')' if identity_center.ENABLED else 'off'}, "
        f"trust policies {'ON' if peer_trust.ENABLED else 'off'}, "
        f"credentials TTL {str(CREDENTIALS_TTL) + ' s (test switch)' if CREDENTIALS_TTL else 'as asked'}",
        flush=True,
    )
    if os.environ.get("PEER_IGNORE_STDIN") != "1":
        threading.Thread(target=_exit_at_stdin_eof, daemon=True).start()
    main(sys.argv[1:])  # moto installs its own SIGTERM handler: exit status 0
