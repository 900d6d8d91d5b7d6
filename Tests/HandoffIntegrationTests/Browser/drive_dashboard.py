#!/usr/bin/env python3
"""Drives Handoff's dashboard in a real headless Chromium, as a person would, and keeps
screenshots. Speaks the Chrome DevTools Protocol over --remote-debugging-pipe (file
descriptors 3 and 4, NUL-separated JSON), so it needs nothing but Python and Debian's chromium.

    drive_dashboard.py --chromium /usr/bin/chromium --base http://127.0.0.1:PORT \
        --token-file F --account B-2001 --out DIR

Steps: open / (must land on the login form), type the token and press Enter, check the
overview, the session cookie's flags, search accounts, open one account's story, the agencies
page with its SVG chart, the files and placements pages, and press "Preview placement".
Writes a PNG per page into --out and prints one JSON line per step; exits non-zero on the first
step that does not look right.
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, chromium, profile):
        r_ours, w_theirs = os.pipe()   # chromium writes on its fd 4, we read
        r_theirs, w_ours = os.pipe()   # we write, chromium reads on its fd 3
        def child():
            # Move both ends above 10 first, so that neither dup2 overwrites the other.
            a = fcntl.fcntl(r_theirs, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(w_theirs, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_theirs)
        os.close(w_theirs)
        self.r = os.fdopen(r_ours, "rb", buffering=0)
        self.w = os.fdopen(w_ours, "wb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = self.r.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.w.write(json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == name:
                del self.events[: i + 1]
                return e
        while True:
            e = self._read_message(deadline)
            if e.get("method") == name:
                self.events.clear()
                return e
            self.events.append(e)

    def open_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def js(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    p.add_argument("--base", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    token = open(a.token_file).read().strip()
    os.makedirs(a.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="handoff-chromium-")
    browser = Browser(a.chromium, profile)
    failures = []

    def step(name, ok, detail=""):
        print(json.dumps({"step": name, "ok": bool(ok), "detail": detail}), flush=True)
        if not ok:
            failures.append(name)
            raise SystemExit(1)

    try:
        browser.open_page()
        browser.goto(a.base + "/")
        path = browser.js("location.pathname")
        step("unauthenticated visit lands on the login form", path == "/login" and browser.js("!!document.querySelector('input#token')"), path)
        browser.screenshot(os.path.join(a.out, "01-login.png"))

        # Type a wrong token first: the form must refuse it.
        browser.js("document.getElementById('token').focus()")
        browser.call("Input.insertText", {"text": "not-the-token"})
        browser.events.clear()
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})
        browser.wait_event("Page.loadEventFired")
        step("a wrong token is refused", browser.js("location.pathname") == "/login" and "not this installation" in browser.js("document.body.innerText"))

        browser.js("document.getElementById('token').focus()")
        browser.call("Input.insertText", {"text": token})
        browser.events.clear()
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})
        browser.wait_event("Page.loadEventFired")
        text = browser.js("document.body.innerText")
        step("the token logs in and shows the overview", browser.js("location.pathname") == "/" and "Receivables by age" in text and "With agencies" in text,
             browser.js("location.href"))
        cookies = browser.call("Network.getCookies")["cookies"]
        session = [c for c in cookies if c["name"] == "handoff_session"]
        step("the session cookie is Secure, HttpOnly, SameSite=Strict and holds no token",
             len(session) == 1 and session[0]["secure"] and session[0]["httpOnly"] and session[0].get("sameSite") == "Strict" and token not in session[0]["value"],
             json.dumps({k: session[0][k] for k in ("secure", "httpOnly", "sameSite")}) if session else "no cookie")
        step("the stylesheet is applied", browser.js("getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(20, 33, 61)")
        browser.screenshot(os.path.join(a.out, "02-overview.png"))

        browser.goto(a.base + "/accounts?q=" + a.account)
        rows = browser.js("document.querySelectorAll('main table tbody tr a').length")
        step("account search finds the account", rows >= 1, f"{rows} links")
        browser.screenshot(os.path.join(a.out, "03-accounts.png"))
        browser.events.clear()
        browser.js("document.querySelector('main table tbody tr a').click()")
        browser.wait_event("Page.loadEventFired")
        text = browser.js("document.body.innerText")
        step("the account page tells its story", a.account in text and "Story" in text and "Invoices" in text and "Placed with" in text,
             browser.js("location.pathname"))
        browser.screenshot(os.path.join(a.out, "04-account.png"))

        browser.goto(a.base + "/agencies")
        charts = browser.js("document.querySelectorAll('svg.chart').length")
        step("the agencies page draws a scorecard chart", charts >= 1, f"{charts} charts")
        browser.screenshot(os.path.join(a.out, "05-agencies.png"))

        browser.goto(a.base + "/files")
        step("the files page lists the outbox", "Outbox" in browser.js("document.body.innerText") and browser.js("document.querySelectorAll('main table')[0].rows.length") > 1)
        browser.screenshot(os.path.join(a.out, "06-files.png"))

        browser.goto(a.base + "/placements")
        browser.events.clear()
        browser.js("document.querySelector('form[action=\"/placements/preview\"] button').click()")
        browser.wait_event("Page.loadEventFired")
        step("Preview placement shows what a run would do", "Preview: what a run today would do" in browser.js("document.body.innerText"))
        browser.screenshot(os.path.join(a.out, "07-placement-preview.png"))
    except SystemExit:
        pass
    except Exception as e:  # a broken page or browser: report it as a failed step
        print(json.dumps({"step": "driver", "ok": False, "detail": repr(e)}), flush=True)
        failures.append("driver")
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
