#!/usr/bin/env python3
"""Timing HTTP proxy for scripts/bench.sh, on 127.0.0.1 only.

It answers both proxy-style requests (`GET http://127.0.0.1:PORT/path`, what reqwest and curl
send when HTTP_PROXY/http_proxy point here) and plain ones (`POST /`, what the AWS SDK sends
when AWS_ENDPOINT_URL_STS points here; those go to --default-port). Each request is forwarded
over a fresh connection and logged as one JSON line: target port, method, path (query cut:
it can hold a code or state), User-Agent product, start and end in ns since the epoch (the
time the proxy held the request, so the peer's work plus loopback hops). bench.sh turns the
log into the IdP / STS / runas split of a cold login.

    bench-proxy.py --port P --default-port AWS_PORT --log FILE
"""
import argparse
import http.client
import http.server
import json
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--default-port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    log = open(args.log, "a", buffering=1)
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY on the client side: the answer goes out in two writes (headers, then
        # body), and with Nagle the body waits for the client's ACK of the headers, which a
        # client past its quick-ACK start delays by 40 ms. The proxy then logged an `end` 40 ms
        # before the client had the body, and bench.sh charged that wait to runas (the second
        # request on a kept-alive connection, JWKS, took it on every cold login).
        disable_nagle_algorithm = True

        def log_message(self, *_):
            pass

        def forward(self):
            started = time.time_ns()
            target = urllib.parse.urlsplit(self.path)
            if target.scheme and target.port != args.port:
                host, port = target.hostname, target.port or 80
                path = urllib.parse.urlunsplit(("", "", target.path, target.query, ""))
            else:
                host, port, path = "127.0.0.1", args.default_port, self.path
            if host not in ("127.0.0.1", "localhost"):
                self.send_error(403, "loopback only")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                upstream.request(self.command, path or "/", body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                self.send_response_only(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            finally:
                upstream.close()
            agent = (self.headers.get("User-Agent") or "-").split("/")[0].split(" ")[0]
            entry = {"port": port, "method": self.command, "path": path.split("?")[0] or "/",
                     "agent": agent, "start": started, "end": time.time_ns()}
            with log_lock:
                log.write(json.dumps(entry) + "\n")

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
