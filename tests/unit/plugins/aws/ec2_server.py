#!/usr/bin/env python3
"""A loopback Amazon EC2 endpoint (Query API 2016-11-15) for the AWS plugin's tests, written from
the public EC2 API reference, that judges every request the way EC2 would and more strictly:

- the SigV4 signature is recomputed with botocore (sigv4_verify.py);
- the action and every parameter are checked against the EC2 service model Debian's
  python3-botocore ships (botocore/data/ec2/2016-11-15/service-2.json): each name must be one the
  model serializes, each value of its type and enum, required members present, and re-serializing
  the parsed parameters with botocore's own EC2 serializer must give back exactly the parameters
  received. A misspelled or mistyped parameter is refused AND recorded, so a test fails even if
  the plugin swallowed the refusal (GET /_test/stats: "model_failures", "signature_failures").

It keeps instances in memory: RunInstances (ClientToken idempotency, tag specifications, user data
limit), DescribeInstances (ids, tag:/instance-state-name filters, MaxResults/NextToken pages),
TerminateInstances, DescribeImages. An instance shows "pending" to the first DescribeInstances
that sees it and "running" after; "shutting-down" then "terminated" the same way.

Faults (POST /_test/faults, a JSON list; each applies to the next matching requests):
  {"action": "RunInstances" or "*", "times": 1, "kind": "error", "status": 503,
   "code": "RequestLimitExceeded", "message": "...", "retry_after": "0",
   "match": {"SubnetId": "subnet-..."}}
  "match" (optional) narrows a fault to requests carrying those parameters with those values:
  one availability zone out of capacity while another launches;
  kind "drop": close the connection without answering (nothing done);
  kind "drop_after": do the work, then close the connection without answering;
  kind "hold": answer only once the next request arrives (a slow answer; the work is not done).
Prints "listening <port>" once it serves; stops when stdin closes.
"""
import argparse
import base64
import datetime
import json
import os
import socket
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import botocore.session
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

import sigv4_verify

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
USER_DATA_LIMIT = 16384
IMAGES = {  # image id -> (root device name, platform)
    "ami-0123456789abcdef0": ("/dev/xvda", ""),
    "ami-0fedcba9876543210": ("/dev/sda1", "windows"),
}
SUBNETS = {"subnet-0123456789abcdef0": "eu-west-1a", "subnet-0aaaaaaaaaaaaaaaa": "eu-west-1b"}
SECURITY_GROUPS = {"sg-0123456789abcdef0", "sg-0bbbbbbbbbbbbbbbb"}


class ModelError(Exception):
    pass


