#!/usr/bin/env python3
"""Writes an AWS config of N web-identity profiles over 7 IdPs, the config that
scripts/bench.sh times `runas list` on and scripts/plot-list.sh plots.

usage: scripts/gen-profiles.py N PATH
"""
import sys

n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for i in range(n):
        f.write(f"[profile p{i}]\nweb_identity_auth_url = https://example{i % 7}.okta.com/oauth2/default\n"
                f"web_identity_client_id = client{i}\nweb_identity_callback_uri = http://127.0.0.1:8090/callback\n"
                f"role_arn = arn:aws:iam::123456789012:role/r{i}\nregion = eu-west-1\n\n")
