"""The AWS console federation endpoint for the AWS peer (moto has none), on moto's port.

AWS documents it at https://signin.aws.amazon.com/federation (per partition:
signin.amazonaws-us-gov.com, signin.amazonaws.cn) in "Enable custom identity broker access to
the AWS console" (IAM User Guide):

  GET /federation?Action=getSigninToken&Session=<JSON>[&SessionDuration=N]
      Session is the URL-encoded JSON {"sessionId": AKID, "sessionKey": SECRET,
      "sessionToken": TOKEN} of temporary credentials. SessionDuration (900..43200 seconds)
      is accepted only with role sessions (AssumeRole*). Answers {"SigninToken": "..."};
      a sign-in token is valid for 15 minutes.
  GET /federation?Action=login&Issuer=<URL>&Destination=<console URL>&SigninToken=<token>
      Signs the browser in and redirects to Destination.

The session is checked against moto's live STS sessions (every AssumeRole*, and every
Identity Center GetRoleCredentials of this peer, is one): the key id must name a session, the
secret and token must match it, and it must not have expired. AWS does not document its error
bodies; this peer answers a refusal with HTTP 400 and a one-line text that names the reason
(a real browser sees an HTML page instead). Requests are counted in /runas-peer/stats as
"signin:getSigninToken" and "signin:login".
"""
import json
import secrets
import time
import urllib.parse

from moto.core.utils import utcnow
from moto.sts.models import sts_backends
from werkzeug.wrappers import Request, Response

import peer_calls

PATH = "/federation"
PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
SIGNIN_TOKEN_TTL = 15 * 60
SESSION_DURATION_RANGE = range(900, 43200 + 1)
CONSOLE_HOSTS = ("console.aws.amazon.com", "console.amazonaws-us-gov.com", "console.amazonaws.cn")

# SigninToken -> (expires at, role session ARN)
_tokens = {}


def handles(environ):
    return environ.get("PATH_INFO") == PATH


def handle(environ):
    request = Request(environ)
    values = request.values
    action = values.get("Action", "")
    if action == "getSigninToken":
        peer_calls.count_call("signin:getSigninToken")
        return _get_signin_token(values)
    if action == "login":
        peer_calls.count_call("signin:login")
        return _login(values)
    return _refuse(f"unknown Action {action!r}")


def _refuse(reason, status=400):
    return Response(reason + "\n", status=status, mimetype="text/plain")


def _live_session(access_key_id):
    for account_id, per_account in list(sts_backends.items()):
        for partition in PARTITIONS:
            for session in list(per_account[partition].assumed_roles):
                if session.access_key_id == access_key_id:
                    return session
    return None


def _get_signin_token(values):
    try:
        session = json.loads(values.get("Session", ""))
    except ValueError:
        return _refuse("Session is not valid JSON")
    if not isinstance(session, dict) or not all(
        isinstance(session.get(field), str) for field in ("sessionId", "sessionKey", "sessionToken")
    ):
        return _refuse("Session must hold sessionId, sessionKey and sessionToken")
    live = _live_session(session["sessionId"])
    if live is None:
        # Long-term keys, GetSessionToken credentials and unknown keys: not a role session.
        return _refuse("the credentials are not a role or federated-user session")
    if not (secrets.compare_digest(live.secret_access_key, session["sessionKey"])
            and secrets.compare_digest(live.session_token, session["sessionToken"])):
        return _refuse("the session key or token does not match the session")
    if live.expiration <= utcnow():
        return _refuse("the session has expired")
    duration = values.get("SessionDuration")
    if duration is not None:
        if not duration.isdigit() or int(duration) not in SESSION_DURATION_RANGE:
            return _refuse("SessionDuration must be 900 to 43200 seconds")
    token = secrets.token_urlsafe(48)
    _tokens[token] = (time.time() + SIGNIN_TOKEN_TTL, live.arn)
    return Response(json.dumps({"SigninToken": token}), mimetype="application/json")


def _login(values):
    token = values.get("SigninToken", "")
    issuer = values.get("Issuer", "")
    destination = values.get("Destination", "")
    known = _tokens.get(token)
    if known is None or known[0] < time.time():
        return _refuse("the sign-in token is unknown or has expired")
    if not issuer:
        return _refuse("Issuer is missing")
    parsed = urllib.parse.urlsplit(destination)
    if parsed.scheme != "https" or not parsed.hostname or not (
        parsed.hostname in CONSOLE_HOSTS or any(parsed.hostname.endswith("." + host) for host in CONSOLE_HOSTS)
    ):
        return _refuse("Destination must be an https URL of the AWS console")
    return Response("", status=302, headers={"Location": destination})
