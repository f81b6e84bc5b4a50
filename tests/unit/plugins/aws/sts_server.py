#!/usr/bin/env python3
"""A loopback AWS STS endpoint for AssumeRole (Query API 2011-06-15), as the STS API reference
documents it, that checks each request's SigV4 signature with botocore.

The signature is recomputed by botocore's SigV4Auth from the request as received (its signed
headers, path, query and body) with the secret of the access key it names, at the X-Amz-Date it
carries; a different Authorization, a date more than 15 minutes off, another region or service,
or an unknown key is refused as STS refuses it. --external-id makes the role's trust policy
require that ExternalId. Prints "listening <port>" once it serves; stops when stdin closes.
"""
import argparse
import datetime
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import sigv4_verify

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
SESSION_RE = re.compile(r"^[\w+=,.@-]{2,64}$")


def error_xml(code, message, request_id):
    return ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
            '<RequestId>%s</RequestId></ErrorResponse>' % (NS, code, message, request_id)).encode()


def make_handler(args):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, body, request_id):
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("x-amzn-RequestId", request_id)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def signature_problem(self, body):
            return sigv4_verify.problem(self.command, self.path, self.headers, body, args.access_key, args.secret_key,
                                        args.region, "sts", "InvalidClientTokenId")

        def do_POST(self):
            request_id = str(uuid.uuid4())
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            problem = self.signature_problem(body)
            if problem:
                return self.reply(403, error_xml(problem[0], problem[1], request_id), request_id)
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if params.get("Action") != "AssumeRole" or params.get("Version") != "2011-06-15":
                return self.reply(400, error_xml("InvalidAction", "Could not find operation", request_id), request_id)
            role = params.get("RoleArn", "")
            session = params.get("RoleSessionName", "")
            if not ARN_RE.match(role) or not SESSION_RE.match(session):
                return self.reply(400, error_xml("ValidationError", "RoleArn or RoleSessionName invalid", request_id),
                                  request_id)
            if args.external_id and params.get("ExternalId") != args.external_id:
                return self.reply(403, error_xml("AccessDenied", "Not authorized to perform sts:AssumeRole", request_id),
                                  request_id)
            duration = int(params.get("DurationSeconds", "3600"))
            expires = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=duration)
            xml = ('<AssumeRoleResponse xmlns="%s"><AssumeRoleResult>'
                   '<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROALOOPBACK:%s</AssumedRoleId></AssumedRoleUser>'
                   '<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>'
                   '<SessionToken>assumed-token</SessionToken><Expiration>%s</Expiration></Credentials>'
                   '</AssumeRoleResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>'
                   '</AssumeRoleResponse>') % (NS, role, session, session, expires.strftime("%Y-%m-%dT%H:%M:%SZ"), request_id)
            self.reply(200, xml.encode(), request_id)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--external-id", default="")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening %d" % server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
