#!/usr/bin/env bash
# Proves what the PyPI AWS CLI v1 (venv/bin/aws, 1.46.3 with its own botocore 1.43.62) does
# against the AWS peer's Identity Center: the sso-oidc device flow through its API commands, the
# portal commands, and its SSO credential provider (an sso-session profile and a legacy profile
# whose tokens are in ~/.aws/sso/cache, including a refresh of a token about to expire). Run by
# tests/peers_identity_center.rs against peers started with identity_center() + the assignment
# (123456789012, runas-sso-admin). Prints one line per check; exits non-zero on the first failure.
#
# env: PROVE_AWS_ENDPOINT=http://127.0.0.1:PORT  PROVE_HOME=<empty temp dir used as HOME>
#
# v1 has no `aws sso login`: the device flow is the sso-oidc API commands. And v1 fetches any
# parameter value that starts with http(s):// (--start-url!) unless cli_follow_urlparam=false.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
aws=$here/venv/bin/aws
python=$here/venv/bin/python
start_url=https://d-9067c0ffee.awsapps.com/start
export HOME=$PROVE_HOME AWS_CONFIG_FILE=$PROVE_HOME/config AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 NO_PROXY='*'
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
  HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
# Only the per-service variables: proves v1 honours AWS_ENDPOINT_URL_<SERVICE> for each.
export AWS_ENDPOINT_URL_SSO_OIDC=$PROVE_AWS_ENDPOINT AWS_ENDPOINT_URL_SSO=$PROVE_AWS_ENDPOINT \
  AWS_ENDPOINT_URL_STS=$PROVE_AWS_ENDPOINT

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
field() { "$python" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

cat >"$AWS_CONFIG_FILE" <<EOF
[default]
cli_follow_urlparam = false

[profile sess]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = runas-sso-admin
region = us-east-1

[sso-session corp]
sso_start_url = $start_url
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = $start_url
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = runas-sso-admin
region = us-east-1
EOF

registration=$("$aws" sso-oidc register-client --client-name runas-prove --client-type public \
  --scopes sso:account:access --output json)
client_id=$(field clientId <<<"$registration")
client_secret=$(field clientSecret <<<"$registration")
ok "aws sso-oidc register-client"
# Random values go as --opt=VALUE: a value starting with '-' (base64url allows it) would
# otherwise be taken for an option by the CLI's argument parser.
device=$("$aws" sso-oidc start-device-authorization --client-id="$client_id" \
  --client-secret="$client_secret" --start-url "$start_url" --output json)
device_code=$(field deviceCode <<<"$device")
ok "aws sso-oidc start-device-authorization"
create_token() {
  "$aws" sso-oidc create-token --client-id="$client_id" --client-secret="$client_secret" \
    --grant-type urn:ietf:params:oauth:grant-type:device_code --device-code="$device_code" --output json
}
if pending=$(create_token 2>&1); then fail "create-token before approval: $pending"; fi
[[ $pending == *AuthorizationPendingException* ]] || fail "create-token before approval: $pending"
ok "aws sso-oidc create-token: AuthorizationPendingException before approval"
"$python" -c 'import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1]).read()' \
  "$(field verificationUriComplete <<<"$device")"
tokens=$(create_token)
access_token=$(field accessToken <<<"$tokens")
refresh_token=$(field refreshToken <<<"$tokens")
ok "aws sso-oidc create-token after approval"

accounts=$("$aws" sso list-accounts --access-token="$access_token" --output json)
[[ $accounts == *123456789012* ]] || fail "aws sso list-accounts: $accounts"
ok "aws sso list-accounts"
role=$("$aws" sso get-role-credentials --access-token="$access_token" --account-id 123456789012 \
  --role-name runas-sso-admin --output json)
[[ $role == *accessKeyId* ]] || fail "aws sso get-role-credentials: $role"
ok "aws sso get-role-credentials"

# The cache entries `aws sso login` (v2) writes: sha1(session name) for an sso-session,
# sha1(start URL) for a legacy profile. The sso-session token expires in 2 minutes, inside
# botocore's refresh window, so the CLI must refresh it through sso-oidc CreateToken.
"$python" - "$access_token" "$refresh_token" "$client_id" "$client_secret" "$start_url" <<'EOF'
import datetime, hashlib, json, os, sys
access_token, refresh_token, client_id, client_secret, start_url = sys.argv[1:6]
cache = os.path.join(os.environ["HOME"], ".aws", "sso", "cache")
os.makedirs(cache, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc)
stamp = lambda delta: (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")
session = {"startUrl": start_url, "region": "us-east-1", "accessToken": access_token,
           "expiresAt": stamp(datetime.timedelta(minutes=2)), "clientId": client_id,
           "clientSecret": client_secret, "registrationExpiresAt": stamp(datetime.timedelta(days=89)),
           "refreshToken": refresh_token}
legacy = {"startUrl": start_url, "region": "us-east-1", "accessToken": access_token,
          "expiresAt": stamp(datetime.timedelta(hours=1))}
for key, entry in [("corp", session), (start_url, legacy)]:
    with open(os.path.join(cache, hashlib.sha1(key.encode()).hexdigest() + ".json"), "w") as f:
        json.dump(entry, f)
EOF

who=$("$aws" sts get-caller-identity --profile legacy --output json)
[[ $who == *assumed-role/runas-sso-admin/alice* ]] || fail "legacy sso profile: $who"
ok "aws sts get-caller-identity --profile legacy (token from the cache)"
who=$("$aws" sts get-caller-identity --profile sess --output json)
[[ $who == *assumed-role/runas-sso-admin/alice* ]] || fail "sso-session profile: $who"
ok "aws sts get-caller-identity --profile sess (sso-session, token refreshed)"
cache_file=$HOME/.aws/sso/cache/$("$python" -c 'import hashlib; print(hashlib.sha1(b"corp").hexdigest())').json
new_refresh=$(field refreshToken <"$cache_file")
[[ $new_refresh != "$refresh_token" ]] || fail "the CLI did not write the refreshed token back"
ok "the refreshed token is written back to the cache"
