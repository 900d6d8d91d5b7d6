#!/usr/bin/env python3
"""A Meridian-like HTTPS API for Handoff's tests: TLS 1.2+, a client certificate required,
every request checked against the HMAC-SHA256 signature of spec section 1 (300-second window),
PUT /v2/placements/{batch_id} idempotent by body hash, injectable 429 and 5xx answers.
Faults on the wire: --reset-handshakes N resets the first N connections during the TLS
handshake; --silent N takes the first N connections and never says a word (no handshake);
--stall N reads the first N requests and never answers; --clock-offset S runs the
server's clock S seconds off (its signature window and its Date header).
Every authenticated request is logged as a JSON line for the test to read."""
import argparse, email.utils, hashlib, hmac, json, re, socket, ssl, struct, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--cert", required=True)
p.add_argument("--key", required=True)
p.add_argument("--client-ca", required=True)
p.add_argument("--secret", required=True)
p.add_argument("--client-id", default="HANDOFF01")
p.add_argument("--log", required=True)
p.add_argument("--fail-429", type=int, default=0)
p.add_argument("--fail-503", type=int, default=0)
p.add_argument("--events", default=None)
p.add_argument("--reset-handshakes", type=int, default=0)
p.add_argument("--stall", type=int, default=0)
p.add_argument("--silent", type=int, default=0)
p.add_argument("--clock-offset", type=int, default=0)
a = p.parse_args()

lock = threading.RLock()
faults = {"429": a.fail_429, "503": a.fail_503, "reset": a.reset_handshakes, "stall": a.stall, "silent": a.silent}
held = []          # connections taken and never answered


def now():
    return time.time() + a.clock_offset
batches = {}      # batch_id -> (sha256, receipt)
events = json.load(open(a.events))["events"] if a.events else []
requests_seen = {}


def log(entry):
    with lock, open(a.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(now() if timestamp is None else timestamp, usegmt=True)

    def reply(self, status, body=b"", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            stall = faults["stall"] > 0
            if stall:
                faults["stall"] -= 1
        if stall:
            log({"method": self.command, "path": self.path, "status": "stalled"})
            time.sleep(3600)
            return
        ts = self.headers.get("X-MCC-Timestamp", "")
        given = self.headers.get("X-MCC-Signature", "")
        text = f"{ts}\n{self.command}\n{self.path}\n{hashlib.sha256(body).hexdigest()}"
        expected = hmac.new(a.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        if (self.headers.get("X-MCC-Client") != a.client_id or not ts.isdigit() or abs(now() - int(ts)) > 300
                or not hmac.compare_digest(given, expected)):
            log({"method": self.command, "path": self.path, "status": 401})
            return self.reply(401, {"error": "bad signature"})
        entry = {"method": self.command, "path": self.path, "idempotency_key": self.headers.get("Idempotency-Key"),
                 "body_sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        with lock:
            for code in ("429", "503"):
                if faults[code] > 0:
                    faults[code] -= 1
                    entry["status"] = int(code)
                    log(entry)
                    return self.reply(int(code), {"error": "try later"}, [("Retry-After", "1")] if code == "429" else [])
        e = re.fullmatch(r"/v2/events\?after=(\d+)&limit=(\d+)", self.path)
        if e and self.command == "GET":
            after, limit = int(e.group(1)), int(e.group(2))
            current = json.load(open(a.events))["events"] if a.events else events   # the test may add events as it goes
            page = [ev for ev in current if ev["seq"] > after][:limit]
            entry["status"] = 200
            log(entry)
            return self.reply(200, {"events": page, "next": page[-1]["seq"] if page else after}, [("Content-Type", "application/json")])
        r = re.fullmatch(r"/v2/accounts/([^/]+)/(recall|direct-payments|adjustments|disputes)", self.path)
        if r and self.command == "POST":
            try:
                request = json.loads(body)
            except ValueError:
                request = None
            if not isinstance(request, dict) or not (1 <= len(str(request.get("request_id", ""))) <= 40):
                entry["status"] = 422; log(entry)
                return self.reply(422, {"error": "request_id is required"})
            key = (r.group(1), r.group(2), request["request_id"])
            status = 202 if r.group(2) == "recall" else 201
            with lock:
                if key in requests_seen and requests_seen[key] != body:
                    status = 409
                else:
                    requests_seen[key] = body
            entry["status"] = status
            entry["body"] = request
            log(entry)
            return self.reply(status, {"request_id": request["request_id"], "status": "accepted"} if status != 409 else {"error": "other body"})
        m = re.fullmatch(r"/v2/placements/([A-Za-z0-9_-]{1,40})", self.path)
        if m and self.command == "PUT":
            sha = hashlib.sha256(body).hexdigest()
            if any(b > 127 for b in body):
                entry["status"] = 422; log(entry)
                return self.reply(422, {"error": "a byte above 127", "line": 1})
            lines = body.split(b"\r\n")[:-1]
            receipt = {"batch_id": m.group(1), "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "accounts": sum(1 for l in lines if l[:1] == b"D"), "invoices": sum(1 for l in lines if l[:1] == b"I"),
                       "total_cents": 0, "sha256": sha, "status": "queued"}
            with lock:
                if m.group(1) in batches:
                    old_sha, old = batches[m.group(1)]
                    status, answer = (200, old) if old_sha == sha else (409, {"error": "other body"})
                else:
                    batches[m.group(1)] = (sha, receipt)
                    status, answer = 201, receipt
            entry["status"] = status
            log(entry)
            return self.reply(status, answer, [("Content-Type", "application/json")])
        if m and self.command == "GET":
            with lock:
                found = batches.get(m.group(1))
            entry["status"] = 200 if found else 404
            log(entry)
            return self.reply(200, dict(found[1], status="processed")) if found else self.reply(404, {"error": "no such batch"})
        entry["status"] = 404
        log(entry)
        return self.reply(404, {"error": "not found"})

    do_GET = do_PUT = do_POST = handle_any


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(a.cert, a.key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(a.client_ca)


class Server(ThreadingHTTPServer):
    def get_request(self):
        sock, addr = self.socket.accept()
        with lock:
            silent = faults["silent"] > 0
        if silent:
            if not sock.recv(4096, socket.MSG_PEEK):     # a probe that only connected
                sock.close()
                raise OSError("closed without a hello")
            with lock:
                faults["silent"] -= 1
                held.append(sock)
            log({"connection": "taken, never answered"})
            raise OSError("silence injected")
        with lock:
            reset = faults["reset"] > 0
        if reset:
            if not sock.recv(4096, socket.MSG_PEEK):     # a probe that only connected: no hello, no fault spent
                sock.close()
                raise OSError("closed without a hello")
            with lock:
                faults["reset"] -= 1
            sock.recv(4096)        # the client's hello, then a reset instead of an answer
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            log({"connection": "reset during the TLS handshake"})
            raise OSError("reset injected")
        return ctx.wrap_socket(sock, server_side=True), addr


server = Server(("127.0.0.1", a.port), Handler)
print("ready", flush=True)
server.serve_forever()
