"""SigV4 verification for the loopback AWS servers of this directory: recomputes the signature of a
request as received with botocore's SigV4Auth (an implementation no one here wrote), at the
X-Amz-Date the request carries, and answers what the real service would say when it differs.

problem(...) returns None for a good signature, else (error code, message) as AWS words them.
"""
import datetime
import re
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), "
    r"Signature=[0-9a-f]{64}$")


def problem(method, path, headers, body, access_key, secret_key, region, service, unknown_key_code):
    """HEADERS: an http.server message (get, get_all). UNKNOWN_KEY_CODE: what the service calls a
    key it does not know (STS: InvalidClientTokenId, EC2: AuthFailure)."""
    auth = headers.get("Authorization", "")
    m = AUTH_RE.match(auth)
    if not m:
        return "IncompleteSignature", "Authorization header missing or malformed"
    key_id, date, scope_region, scope_service, signed = m.groups()
    if key_id != access_key:
        return unknown_key_code, "The security token included in the request is invalid."
    if scope_region != region or scope_service != service:
        return "SignatureDoesNotMatch", "Credential should be scoped to a valid region and service %s." % service
    amz_date = headers.get("X-Amz-Date", "")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return "IncompleteSignature", "X-Amz-Date missing or malformed"
    if date != amz_date[:8] or abs((datetime.datetime.utcnow() - when).total_seconds()) > 900:
        return "SignatureDoesNotMatch", "Signature expired or not current."
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return "SignatureDoesNotMatch", "host and x-amz-date must be signed."
    request = AWSRequest(method=method, url="http://%s%s" % (headers["Host"], path), data=body)
    for name in names:
        if name in ("host", "x-amz-date", "x-amz-security-token"):
            continue  # botocore derives these itself
        for value in headers.get_all(name) or []:
            request.headers[name] = value
    token = headers.get("X-Amz-Security-Token")
    creds = Credentials(access_key, secret_key, token)
    with mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = when
        clock.datetime.now.return_value = when.replace(tzinfo=datetime.timezone.utc)
        SigV4Auth(creds, service, region).add_auth(request)
    if request.headers["Authorization"] != auth:
        return "SignatureDoesNotMatch", \
            "The request signature we calculated does not match the signature you provided."
    return None
