#!/usr/bin/env python3
"""Signs requests with botocore's SigV4Auth, an implementation independent of ours.

Usage: botocore_sign.py REQUESTS.json
REQUESTS.json is a list of {"method", "url", "headers": [[name, value]...], "body",
"access_key_id", "secret_access_key", "session_token", "region", "service", "time"} where
"time" is "YYYYmmddTHHMMSSZ" (botocore reads the clock itself; it is frozen to that instant).
Prints a JSON list with the Authorization header botocore computed for each request.
"""
import datetime
import json
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    frozen = datetime.datetime.strptime(case["time"], "%Y%m%dT%H%M%SZ")
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"))
    for name, value in case["headers"]:
        request.headers[name] = value  # appends: repeated names stay repeated
    credentials = Credentials(case["access_key_id"], case["secret_access_key"], case["session_token"] or None)
    with mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = frozen
        clock.datetime.now.return_value = frozen.replace(tzinfo=datetime.timezone.utc)
        SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
    return request.headers["Authorization"]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([sign(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
