#!/usr/bin/env python3
"""A loopback HTTPS server for scripts/bench: TLS 1.2 or later with a client certificate
required (mutual TLS, as Meridian's API), that takes `PUT /v2/placements/{batch_id}` and
streams the body to DIR/{batch_id} in 1 MiB chunks (constant memory, so that the server is
not what bounds a 256 MB upload). When the request carries Meridian's signature headers
(spec section 1) they are checked over the body's SHA-256; a wrong signature gets 401.
Each request is logged as a JSON line: batch id, size, SHA-256, status.

    https_sink.py --port P --cert server.pem --key server.key --client-ca ca.pem --secret S --dir DIR --log LOG
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--cert", required=True)
p.add_argument("--key", required=True)
p.add_argument("--client-ca", required=True)
p.add_argument("--secret", required=True)
p.add_argument("--client-id", default="HANDOFF01")
p.add_argument("--dir", required=True)
p.add_argument("--log", required=True)
a = p.parse_args()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, answer):
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        m = re.fullmatch(r"/v2/placements/([A-Za-z0-9_-]{1,40})", self.path)
        length = int(self.headers.get("Content-Length") or 0)
        digest = hashlib.sha256()
        target = os.path.join(a.dir, m.group(1) if m else "unknown")
        left = length
        with open(target + ".part", "wb") as out:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                left -= len(chunk)
        sha = digest.hexdigest()
        status = 201
        signature = self.headers.get("X-MCC-Signature")
        if signature is not None:
            ts = self.headers.get("X-MCC-Timestamp", "")
            text = f"{ts}\n{self.command}\n{self.path}\n{sha}"
            expected = hmac.new(a.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
            if (self.headers.get("X-MCC-Client") != a.client_id or not ts.isdigit() or abs(time.time() - int(ts)) > 300
                    or not hmac.compare_digest(signature, expected)):
                status = 401
        if not m or left > 0:
            status = 400
        if status == 201:
            os.rename(target + ".part", target)
        else:
            os.unlink(target + ".part")
        with open(a.log, "a") as f:
            f.write(json.dumps({"batch_id": m.group(1) if m else None, "size": length - left, "sha256": sha, "status": status,
                                "signed": signature is not None}) + "\n")
        self.reply(status, {"batch_id": m.group(1) if m else None, "sha256": sha, "status": "queued" if status == 201 else "refused"})


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(a.cert, a.key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(a.client_ca)
server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()
