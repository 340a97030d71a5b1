#!/bin/sh
# A $BROWSER for tests: follows the authorization URL through an IdP in auto-login mode with a
# cookie jar, all the way to the loopback callback, which it then requests like a browser would.
# Runs in the background so the caller is not held up; loopback only (the URL comes from runas,
# whose issuer in the tests is a 127.0.0.1 peer), plain http, bounded redirects and time.
url=$1
jar=$(mktemp)
(
  curl --silent --show-error --location --max-redirs 20 --max-time 60 --proto =http \
    --proto-redir =http --noproxy '*' --cookie "$jar" --cookie-jar "$jar" \
    --output /dev/null "$url"
  rm -f "$jar"
) >/dev/null 2>&1 &
