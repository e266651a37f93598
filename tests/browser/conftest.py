"""Shared fixtures for the browser journeys (issue 11): Chromium, contexts, axe-core, screenshots, a real worker.

- Chromium is Debian's (/usr/bin/chromium), driven by Playwright; nothing is downloaded at run time.
- axe-core is vendored (tests/browser/vendor/axe-core, MPL-2.0, pinned by its SHA-256) and runs in an
  *isolated world* of the page (Chrome DevTools Protocol). There it may use `new Function` although the
  page's CSP forbids eval, so the CSP stays enforced (no `bypass_csp`) and a CSP violation in the
  console fails the journey (ARCHITECTURE.md suggested `bypass_csp=True`, which would hide exactly those).
- Every page a journey shows is checked: `Tab.check()` runs axe (serious/critical violations of WCAG 2.1
  A/AA fail), fails on CSP violations, uncaught script errors and 5xx responses, and can save a
  screenshot to artifacts/screenshots/<journey>/<nn>-<name>.png. A page that loaded but was never
  checked fails the journey at its end.
- Celery: with CELERY_BROKER_URL pointing at Redis an in-process worker (celery.contrib.testing) consumes
  the real broker, and eager mode is off; without Redis the journeys skip (fail under OPP_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from tests.services import redis_url, require_chromium

HERE = Path(__file__).parent
AXE_JS = HERE / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # axe-core 4.14.1 (npm)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_BLOCKING = {"serious", "critical"}
SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 15_000
WORKER_TIMEOUT = 30  # seconds for a task through Redis and the worker


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
    # (the test's own teardown flush included). Scoped to the browser modules, not the whole run.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- axe-core ------------------------------------------------------------------------------------------------------

_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        data = AXE_JS.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert digest == AXE_SHA256, f"{AXE_JS} is not the pinned axe-core 4.14.1 (sha256 {digest})"
        _AXE_SOURCE = data.decode("utf-8")
    return _AXE_SOURCE


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page's current document in an isolated world; every violation (all impacts)."""
    cdp = page.context.new_cdp_session(page)
    try:
        frame_id = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        world = cdp.send("Page.createIsolatedWorld", {"frameId": frame_id, "worldName": "axe-check",
                                                      "grantUniveralAccess": False})
        context_id = world["executionContextId"]
        loaded = cdp.send("Runtime.evaluate", {"expression": _axe_source() + "\n;typeof axe",
                                               "contextId": context_id, "returnByValue": True})
        assert loaded.get("result", {}).get("value") == "object", f"axe-core did not load: {loaded}"
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        expression = ("axe.run(document, " + json.dumps(options) + ").then(r => r.violations.map(v => ({"
                      "id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, "
                      "targets: v.nodes.map(n => n.target.join(' '))})))")
        result = cdp.send("Runtime.evaluate", {"expression": expression, "contextId": context_id,
                                               "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"axe.run failed on {page.url}: {result['exceptionDetails']}")
        return result["result"]["value"]
    finally:
        cdp.detach()


def axe_check(page) -> list[dict]:
    """Fail on serious or critical WCAG 2.1 A/AA violations; return the minor/moderate ones."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in AXE_BLOCKING]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious/critical violation(s) on {page.url}"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} – {v['helpUrl']}")
            lines.extend(f"    {target}" for target in v["targets"][:10])
        pytest.fail("\n".join(lines), pytrace=False)
    return [v for v in violations if v["impact"] not in AXE_BLOCKING]


# --- tabs and journeys -----------------------------------------------------------------------------------------------

CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


class Tab:
    """One browser page of a journey. Records console errors, script errors, 5xx responses and loads."""

    def __init__(self, journey: Journey, page, who: str):
        self.journey, self.page, self.who = journey, page, who
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []
        self.unchecked: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("response", self._on_response)
        page.on("load", lambda p: self.unchecked.append(p.url))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    @property
    def url_path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def check(self, shot: str | None = None) -> None:
        """The page now shown: axe, CSP and errors; with `shot`, a screenshot. Every loaded page must pass here."""
        page = self.page
        page.wait_for_load_state("load")
        page.evaluate("0")  # a round trip to the browser: the events sent before it (load, console) are in
        assert not self.server_errors, f"server errors during the journey: {self.server_errors}"
        csp = [e for e in self.console_errors if any(m in e for m in CSP_MARKERS)]
        assert not csp, f"CSP violations on {page.url}: {csp}"
        assert not self.page_errors, f"script errors on {page.url}: {self.page_errors}"
        if len(self.unchecked) > 1:
            pytest.fail(f"pages shown without an accessibility check: {self.unchecked[:-1]}", pytrace=False)
        axe_check(page)
        self.journey.checked += 1
        self.unchecked.clear()
        if shot:
            self.journey.screenshot(page, shot)

    def goto(self, path: str, shot: str | None = None, *, expect_status: int | None = 200):
        response = self.page.goto(self.journey.base_url + path)
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"{path}: expected {expect_status}, got {response.status if response else None}")
        self.check(shot)
        return response

    def submit(self, locator, shot: str | None = None, *, keyboard: str | None = None) -> None:
        """Click `locator` (or press `keyboard` on the focused element) and check the page that follows."""
        with self.page.expect_navigation(wait_until="load"):
            if keyboard:
                self.page.keyboard.press(keyboard)
            else:
                locator.click()
        self.check(shot)

    def download(self, locator) -> bytes:
        with self.page.expect_download() as info:
            locator.click()
        path = info.value.path()
        return Path(path).read_bytes()


class Journey:
    def __init__(self, name: str, browser, base_url: str):
        self.name, self.browser, self.base_url = name, browser, base_url
        self.folder = SCREENSHOTS / name
        self.counter = 0
        self.checked = 0
        self.tabs: list[Tab] = []
        self.contexts = []
        if self.folder.exists():
            for old in self.folder.glob("*.png"):
                old.unlink()
        os.makedirs(self.folder, exist_ok=True)

    def tab(self, who: str, *, phone: bool = False) -> Tab:
        """A fresh browser context (own cookies) and page; `phone=True` is a 390×844 touch screen."""
        context = self.browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam", accept_downloads=True,
                                           **(PHONE if phone else DESKTOP))
        self.contexts.append(context)
        tab = Tab(self, context.new_page(), who)
        self.tabs.append(tab)
        return tab

    def screenshot(self, page, name: str, *, full_page: bool = True) -> Path:
        self.counter += 1
        path = self.folder / f"{self.counter:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 1000
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(request, browser, live_server, journey_settings):
    """`journey("name")`: a Journey whose tabs are closed afterwards; fails if a loaded page went unchecked."""
    made: list[Journey] = []

    def _make(name: str) -> Journey:
        j = Journey(name, browser, live_server.url)
        made.append(j)
        return j

    yield _make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for j in made:
        unchecked = [url for tab in j.tabs for url in tab.unchecked]
        late = [e for tab in j.tabs for e in tab.console_errors + tab.page_errors + tab.server_errors
                if any(m in e for m in CSP_MARKERS) or e in tab.page_errors or e in tab.server_errors]
        j.close()
        if not failed:
            assert not unchecked, f"journey {j.name}: pages shown without an accessibility check: {unchecked}"
            assert not late, f"journey {j.name}: CSP violations, script or server errors on the last page: {late}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- the real worker ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def celery_worker():
    """An in-process Celery worker on the real Redis broker, with eager mode off for the module."""
    from celery.contrib.testing.worker import start_worker

    from opp_portal.celery import app

    url = redis_url()  # skips, or fails under OPP_REQUIRE_SERVICES=1, without Redis
    conf = app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    conf.broker_url = url
    conf.task_always_eager = False
    app._pool = None  # a pool made for another broker must not be reused
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
            yield app
    finally:
        conf.update(saved)
        app._pool = None


@pytest.fixture
def journey_settings(settings, live_server, celery_worker):
    """What the journeys run with: 2FA required, tasks through the worker, email links to the live server."""
    settings.OPP_REQUIRE_2FA = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OPP_SITE_URL = live_server.url
    return settings


def flush_outbox() -> None:
    """Send what the setup queued (in-process) and forget it, so that a journey sees only its own messages."""
    from notifications.services import drain

    drain(limit=10_000)
    mail.outbox.clear()


def deliver_mail(*, expect: int = 1) -> list:
    """Let the worker drain the outbox (task through Redis) and wait for `expect` new messages in locmem."""
    from notifications.tasks import drain_outbox

    before = len(mail.outbox)
    drain_outbox.delay()
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        if len(mail.outbox) >= before + expect:
            return mail.outbox[before:]
        time.sleep(0.1)
    raise AssertionError(f"the worker did not deliver {expect} message(s) within {WORKER_TIMEOUT} s")


# --- logging in ------------------------------------------------------------------------------------------------------


def totp_code(user) -> str:
    """The code the user's authenticator app would show now; one step ahead if the current one was used."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t >= totp.t():
        ahead = device.last_t + 1 - totp.t()
        if ahead > device.tolerance:  # used far ahead already: wait for the clock instead
            time.sleep((ahead - device.tolerance) * device.step)
            totp.time = time.time()
            ahead = max(0, device.last_t + 1 - totp.t())
        totp.time += ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def staff_login(tab: Tab, user, password: str, *, lands_on: str | None = None, shots: bool = False) -> None:
    """Password at /accounts/login/, then the TOTP code at /account/tweestaps/controle/ (OPP_REQUIRE_2FA)."""
    page = tab.page
    tab.goto("/accounts/login/", "login" if shots else None)
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(password)
    tab.submit(page.get_by_role("button", name="Inloggen"))
    assert tab.url_path.startswith("/account/tweestaps/controle/"), tab.url_path
    if shots:
        tab.journey.screenshot(page, "tweestapsverificatie")
    page.get_by_label("Code").fill(totp_code(user))
    tab.submit(page.get_by_role("button", name="Controleren"))
    if lands_on:
        assert tab.url_path.startswith(lands_on), tab.url_path


def portal_login(tab: Tab, username: str, password: str) -> None:
    page = tab.page
    tab.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    tab.submit(page.get_by_role("button", name="Inloggen"))
    assert tab.url_path.startswith("/portaal/"), tab.url_path
