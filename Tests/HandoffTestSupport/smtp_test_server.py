#!/usr/bin/python3
"""A mail server for Handoff's tests (aiosmtpd): STARTTLS required, an optional login, and
each message accepted written to --out as NNNN.eml (with NNNN.json: envelope). Every DATA
attempt is logged as a JSON line to --log. --fail-4xx N answers the first N DATA commands
with 451 (try again later); --reject ADDRESS answers RCPT TO for ADDRESS with 550."""
import argparse
import json
import os
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail-4xx", type=int, default=0)
parser.add_argument("--reject", action="append", default=[])
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--no-starttls", action="store_true", help="offer no STARTTLS: plain text only")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
lock = threading.Lock()


def log(entry):
    with lock, open(args.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler:
    def __init__(self):
        self.fail = args.fail_4xx
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in args.reject:
            log({"event": "rcpt_rejected", "to": address})
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail > 0:
            self.fail -= 1
            log({"event": "data_deferred", "to": envelope.rcpt_tos})
            return "451 4.3.0 Try again later"
        self.count += 1
        name = os.path.join(args.out, "%04d" % self.count)
        content = envelope.original_content or envelope.content
        with open(name + ".tmp", "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        with open(name + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None}, f)
        os.rename(name + ".tmp", name + ".eml")
        log({"event": "accepted", "to": envelope.rcpt_tos, "tls": session.ssl is not None})
        return "250 2.0.0 OK: queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user
          and auth_data.password.decode() == args.password)
    log({"event": "auth", "ok": ok})
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)
options = dict(hostname="127.0.0.1", port=args.port, tls_context=context, require_starttls=True,
               ready_timeout=20, enable_SMTPUTF8=True)
if args.no_starttls:
    options.update(tls_context=None, require_starttls=False)
if args.user:
    options.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
controller = Controller(Handler(), **options)
controller.start()
while True:
    time.sleep(3600)
