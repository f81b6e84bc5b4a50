"""A loopback proxy in front of the vCenter simulator that answers chosen vim25 methods with
faults vcsim cannot produce (InsufficientResourcesFault, NotEnoughLicenses, NoPermission, ...),
and passes everything else through. Plain HTTP towards the plugin, HTTPS (unverified: it is the
test's own simulator) towards vcsim.

  fault_proxy.py --upstream https://127.0.0.1:P/sdk [--fault METHOD=Type]... [--task-fault METHOD=Type]...

--fault answers METHOD with a SOAP fault of Type; --task-fault answers METHOD with a task that
then fails with Type (as a clone failing in vCenter does). Prints "listening PORT" once it
serves; exits when its stdin closes.
"""
import argparse
import http.server
import ssl
import sys
import threading
import urllib.request

FAULT = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
         '<faultstring>injected {type}</faultstring><detail><{type}Fault xmlns="urn:vim25" xsi:type="{type}"/></detail>'
         '</soapenv:Fault></soapenv:Body></soapenv:Envelope>')
TASK = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soapenv:Body><{method}Response xmlns="urn:vim25"><returnval type="Task">task-injected-{type}</returnval>'
        '</{method}Response></soapenv:Body></soapenv:Envelope>')
TASK_INFO = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25">'
             '<returnval><objects><obj type="Task">task-injected-{type}</obj>'
             '<propSet><name>info.state</name><val xsi:type="TaskInfoState">error</val></propSet>'
             '<propSet><name>info.error</name><val xsi:type="LocalizedMethodFault"><fault xsi:type="{type}"/>'
             '<localizedMessage>injected task {type}</localizedMessage></val></propSet>'
             '</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>')


def method_of(body):
    start = body.find(b'<soapenv:Body>') + len(b'<soapenv:Body>')
    end = min(i for i in (body.find(b' ', start), body.find(b'>', start)) if i >= 0)
    return body[start + 1:end].decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--upstream', required=True)
    parser.add_argument('--fault', action='append', default=[])
    parser.add_argument('--task-fault', action='append', default=[])
    args = parser.parse_args()
    faults = dict(f.split('=', 1) for f in args.fault)
    task_faults = dict(f.split('=', 1) for f in args.task_fault)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, body, headers=()):
            self.send_response(status)
            self.send_header('Content-Type', 'text/xml; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
            method = method_of(body)
            if method in faults:
                return self.answer(500, FAULT.format(type=faults[method]).encode())
            if method in task_faults:
                return self.answer(200, TASK.format(method=method, type=task_faults[method]).encode())
            if method == 'RetrievePropertiesEx' and b'task-injected-' in body:
                kind = body.split(b'task-injected-')[1].split(b'<')[0].decode()
                return self.answer(200, TASK_INFO.format(type=kind).encode())
            request = urllib.request.Request(args.upstream, data=body, method='POST')
            for name in ('Content-Type', 'SOAPAction', 'Cookie'):
                if self.headers.get(name):
                    request.add_header(name, self.headers[name])
            try:
                with urllib.request.urlopen(request, context=context) as r:
                    status, data, headers = r.status, r.read(), r.headers
            except urllib.error.HTTPError as e:
                status, data, headers = e.code, e.read(), e.headers
            passed = [('Set-Cookie', v) for v in headers.get_all('Set-Cookie') or []]
            self.answer(status, data, passed)

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print('listening %d' % server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == '__main__':
    main()
