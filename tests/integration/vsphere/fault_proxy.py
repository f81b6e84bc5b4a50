"""A loopback proxy in front of the vCenter simulator that answers chosen vim25 methods with
faults vcsim cannot produce (InsufficientResourcesFault, NotEnoughLicenses, NoPermission, ...),
and passes everything else through. Plain HTTP towards the plugin, HTTPS (unverified: it is the
test's own simulator) towards vcsim.

  fault_proxy.py --upstream https://127.0.0.1:P/sdk [--fault METHOD=Type]... [--task-fault METHOD=Type]...

--fault answers METHOD with a SOAP fault of Type; --task-fault answers METHOD with a task that
then fails with Type (as a clone failing in vCenter does), as the property collector reports it:
the filter made on that task is the proxy's, and WaitForUpdatesEx on the collector that holds it
answers with the task's error. Prints "listening PORT" once it serves; exits when its stdin
closes.
"""
import argparse
import http.server
import re
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
FILTER = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
          '<soapenv:Body><CreateFilterResponse xmlns="urn:vim25"><returnval type="PropertyFilter">filter-injected-{type}'
          '</returnval></CreateFilterResponse></soapenv:Body></soapenv:Envelope>')
EMPTY = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
         '<soapenv:Body><{method}Response xmlns="urn:vim25"/></soapenv:Body></soapenv:Envelope>')
TASK_UPDATE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><WaitForUpdatesExResponse xmlns="urn:vim25">'
               '<returnval><version>1</version><filterSet><filter type="PropertyFilter">filter-injected-{type}</filter>'
               '<objectSet><kind>enter</kind><obj type="Task">task-injected-{type}</obj>'
               '<changeSet><name>info.state</name><op>assign</op><val xsi:type="TaskInfoState">error</val></changeSet>'
               '<changeSet><name>info.error</name><op>assign</op><val xsi:type="LocalizedMethodFault"><fault xsi:type="{type}"/>'
               '<localizedMessage>injected task {type}</localizedMessage></val></changeSet>'
               '</objectSet></filterSet></returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>')


def this_of(body):
    found = re.search(rb'<_this type="[^"]*">([^<]*)</_this>', body)
    return found.group(1).decode() if found else ''


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
    injected = {}  # property collector -> the fault type of the injected task its filter watches
    lock = threading.Lock()
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
            if method == 'CreateFilter' and b'task-injected-' in body:
                kind = body.split(b'task-injected-')[1].split(b'<')[0].decode()
                with lock:
                    injected[this_of(body)] = kind
                return self.answer(200, FILTER.format(type=kind).encode())
            if method == 'WaitForUpdatesEx':
                with lock:
                    kind = injected.get(this_of(body))
                if kind is not None:
                    return self.answer(200, TASK_UPDATE.format(type=kind).encode())
            if method == 'DestroyPropertyFilter' and this_of(body).startswith('filter-injected-'):
                return self.answer(200, EMPTY.format(method=method).encode())
            if method == 'DestroyPropertyCollector':
                with lock:
                    injected.pop(this_of(body), None)
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