class ModelCheck:
    """Parses flat EC2 Query parameters into botocore's structured form, following the model."""

    def __init__(self):
        self.model = botocore.session.get_session().get_service_model("ec2", api_version="2016-11-15")
        self.serializer = create_serializer("ec2", include_validation=False)

    @staticmethod
    def serialized_name(shape, default):
        # As botocore's EC2Serializer names members on input.
        if "queryName" in shape.serialization:
            return shape.serialization["queryName"]
        if "name" in shape.serialization:
            name = shape.serialization["name"]
            return name[0].upper() + name[1:]
        return default

    def parse(self, action, params):
        try:
            op = self.model.operation_model(action)
        except Exception:
            raise ModelError("InvalidAction: the action %s is not valid for this web service" % action)
        consumed = set()
        parsed = self.structure(op.input_shape, params, "", consumed) or {}
        unknown = sorted(set(params) - consumed)
        if unknown:
            raise ModelError("UnknownParameter: %s not in the model of %s" % (", ".join(unknown), action))
        report = ParamValidator().validate(parsed, op.input_shape)
        if report.has_errors():
            raise ModelError("InvalidParameter: %s" % report.generate_report())
        again = self.serializer.serialize_to_request(parsed, op)["body"]
        again = {k: str(v) for k, v in again.items() if k not in ("Action", "Version")}
        if again != params:
            raise ModelError("InvalidParameter: botocore serializes the parsed request differently: sent %s, "
                             "botocore %s" % (sorted(params.items()), sorted(again.items())))
        return parsed

    def structure(self, shape, params, prefix, consumed):
        out = {}
        for name, member in shape.members.items():
            key = prefix + self.serialized_name(member, name)
            value = self.value(member, params, key, consumed)
            if value is not None:
                out[name] = value
        return out or None

    def value(self, shape, params, key, consumed):
        t = shape.type_name
        if t == "structure":
            if not any(k.startswith(key + ".") for k in params):
                return None
            return self.structure(shape, params, key + ".", consumed) or {}
        if t == "list":
            items = []
            i = 1
            while any(k == "%s.%d" % (key, i) or k.startswith("%s.%d." % (key, i)) for k in params):
                items.append(self.value(shape.member, params, "%s.%d" % (key, i), consumed))
                i += 1
            if any(k.startswith(key + ".") for k in params) and not items:
                raise ModelError("InvalidParameter: %s is a list; its items are %s.1, %s.2, ..." % (key, key, key))
            return items or None
        if t == "map":
            raise ModelError("InvalidParameter: maps are not used by the plugin's actions (%s)" % key)
        if key not in params:
            return None
        consumed.add(key)
        text = params[key]
        if t in ("integer", "long"):
            try:
                return int(text)
            except ValueError:
                raise ModelError("InvalidParameterValue: %s must be an integer, got %r" % (key, text))
        if t == "boolean":
            if text not in ("true", "false"):
                raise ModelError("InvalidParameterValue: %s must be true or false, got %r" % (key, text))
            return text == "true"
        if t == "string":
            enum = shape.enum
            if enum and text not in enum:
                raise ModelError("InvalidParameterValue: %r is not a valid %s (%s)" % (text, shape.name, key))
            return text
        raise ModelError("InvalidParameter: %s has type %s, which the plugin does not send" % (key, t))


def error_xml(code, message, request_id):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            '</Error></Errors><RequestID>%s</RequestID></Response>' % (code, escape(message), request_id)).encode()


STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}


def state_xml(tag, name):
    return "<%s><code>%d</code><name>%s</name></%s>" % (tag, STATE_CODES[name], name, tag)


def instance_xml(inst):
    tags = "".join("<item><key>%s</key><value>%s</value></item>" % (escape(k), escape(v))
                   for k, v in inst["tags"].items())
    platform = "<platform>windows</platform>" if inst["platform"] else ""
    public = "<ipAddress>%s</ipAddress>" % inst["public_ip"] if inst["state"] == "running" else ""
    reason = ""
    if inst.get("state_reason"):
        reason = "<stateReason><code>%s</code><message>%s</message></stateReason>" % inst["state_reason"]
    return ("<item><instanceId>%s</instanceId><imageId>%s</imageId>%s<privateDnsName>ip-%s.internal</privateDnsName>"
            "<dnsName/><reason/><amiLaunchIndex>0</amiLaunchIndex><instanceType>%s</instanceType>"
            "<launchTime>%s</launchTime><placement><availabilityZone>%s</availabilityZone><groupName/>"
            "<tenancy>default</tenancy></placement>%s<privateIpAddress>%s</privateIpAddress>%s%s"
            "<tagSet>%s</tagSet><clientToken>%s</clientToken><architecture>x86_64</architecture></item>") % (
        inst["id"], inst["image"], state_xml("instanceState", inst["state"]), inst["private_ip"].replace(".", "-"),
        inst["type"], inst["launch_time"], inst["zone"], platform, inst["private_ip"], public, reason, tags,
        escape(inst["client_token"]))


