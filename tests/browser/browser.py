#!/usr/bin/env python3
"""A stand-in for the person's browser in the CLI tests: runas starts it as `$BROWSER URL`.

It follows the test IdP's redirects with a cookie jar, fills the IdP's development login and
consent forms (or passes through when the IdP logs in by itself), and delivers the redirect to
runas's loopback callback listener. Python standard library only; it refuses any host but
127.0.0.1/localhost, so it can never send traffic off the machine.

Modes (env BROWSER_MODE):
  login   (default) complete the login and deliver the callback.
  forge   before the real callback, send forged ones (wrong state, wrong path, no code, a
          foreign Host header) and record their statuses; after it, replay the real one.
  device  URL is a device-flow verification_uri_complete: confirm the code, log in, consent.
Every mode appends one JSON object to the file named by BROWSER_REPORT (when set).
Env BROWSER_USER picks the user (default alice).
Env BROWSER_GATE=PATH: a person who has not got to the browser yet. The script creates
PATH.waiting at once, then does nothing until PATH exists (at most 120 s), so a test can watch
what runas does while a login is pending and then let it finish.
"""
import http.client
import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

USER = os.environ.get("BROWSER_USER", "alice")
LOOPBACK = ("127.0.0.1", "localhost")
MAX_STEPS = 20


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hands every redirect back to the caller, which decides whether to follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


JAR = http.cookiejar.CookieJar()
OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(JAR), KeepRedirects
)


def require_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"browser.py: refusing a non-loopback URL: {url}")


def fetch(url, form=None):
    """(status, Location or None, body) of one request; redirects are not followed."""
    require_loopback(url)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with OPENER.open(url, data=data, timeout=10) as answer:
            return answer.status, answer.headers.get("Location"), answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location"), answer.read().decode(errors="replace")


def browse(url, stop_prefix):
    """Follows redirects and fills the IdP's forms. Returns the first URL that starts with
    stop_prefix (never fetched), or the body of the first page without a form."""
    for _ in range(MAX_STEPS):
        if stop_prefix and url.startswith(stop_prefix):
            return url
        status, location, body = fetch(url)
        if location and 300 <= status < 400:
            url = urllib.parse.urljoin(url, location)
            continue
        if status != 200:
            raise SystemExit(f"browser.py: GET {url} -> {status}: {body[:300]}")
        prompt = re.search(r'name="prompt" value="(\w+)"', body)
        if not prompt:
            return body
        action = urllib.parse.urljoin(url, re.search(r'<form[^>]*action="([^"]+)"', body).group(1))
        form = {"prompt": prompt.group(1)}
        if form["prompt"] == "login":
            form.update(login=USER, password="x")
        status, location, body = fetch(action, form)
        if not (location and 300 <= status < 400):
            raise SystemExit(f"browser.py: POST {action} -> {status}: {body[:300]}")
        url = urllib.parse.urljoin(action, location)
    raise SystemExit("browser.py: too many steps")


def raw_get(url, host_header=None):
    """GET with an optional forged Host header; the status, or 'refused'."""
    parts = urllib.parse.urlsplit(url)
    require_loopback(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + ("?" + parts.query if parts.query else "")
    try:
        connection.putrequest("GET", target, skip_host=host_header is not None)
        if host_header is not None:
            connection.putheader("Host", host_header)
        connection.endheaders()
        return connection.getresponse().status
    except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
        return "refused"
    finally:
        connection.close()


def with_query(url, path=None, **changes):
    """url with query parameters replaced (None removes one) and optionally another path."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path or parts.path, urllib.parse.urlencode(query), "")
    )


def login(authorize_url, forge):
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
    redirect_uri = query["redirect_uri"]
    callback = browse(authorize_url, redirect_uri + "?")
    report = {}
    if forge:
        path = urllib.parse.urlsplit(callback).path
        report["wrong_state"] = raw_get(with_query(callback, state="forged-state"))
        report["wrong_path"] = raw_get(with_query(callback, path=path + "-elsewhere"))
        report["missing_code"] = raw_get(with_query(callback, code=None))
        report["foreign_host"] = raw_get(callback, host_header="evil.example:80")
    report["callback"] = raw_get(callback)
    if forge:
        report["replay"] = raw_get(callback)
    return report


def device(verification_uri_complete):
    status, _, page = fetch(verification_uri_complete)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page).group(1)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(verification_uri_complete).query))
    user_code = query["user_code"]
    action = urllib.parse.urljoin(verification_uri_complete, "/device")
    status, _, page = fetch(action, {"xsrf": xsrf, "user_code": user_code})
    if 'name="confirm"' not in page:
        raise SystemExit(f"browser.py: no confirm page ({status}): {page[:300]}")
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page).group(1)
    status, location, page = fetch(action, {"xsrf": xsrf, "user_code": user_code, "confirm": "yes"})
    if not location:
        raise SystemExit(f"browser.py: confirm did not redirect ({status}): {page[:300]}")
    final = browse(urllib.parse.urljoin(action, location), None)
    return {"device_success": "Sign-in Success" in final}


def wait_at_gate(gate):
    if not gate:
        return
    open(gate + ".waiting", "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(gate):
        if time.monotonic() > deadline:
            raise SystemExit(f"browser.py: the gate {gate} was never opened")
        time.sleep(0.05)  # polling a condition (the gate file), not a fixed wait


def main():
    mode = os.environ.get("BROWSER_MODE", "login")
    url = sys.argv[1]
    wait_at_gate(os.environ.get("BROWSER_GATE"))
    report = device(url) if mode == "device" else login(url, forge=(mode == "forge"))
    report["mode"] = mode
    if os.environ.get("BROWSER_REPORT"):
        with open(os.environ["BROWSER_REPORT"], "a") as out:
            out.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
