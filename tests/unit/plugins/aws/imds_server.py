#!/usr/bin/env python3
"""A loopback EC2 Instance Metadata Service, IMDSv2 only, as the EC2 user guide documents it.

PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds (1..21600) and is refused when
X-Forwarded-For is present; every GET needs a live X-aws-ec2-metadata-token (else 401). The role
credentials are fresh on every read (AccessKeyId ASIALOOPBACK<n>) and expire --expires-in seconds
from now. Test hooks: POST /_test/revoke-tokens, GET /_test/stats.
Prints "listening <port>" once it serves; stops when stdin closes.
"""
import argparse
import datetime
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "corral-role"
PREFIX = "/latest/meta-data/iam/security-credentials/"


class State:
    def __init__(self, expires_in):
        self.lock = threading.Lock()
        self.tokens = {}  # token -> expiry (monotonic)
        self.expires_in = expires_in
        self.stats = {"token_puts": 0, "credential_reads": 0, "unauthorized": 0}
        self.counter = 0


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body=b"", content_type="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            if self.path != "/latest/api/token":
                return self.reply(404)
            if self.headers.get("X-Forwarded-For") is not None:
                return self.reply(403)
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400)
            token = secrets.token_urlsafe(32)
            with state.lock:
                state.tokens[token] = time.monotonic() + int(ttl)
                state.stats["token_puts"] += 1
            self.reply(200, token.encode())

        def do_POST(self):
            if self.path == "/_test/revoke-tokens":
                with state.lock:
                    state.tokens.clear()
                return self.reply(200)
            self.reply(405)

        def do_GET(self):
            if self.path == "/_test/stats":
                with state.lock:
                    return self.reply(200, json.dumps(state.stats).encode(), "application/json")
            token = self.headers.get("X-aws-ec2-metadata-token")
            with state.lock:
                live = token is not None and state.tokens.get(token, 0) > time.monotonic()
                if not live:
                    state.stats["unauthorized"] += 1
            if not live:
                return self.reply(401)
            if self.path == PREFIX:
                return self.reply(200, ROLE.encode())
            if self.path == PREFIX + ROLE:
                with state.lock:
                    state.counter += 1
                    state.stats["credential_reads"] += 1
                    n = state.counter
                now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                doc = {
                    "Code": "Success",
                    "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": "ASIALOOPBACK%d" % n,
                    "SecretAccessKey": "secret-%d" % n,
                    "Token": "token-%d" % n,
                    "Expiration": (now + datetime.timedelta(seconds=state.expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                return self.reply(200, json.dumps(doc).encode(), "text/plain")
            self.reply(404)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--expires-in", type=int, default=3600)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args.expires_in)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening %d" % server.server_address[1], flush=True)
    sys.stdin.read()  # the test closes our stdin (or dies) to stop us
    server.shutdown()


if __name__ == "__main__":
    main()