class Ec2:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.instances = {}  # id -> dict, in creation order
        self.tokens = {}  # client token -> (parameters, instance id)
        self.faults = []
        self.stats = {"requests": {}, "model_failures": [], "signature_failures": [], "last": {},
                      "connections_dropped": 0, "held": 0}
        self.arrivals = 0  # requests seen, for held answers
        self.model = ModelCheck()

    def next_fault(self, action, params):
        with self.lock:
            for f in self.faults:
                matches = all(params.get(k) == v for k, v in f.get("match", {}).items())
                if f.get("times", 1) > 0 and f.get("action", "*") in ("*", action) and matches:
                    f["times"] = f.get("times", 1) - 1
                    return dict(f)
        return None

    def run_instances(self, p, parsed, rid):
        token = p.get("ClientToken", "")
        if len(token) > 64:
            return 400, error_xml("InvalidParameterValue", "ClientToken is longer than 64 characters", rid)
        if p.get("MinCount") != "1" or p.get("MaxCount") != "1":
            return 400, error_xml("InvalidParameterValue", "the plugin must launch exactly one instance", rid)
        image = parsed.get("ImageId", "")
        if image not in IMAGES:
            return 400, error_xml("InvalidAMIID.NotFound", "The image id '[%s]' does not exist" % image, rid)
        subnet = parsed.get("SubnetId")
        if subnet is not None and subnet not in SUBNETS:
            return 400, error_xml("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist" % subnet, rid)
        for sg in parsed.get("SecurityGroupIds", []):
            if sg not in SECURITY_GROUPS:
                return 400, error_xml("InvalidGroup.NotFound", "The security group '%s' does not exist" % sg, rid)
        if "UserData" in parsed:
            try:
                raw = base64.b64decode(parsed["UserData"], validate=True)
            except Exception:
                return 400, error_xml("InvalidParameterValue", "Invalid BASE64 encoding of user data", rid)
            if len(raw) > USER_DATA_LIMIT:
                return 400, error_xml("InvalidParameterValue", "User data is limited to 16384 bytes", rid)
        tags = {}
        for spec in parsed.get("TagSpecifications", []):
            if spec["ResourceType"] == "instance":
                tags = {t["Key"]: t.get("Value", "") for t in spec.get("Tags", [])}
        with self.lock:
            if token and token in self.tokens:
                before, iid = self.tokens[token]
                if before != p:
                    return 400, error_xml("IdempotentParameterMismatch",
                                          "The client token you have provided is associated with a resource that is "
                                          "already deleted or has different parameters", rid)
                return 200, self.reservation_xml(self.instances[iid], rid)
            iid = "i-%017x" % (uuid.uuid4().int & ((1 << 68) - 1))
            n = len(self.instances) + 10
            inst = {"id": iid, "image": image, "type": parsed.get("InstanceType", "m1.small"),
                    "state": "pending", "tags": tags, "client_token": token, "params": p,
                    "zone": SUBNETS.get(subnet, parsed.get("Placement", {}).get("AvailabilityZone",
                                                                               self.args.region + "a")),
                    "platform": IMAGES[image][1], "private_ip": "10.0.%d.%d" % (n // 250, n % 250 + 1),
                    "public_ip": "198.51.100.%d" % (n % 250 + 1),
                    "launch_time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "seen": 0}
            self.instances[iid] = inst
            if token:
                self.tokens[token] = (p, iid)
            return 200, self.reservation_xml(inst, rid)

    def reservation_xml(self, inst, rid):
        return ('<RunInstancesResponse xmlns="%s"><requestId>%s</requestId><reservationId>r-%s</reservationId>'
                '<ownerId>123456789012</ownerId><groupSet/><instancesSet>%s</instancesSet></RunInstancesResponse>' % (
                    NS, rid, inst["id"][2:], instance_xml(inst))).encode()

    def advance(self, inst):
        # What a DescribeInstances sees moves the instance along (pending -> running, ...).
        inst["seen"] += 1
        if inst["seen"] > self.args.pending_describes:
            if inst["state"] == "pending":
                inst["state"], inst["seen"] = "running", 0
            elif inst["state"] == "shutting-down":
                inst["state"], inst["seen"] = "terminated", 0

    def describe_instances(self, parsed, rid):
        ids = parsed.get("InstanceIds", [])
        filters = parsed.get("Filters", [])
        if ids and "MaxResults" in parsed:
            return 400, error_xml("InvalidParameterCombination",
                                  "The parameter instancesSet cannot be used with the parameter maxResults", rid)
        with self.lock:
            for iid in ids:
                if iid not in self.instances:
                    return 400, error_xml("InvalidInstanceID.NotFound",
                                          "The instance ID '%s' does not exist" % iid, rid)
            found = [self.instances[i] for i in ids] if ids else list(self.instances.values())
            for f in filters:
                name, values = f.get("Name", ""), f.get("Values", [])
                if name.startswith("tag:"):
                    found = [i for i in found if i["tags"].get(name[4:]) in values]
                elif name == "instance-state-name":
                    found = [i for i in found if i["state"] in values]
                else:
                    return 400, error_xml("InvalidParameterValue", "The filter '%s' is invalid" % name, rid)
            start = 0
            if "NextToken" in parsed:
                try:
                    start = int(base64.b64decode(parsed["NextToken"]).decode().split(":")[1])
                except Exception:
                    return 400, error_xml("InvalidParameterValue", "The token is invalid", rid)
            page = min(parsed.get("MaxResults", 1000), self.args.page_size)
            chunk = found[start:start + page]
            for inst in chunk:
                self.advance(inst)
            next_token = ""
            if start + page < len(found):
                next_token = "<nextToken>%s</nextToken>" % base64.b64encode(
                    ("page:%d" % (start + page)).encode()).decode()
            reservations = "".join(
                "<item><reservationId>r-%s</reservationId><ownerId>123456789012</ownerId><groupSet/>"
                "<instancesSet>%s</instancesSet></item>" % (i["id"][2:], instance_xml(i)) for i in chunk)
        return 200, ('<DescribeInstancesResponse xmlns="%s"><requestId>%s</requestId><reservationSet>%s'
                     '</reservationSet>%s</DescribeInstancesResponse>' % (NS, rid, reservations, next_token)).encode()

    def terminate_instances(self, parsed, rid):
        items = ""
        with self.lock:
            for iid in parsed.get("InstanceIds", []):
                if iid not in self.instances:
                    return 400, error_xml("InvalidInstanceID.NotFound",
                                          "The instance ID '%s' does not exist" % iid, rid)
            for iid in parsed.get("InstanceIds", []):
                inst = self.instances[iid]
                before = inst["state"]
                if before != "terminated":
                    inst["state"], inst["seen"] = "shutting-down", 0
                items += "<item><instanceId>%s</instanceId>%s%s</item>" % (
                    iid, state_xml("currentState", inst["state"]), state_xml("previousState", before))
        return 200, ('<TerminateInstancesResponse xmlns="%s"><requestId>%s</requestId><instancesSet>%s'
                     '</instancesSet></TerminateInstancesResponse>' % (NS, rid, items)).encode()

    def describe_images(self, parsed, rid):
        items = ""
        for image in parsed.get("ImageIds", []):
            if image not in IMAGES:
                return 400, error_xml("InvalidAMIID.NotFound", "The image id '[%s]' does not exist" % image, rid)
            root, platform = IMAGES[image]
            items += ("<item><imageId>%s</imageId><imageState>available</imageState>%s<rootDeviceType>ebs"
                      "</rootDeviceType><rootDeviceName>%s</rootDeviceName><blockDeviceMapping><item><deviceName>%s"
                      "</deviceName><ebs><volumeSize>8</volumeSize></ebs></item></blockDeviceMapping></item>") % (
                image, "<platform>windows</platform>" if platform else "", root, root)
        return 200, ('<DescribeImagesResponse xmlns="%s"><requestId>%s</requestId><imagesSet>%s</imagesSet>'
                     '</DescribeImagesResponse>' % (NS, rid, items)).encode()


def make_handler(ec2):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, body, content_type="text/xml;charset=UTF-8", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def drop(self):
            with ec2.lock:
                ec2.stats["connections_dropped"] += 1
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def do_GET(self):
            if self.path == "/_test/stats":
                with ec2.lock:
                    stats = dict(ec2.stats)
                    stats["instances"] = {i: {"state": v["state"], "tags": v["tags"], "params": v["params"]}
                                          for i, v in ec2.instances.items()}
                return self.reply(200, json.dumps(stats).encode(), "application/json")
            self.reply(404, b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path == "/_test/faults":
                with ec2.lock:
                    ec2.faults.extend(json.loads(body))
                return self.reply(200, b"{}", "application/json")
            if self.path.startswith("/_test/state/"):
                iid = self.path[len("/_test/state/"):]
                with ec2.lock:
                    change = json.loads(body)
                    ec2.instances[iid]["state"] = change["state"]
                    if "reason" in change:
                        ec2.instances[iid]["state_reason"] = tuple(change["reason"])
                return self.reply(200, b"{}", "application/json")
            rid = str(uuid.uuid4())
            with ec2.cond:
                ec2.arrivals += 1
                ec2.cond.notify_all()
            problem = sigv4_verify.problem(self.command, self.path, self.headers, body, ec2.args.access_key,
                                           ec2.args.secret_key, ec2.args.region, "ec2", "AuthFailure")
            if problem:
                with ec2.lock:
                    ec2.stats["signature_failures"].append("%s: %s" % problem)
                return self.reply(401 if problem[0] == "AuthFailure" else 403,
                                  error_xml(problem[0], problem[1], rid))
            if self.headers.get("Content-Type", "") != "application/x-www-form-urlencoded; charset=utf-8":
                with ec2.lock:
                    ec2.stats["model_failures"].append("Content-Type %r" % self.headers.get("Content-Type"))
                return self.reply(400, error_xml("InvalidParameter", "bad Content-Type", rid))
            pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
            params = dict(pairs)
            action = params.pop("Action", "")
            version = params.pop("Version", "")
            with ec2.lock:
                ec2.stats["requests"][action] = ec2.stats["requests"].get(action, 0) + 1
                ec2.stats["last"][action] = params
            try:
                if len(pairs) != len(params) + 2:
                    raise ModelError("InvalidParameter: a parameter is repeated")
                if version != "2016-11-15":
                    raise ModelError("NoSuchVersion: %r is not a valid API version" % version)
                parsed = ec2.model.parse(action, params)
            except ModelError as e:
                with ec2.lock:
                    ec2.stats["model_failures"].append("%s: %s" % (action, e))
                code, _, message = str(e).partition(": ")
                return self.reply(400, error_xml(code, message, rid))

            fault = ec2.next_fault(action, params)
            if fault and fault.get("kind") == "drop":
                return self.drop()
            if fault and fault.get("kind") == "hold":
                with ec2.cond:
                    ec2.stats["held"] += 1
                    seen = ec2.arrivals
                    ec2.cond.wait_for(lambda: ec2.arrivals > seen, timeout=120)
                return self.drop()
            if fault and fault.get("kind", "error") == "error":
                headers = [("Retry-After", fault["retry_after"])] if "retry_after" in fault else []
                return self.reply(fault.get("status", 400),
                                  error_xml(fault["code"], fault.get("message", fault["code"]), rid), headers=headers)
            handler = {"RunInstances": lambda: ec2.run_instances(params, parsed, rid),
                       "DescribeInstances": lambda: ec2.describe_instances(parsed, rid),
                       "TerminateInstances": lambda: ec2.terminate_instances(parsed, rid),
                       "DescribeImages": lambda: ec2.describe_images(parsed, rid)}.get(action)
            if handler is None:
                with ec2.lock:
                    ec2.stats["model_failures"].append("%s: not an action the plugin needs" % action)
                return self.reply(400, error_xml("InvalidAction", "not served here", rid))
            status, xml = handler()
            if fault and fault.get("kind") == "drop_after":
                return self.drop()
            self.reply(status, xml)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--pending-describes", type=int, default=1)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Ec2(args)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("listening %d" % server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()
    os._exit(0)  # held answers may still wait


if __name__ == "__main__":
    main()
