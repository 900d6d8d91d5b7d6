#!/usr/bin/env python3
"""Drives Handoff's dashboard in a real headless Chromium, as a person would, and keeps
screenshots. Speaks the Chrome DevTools Protocol over --remote-debugging-pipe (file
descriptors 3 and 4, NUL-separated JSON), so it needs nothing but Python and Debian's chromium.

    drive_dashboard.py --chromium /usr/bin/chromium --base http://127.0.0.1:PORT \
        --token-file F --account B-2001 --recall B-2011,B-2002 --out DIR

Steps: open / (must land on the login form) at a phone's width and a desktop's, type the token
and press Enter, check the session cookie's flags; then at 1400 px and again at 390 px: the
overview, the accounts list filtered and sorted, one account's story, the agencies page with its
chart (whose axis names its currency), the files page (every row dated, file names readable,
"Send now" clear of its heading), the placement preview, the remittances and requests pages,
on an account's page a recall and a notice typed and sent as a person would (one account
of --recall for each width), the Needs attention queue's Retry and its link to a statement, and
the People page: a viewer added (the token shown once), that viewer logged in (told why the
buttons are missing, refused the People page with the reason), then revoked by the owner.
On every page at every width: nothing runs off the right edge, and wide tables scroll inside
their own box (the page itself never scrolls sideways).
Writes NN-page-WIDTH.png per page into --out and prints one JSON line per step; exits non-zero
on the first step that does not look right.
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
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1400,900", "about:blank"],
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
        self.width(1400)

    def width(self, px):
        """A desktop window (1400) or a phone's (390: a mobile viewport, as Chromium's device mode has it)."""
        phone = px < 600
        self.call("Emulation.setDeviceMetricsOverride", {"width": px, "height": 844 if phone else 900, "deviceScaleFactor": 1, "mobile": phone})

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def submit(self, expression):
        """Clicks what `expression` finds (a form's button) and waits for the page it leads to."""
        self.events.clear()
        self.js(f"{expression}.click()")
        self.wait_event("Page.loadEventFired")

    def type_into(self, selector, text):
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", {"text": text})

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


# Layout checks run on every page at every width (JavaScript in the page, evaluated by the driver:
# the pages themselves carry no script).
# The width is the one asked for, not innerWidth: a phone's browser widens its layout viewport
# (and zooms out) to fit a page that is too wide, so innerWidth would grow with the fault.
FITS = """((w) => {
  const over = document.documentElement.scrollWidth - w;
  const off = [...document.querySelectorAll('header.top a, header.top button')].filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.textContent.trim());
  // Every table sits in a box that scrolls sideways, and none of those boxes runs off the page.
  const loose = [...document.querySelectorAll('main table')].filter(t => !t.parentElement.classList.contains('scroll')).length;
  const boxes = [...document.querySelectorAll('main .scroll')].filter(b => b.getBoundingClientRect().right > w + 1).length;
  return {over, off, loose, boxes, innerWidth: window.innerWidth};
})(%d)"""

# Dates never wrap at their hyphens: each date cell is one line high.
DATES = """(() => [...document.querySelectorAll('td.date, td.when, dd.date')].filter(e => e.textContent.trim().length >= 10).map(e => {
  const r = document.createRange(); r.selectNodeContents(e); const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
  return {text: e.textContent.trim(), lines: lines.size};
}).filter(x => x.lines > 1))()"""

# A file name in a table cell at least 10 characters wide: never one character per line.
NAMES = """(() => [...document.querySelectorAll('td.mono')].map(e => {
  const r = e.getBoundingClientRect(); const ch = parseFloat(getComputedStyle(e).fontSize) * 0.6;
  return {text: e.textContent.trim(), chars: Math.floor((r.width - 8) / ch)};
}).filter(x => x.text.length > 10 && x.chars < 10))()"""

# No button of a card's heading row covers the heading.
OVERLAP = """(() => [...document.querySelectorAll('section.card')].flatMap(card => {
  const h = card.querySelector('h2'); if (!h) return [];
  const hr = h.getBoundingClientRect();
  return [...card.querySelectorAll('button')].map(b => b.getBoundingClientRect())
    .filter(b => b.left < hr.right && b.right > hr.left && b.top < hr.bottom && b.bottom > hr.top && b.width > 0)
    .map(() => h.textContent.trim());
}))()"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    p.add_argument("--base", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--recall", required=True, help="two accounts with an agency, comma-separated: recalled at 1400 px, then at 390 px")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    token = open(a.token_file).read().strip()
    recall = a.recall.split(",")
    os.makedirs(a.out, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="handoff-chromium-")
    browser = Browser(a.chromium, profile)
    failures = []

    def step(name, ok, detail=""):
        print(json.dumps({"step": name, "ok": bool(ok), "detail": detail}), flush=True)
        if not ok:
            failures.append(name)
            raise SystemExit(1)

    def shot(name, width):
        browser.screenshot(os.path.join(a.out, f"{name}-{width}.png"))

    def fits(page, width):
        f = browser.js(FITS % width)
        step(f"{page} at {width} px: nothing runs off the right edge", f["over"] <= 1 and not f["off"] and f["innerWidth"] == width
             and f["loose"] == 0 and f["boxes"] == 0, json.dumps(f))
        wrapped = browser.js(DATES)
        step(f"{page} at {width} px: no date wraps", not wrapped, json.dumps(wrapped)[:400])

    def flash_text():
        return browser.js("(document.querySelector('.flash') || {}).textContent || ''")

    def actions():
        """The buttons that change things, pressed once as the owner would, at 1400 px: Fetch now,
        Send now, Dismiss with a reason, and a placement previewed then confirmed."""
        browser.width(1400)
        browser.goto(a.base + "/login")
        if browser.js("!!document.querySelector('input#token')"):
            browser.type_into("#token", token)
            press_enter()
        browser.goto(a.base + "/files")
        browser.submit("document.querySelector('form[action=\"/jobs/fetch\"] button')")
        flash = flash_text()
        step("Fetch now runs the fetch job and says what came in", flash.startswith("Done: fetch:") and "received" in flash, flash)
        browser.goto(a.base + "/files")
        browser.submit("document.querySelector('form[action=\"/jobs/send\"] button')")
        flash = flash_text()
        step("Send now runs the send job and says what went out", flash.startswith("Done: send:"), flash)
        browser.goto(a.base + "/files")
        held = browser.js("document.querySelectorAll('form[action$=\"/dismiss\"]').length")
        browser.type_into("form[action$=\"/dismiss\"] input[name=reason]", "no such customer; the agency was told")
        browser.submit("document.querySelector('form[action$=\"/dismiss\"] button')")
        flash = flash_text()
        left = browser.js("document.querySelectorAll('form[action$=\"/dismiss\"]').length")
        step("Dismiss, with the reason typed, takes the held event off the files page", "dismissed" in flash and left == held - 1, f"{flash} ({held} then {left})")
        shot("19-event-dismissed", 1400)
        browser.goto(a.base + "/placements")
        browser.submit("document.querySelector('form[action=\"/placements/preview\"] button')")
        offered = browser.js("(document.querySelector('form[action=\"/placements/run\"] button') || {}).textContent || ''")
        step("the preview offers to confirm exactly what it shows", offered.startswith("Confirm: place "), offered)
        if offered:
            browser.submit("document.querySelector('form[action=\"/placements/run\"] button')")
            flash = flash_text()
            count = offered.removeprefix("Confirm: place ").split(" ")[0]
            step("Confirm places the accounts the preview showed", flash.startswith(f"Done: place: placed {count};"), f"{flash} / {offered}")
        shot("20-placement-confirmed", 1400)

    def press_enter():
        browser.events.clear()
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})
        browser.wait_event("Page.loadEventFired")

    def pages(width, account_to_recall):
        browser.width(width)
        browser.goto(a.base + "/")
        text = browser.js("document.body.innerText")
        step(f"overview at {width} px", "Receivables by age" in text and "Needs attention" in text)
        fits("overview", width)
        nav = browser.js("[...document.querySelectorAll('header nav a')].map(e => e.textContent.trim())")
        step(f"the navigation names every page at {width} px", all(n in nav for n in ("Accounts", "Files", "Remittances", "Requests")), json.dumps(nav))
        shot("02-overview", width)

        browser.goto(a.base + "/accounts?q=" + a.account)
        step(f"account search finds the account at {width} px", browser.js("document.querySelectorAll('main table tbody tr a').length") >= 1)
        # A filter and a sort: accounts with an agency, largest balance first; the form shows both.
        browser.goto(a.base + "/accounts?placed=yes&sort=balance")
        state = browser.js("""(() => ({sort: document.getElementById('sort').value, placed: document.getElementById('placed').value,
            balances: [...document.querySelectorAll("main table tbody tr td:nth-child(3)")].map(e => e.textContent.trim())}))()""")
        step(f"accounts filtered (with an agency) and sorted (balance) at {width} px",
             state["sort"] == "balance" and state["placed"] == "yes" and len(state["balances"]) >= 2, json.dumps(state))
        fits("accounts", width)
        shot("03-accounts-placed-by-balance", width)
        browser.goto(a.base + "/accounts?hold=1")
        text = browser.js("document.body.innerText")
        step(f"accounts on hold show their hold at {width} px", "hold: bankruptcy" in text and browser.js("document.getElementById('hold').checked"))
        shot("03-accounts-on-hold", width)

        browser.goto(a.base + "/accounts/" + a.account)
        text = browser.js("document.body.innerText")
        step(f"the account page tells its story at {width} px", a.account in text and "Story" in text and "Invoices" in text and "Placed with" in text)
        states = browser.js("""[...document.querySelectorAll('section.card')].filter(c => (c.querySelector('h2') || {}).textContent === 'Placements')
            .flatMap(c => [...c.querySelectorAll('td')].map(e => e.textContent.trim()))""")
        internal = [s for s in states if s in ("recall_pending", "batched", "selected", "active", "accepted", "sent")]
        step(f"placement states read in words at {width} px", states and not internal and any("agency" in t for t in states),
             json.dumps(internal or states)[:400])
        fits("account", width)
        shot("04-account", width)

        browser.goto(a.base + "/agencies")
        units = browser.js("[...document.querySelectorAll('svg.chart text.unit')].map(e => e.textContent)")
        step(f"the agencies page draws a chart whose axis names its currency at {width} px", len(units) >= 1 and all(len(u) == 3 for u in units), json.dumps(units))
        fits("agencies", width)
        shot("05-agencies", width)

        browser.goto(a.base + "/files")
        dates = browser.js("""(() => [...document.querySelectorAll('main table')].slice(0, 3).map(t =>
            [...t.tBodies[0].rows].filter(r => r.cells.length > 1).map(r => r.cells[r.cells[0].classList.contains('when') ? 0 : 1].textContent.trim())))()""")
        dated = all(all(len(d) >= 10 and d[:2] == "20" for d in rows) for rows in dates)
        step(f"every outbox file, inbox file and agency event on the files page is dated at {width} px",
             len(dates) == 3 and len(dates[0]) >= 1 and len(dates[1]) >= 1 and dated, json.dumps(dates)[:600])
        squeezed = browser.js(NAMES)
        step(f"file names are readable at {width} px", not squeezed, json.dumps(squeezed)[:400])
        covered = browser.js(OVERLAP)
        step(f"“Send now” and “Fetch now” leave their headings clear at {width} px", not covered, json.dumps(covered))
        fits("files", width)
        shot("06-files", width)

        browser.goto(a.base + "/placements")
        browser.submit("document.querySelector('form[action=\"/placements/preview\"] button')")
        step(f"Preview placement shows what a run would do at {width} px", "Preview: what a run today would do" in browser.js("document.body.innerText"))
        fits("placement preview", width)
        shot("07-placement-preview", width)

        browser.goto(a.base + "/remittances")
        text = browser.js("document.body.innerText")
        step(f"the remittances page shows each statement with its differences in words at {width} px",
             "Remittances" in text and browser.js("document.querySelectorAll('section.statement').length") >= 1 and "Handoff recorded" in text)
        fits("remittances", width)
        shot("08-remittances", width)

        browser.goto(a.base + "/requests")
        rows = browser.js("document.querySelectorAll('main table tbody tr a').length")
        step(f"the requests page lists requests with their accounts at {width} px", rows >= 1, f"{rows} rows")
        fits("requests", width)
        shot("09-requests", width)

        browser.goto(a.base + "/worklist")
        rows = browser.js("document.querySelectorAll('main table tbody tr').length")
        text = browser.js("document.body.innerText")
        step(f"the work list ranks past-due accounts with their next step at {width} px", rows >= 1 and "Work list" in text, f"{rows} rows")
        fits("worklist", width)
        shot("09-worklist", width)

        # Recall and notify from an account's page, typed as a person would.
        browser.goto(a.base + "/accounts/" + account_to_recall)
        step(f"{account_to_recall}'s page offers recall and notice at {width} px",
             browser.js("!!document.querySelector('form[action$=\"/recall\"]') && !!document.querySelector('form[action$=\"/notify\"]')"))
        shot("10-account-actions", width)
        browser.type_into("#recall-reason", "settling with the owner directly")
        browser.submit("document.querySelector('form[action$=\"/recall\"] button')")
        flash = browser.js("(document.querySelector('.flash') || {}).textContent || ''")
        step(f"the recall of {account_to_recall} is queued at {width} px",
             browser.js("location.pathname") == "/accounts/" + account_to_recall and f"recall of {account_to_recall} from" in flash and "queued" in flash, flash)
        fits("account after a recall", width)
        shot("11-account-recalled", width)
        browser.js("document.getElementById('notify-kind').value = 'dispute'")
        browser.type_into("#notify-note", "customer disputes the last invoice")
        browser.submit("document.querySelector('form[action$=\"/notify\"] button')")
        flash = browser.js("(document.querySelector('.flash') || {}).textContent || ''")
        step(f"the dispute notice for {account_to_recall} is queued at {width} px", f"dispute notice for {account_to_recall} queued" in flash, flash)
        requests = browser.js("[...document.querySelectorAll('main table tbody tr')].map(r => r.textContent)")
        step(f"{account_to_recall}'s page lists the recall and the notice at {width} px",
             any("recall" in r and "waiting to be sent" in r for r in requests) and any("dispute" in r for r in requests), json.dumps(requests)[:400])
        shot("12-account-notified", width)

        # Needs attention: an entry's action pressed from the overview, and an entry's link followed.
        browser.goto(a.base + "/")
        forms = browser.js("[...document.querySelectorAll('ul.attention form')].map(f => f.getAttribute('action'))")
        step(f"Needs attention offers Retry for a held event at {width} px", any(f.startswith("/events/") and f.endswith("/retry") for f in forms), json.dumps(forms))
        browser.submit("document.querySelector('ul.attention form[action^=\"/events/\"] button')")
        flash = browser.js("(document.querySelector('.flash') || {}).textContent || ''")
        step(f"Retry from Needs attention answers on the files page at {width} px",
             browser.js("location.pathname") == "/files" and flash.startswith("Event #") and "held" in flash, flash)
        fits("files after a retry", width)
        shot("13-attention-retried", width)
        browser.goto(a.base + "/")
        browser.submit("document.querySelector('ul.attention a[href=\"/remittances\"]')")
        step(f"Needs attention leads to the statement that differs at {width} px", browser.js("location.pathname") == "/remittances")

        # The People page: add a viewer, whose token is shown once.
        browser.goto(a.base + "/people")
        text = browser.js("document.body.innerText")
        step(f"the People page lists everyone and offers to add a person at {width} px", "Add a person" in text and "owner" in text)
        fits("people", width)
        shot("14-people", width)
        name = f"clerk-{width}"
        browser.type_into("#person-name", name)
        browser.js("document.getElementById('person-role').value = 'viewer'")
        browser.submit("document.querySelector('form[action=\"/people\"] button')")
        new_token = (browser.js("(document.querySelector('.token-value') || {}).textContent || ''") or "").strip()
        step(f"adding {name} shows their token once at {width} px", new_token.startswith("hnd_") and len(new_token) >= 40, new_token[:4])
        fits("people with a new token", width)
        shot("15-person-added", width)

        # That viewer logs in: the page says why there are no buttons, and the People page says why not.
        browser.submit("document.querySelector('form.logout button')")
        browser.type_into("#token", new_token)
        press_enter()
        text = browser.js("document.body.innerText")
        buttons = browser.js("document.querySelectorAll('form[action^=\"/jobs/\"], ul.attention form').length")
        step(f"a viewer sees the overview, without job or retry buttons, and why, at {width} px",
             browser.js("location.pathname") == "/" and f"{name} · viewer" in text and "a viewer: you can read every page" in text and buttons == 0,
             f"{buttons} buttons")
        fits("overview as a viewer", width)
        shot("16-viewer-overview", width)
        browser.goto(a.base + "/people")
        text = browser.js("document.body.innerText")
        step(f"a viewer is refused the People page with the reason at {width} px", "Not allowed" in text and "needs the admin role" in text, text[:300])
        shot("17-viewer-refused", width)

        # Back as the owner: revoke the viewer.
        browser.submit("document.querySelector('form.logout button')")
        browser.type_into("#token", token)
        press_enter()
        browser.goto(a.base + "/people")
        browser.submit(f"document.querySelector('form[action=\"/people/{name}/revoke\"] button')")
        flash = browser.js("(document.querySelector('.flash') || {}).textContent || ''")
        step(f"the owner revokes {name} at {width} px", f"{name}’s token is revoked" in flash, flash)
        fits("people after a revocation", width)
        shot("18-person-revoked", width)

    try:
        browser.open_page()
        for width in (390, 1400):
            browser.width(width)
            browser.goto(a.base + "/")
            path = browser.js("location.pathname")
            step(f"unauthenticated visit lands on the login form at {width} px", path == "/login" and browser.js("!!document.querySelector('input#token')"), path)
            fits("login", width)
            shot("01-login", width)

        # Type a wrong token first: the form must refuse it.
        browser.type_into("#token", "not-the-token")
        press_enter()
        step("a wrong token is refused", browser.js("location.pathname") == "/login" and "not this installation" in browser.js("document.body.innerText"))

        browser.type_into("#token", token)
        press_enter()
        text = browser.js("document.body.innerText")
        step("the token logs in and shows the overview", browser.js("location.pathname") == "/" and "Receivables by age" in text and "With agencies" in text,
             browser.js("location.href"))
        cookies = browser.call("Network.getCookies")["cookies"]
        session = [c for c in cookies if c["name"] == "handoff_session"]
        step("the session cookie is Secure, HttpOnly, SameSite=Strict and holds no token",
             len(session) == 1 and session[0]["secure"] and session[0]["httpOnly"] and session[0].get("sameSite") == "Strict" and token not in session[0]["value"],
             json.dumps({k: session[0][k] for k in ("secure", "httpOnly", "sameSite")}) if session else "no cookie")
        step("the stylesheet is applied", browser.js("getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(20, 33, 61)")

        for width, account in zip((1400, 390), recall):
            pages(width, account)
        actions()
        print(json.dumps({"step": "done", "ok": True, "detail": ""}), flush=True)
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
