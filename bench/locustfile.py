"""The users of `make bench-load`: one Locust class per kind of user, its tasks that user's working day.

bench/load.py starts the production processes, seeds the accounts, hands them out (ROSTER.hand_out) and runs
these classes headless through Locust's library API. Every user logs in for real (password at /accounts/login/,
staff then the TOTP code of their own device, computed here), then waits for the bell: the runner rings it once
everybody is in, so the measured window holds the day's pages and not the logins (password hashing is the
costliest request there is). Think time between a user's pages: `between(0.5, 2.0)` seconds.

Requests are named by page group ("staff:pupil", "portal:child", …): Locust's statistics per name are the
tables' rows. Paths come from the URL names (PAGES), so a renamed route breaks here and in
tests/test_bench_locust.py, not silently in a load run. What counts as an error (as before Locust): a status
outside 2xx/3xx, a connection error or timeout, a redirect to the login or 2FA page (the session was lost), and
a write that is not accepted (anything but the redirect after a successful POST).
"""

from __future__ import annotations

import functools
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

import gevent
from django.urls import reverse
from django_otp.oath import totp
from gevent.event import Event
from locust import FastHttpUser, between
from locust.exception import StopUser

PASSWORD = "opp-demo-2026"  # the demo password (security.demo.DEMO_PASSWORD); bench/load.py sets it on the accounts
REQUEST_TIMEOUT = 60  # gunicorn's own --timeout in bin/web
PAGE_SIZE = 25  # rows per page of the pupil list

#: Page group → URL name. The group is the request's name in Locust's statistics.
PAGES = {
    "login:password": "login",
    "login:2fa": "otp_verify",
    "login:home": "home",
    "staff:start": "staff_start",
    "staff:pupil_list": "students:list",
    "staff:pupil": "students:detail",
    "staff:plan": "opp:plan",
    "staff:version": "opp:version",
    "staff:pdf": "opp:version_pdf",
    "staff:adoption_queue": "opp:adoption_queue",
    "staff:respond": "opp:reaction_respond",
    "portal:home": "portal:home",
    "portal:child": "portal:child",
    "portal:version": "portal:version",
    "portal:react": "portal:react",
    "portal:pdf": "portal:version_pdf",
}
LOGIN_GROUPS = tuple(g for g in PAGES if g.startswith("login:"))
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ANY_ID = 987654321


def path(group: str, *ids: int) -> str:
    return reverse(PAGES[group], args=ids)


def lost_session(location: str) -> bool:
    """A redirect to the login or 2FA page: the session is gone."""
    target = urlparse(location).path
    return target.startswith((path("login:password"), path("login:2fa")))


@dataclass
class Account:
    """One seeded login and what it may open: the ids of its school's pupils and plans, or a parent's child."""

    username: str
    totp_key: str = ""  # hex; staff only
    pupils: list[int] = field(default_factory=list)
    plans: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)  # each plan's latest version
    parent_plans: list[int] = field(default_factory=list)  # plans that load parents react on (begeleiders answer)
    child_id: int | None = None  # parents
    version_id: int | None = None  # parents: the version before them in the portal


class LoginFailed(Exception):
    pass


class Roster:
    """Who comes in: the runner hands out the accounts per class before a run and rings the bell when all are in.

    Outside the runner the bell stands open and nobody waits.
    """

    def __init__(self):
        self.pools: dict[type, list[Account]] = {}
        self.logged_in = 0
        self.failures: list[str] = []
        self.bell = Event()
        self.bell.set()
        self.ramp = 0.0  # seconds over which the first pages after the bell are spread

    def hand_out(self, accounts: dict[str, list[Account]], *, ramp: float) -> list[type]:
        """Give each class its accounts (one user per account: a TOTP code is good once per device per 30 s).

        Returns the classes that have accounts, each with `fixed_count` set to their number.
        """
        self.logged_in, self.failures, self.ramp = 0, [], ramp
        self.bell.clear()
        classes = []
        for cls in USER_CLASSES:
            pool = list(accounts.get(cls.__name__, []))
            self.pools[cls] = pool
            cls.fixed_count = len(pool)
            if pool:
                classes.append(cls)
        return classes

    def take(self, cls: type) -> Account:
        pool = self.pools.get(cls)
        if not pool:
            raise LoginFailed(f"no account left for {cls.__name__}: hand them out first (ROSTER.hand_out)")
        return pool.pop()


ROSTER = Roster()


class PortalUser(FastHttpUser):
    """What every user shares: the real login, the error rules, and waiting for the bell."""

    abstract = True
    wait_time = between(0.5, 2.0)
    network_timeout = connection_timeout = REQUEST_TIMEOUT
    default_headers = {"User-Agent": "opp-bench-load (locust)", "Accept": "text/html,application/pdf"}
    home = ""  # the page group where "/" sends this kind of user after login

    def on_start(self) -> None:
        try:
            self.account = ROSTER.take(type(self))
            self.rnd = random.Random(self.account.username)  # noqa: S311 - a load pattern, not security
            self.log_in()
        except LoginFailed as exc:
            ROSTER.failures.append(str(exc))
            raise StopUser from exc
        ROSTER.logged_in += 1
        ROSTER.bell.wait()
        gevent.sleep(self.rnd.uniform(0, ROSTER.ramp))

    # --- requests ----------------------------------------------------------------------------------

    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def visit(self, group: str, *ids: int, query: dict | None = None):
        """GET a page; returns the response, or None when it counted as an error."""
        url = path(group, *ids) + (f"?{urlencode(query)}" if query else "")
        return self._request("GET", url, group)

    def send(self, group: str, *ids: int, data: dict, url: str = ""):
        """POST a form (with the CSRF token); a write is accepted when it answers with a redirect."""
        return self._request("POST", url or path(group, *ids), group, data={"csrfmiddlewaretoken": self.csrf(), **data})

    def _request(self, method: str, url: str, group: str, data: dict | None = None):
        with self.client.request(method, url, name=group, data=data and urlencode(data), allow_redirects=False,
                                 catch_response=True, headers=FORM if data else None) as resp:
            status = resp.status_code
            if status == 0:  # no answer: refused, reset, timed out
                error = getattr(resp, "error", None)
                resp.failure(f"{type(error).__name__}: {error}"[:200])
            elif not 200 <= status < 400:
                resp.failure(f"HTTP {status}")
            elif 300 <= status < 400 and group not in LOGIN_GROUPS and lost_session(resp.headers.get("Location") or ""):
                resp.failure("redirect to login/2FA (session lost)")
            elif method == "POST" and status != 302 and group not in LOGIN_GROUPS:
                resp.failure(f"write not accepted (HTTP {status})")
            else:
                resp.success()
                return resp
        return None

    # --- the login ---------------------------------------------------------------------------------

    def log_in(self) -> None:
        name = self.account.username
        form = self.visit("login:password")
        token = CSRF_RE.search(form.text) if form is not None else None
        if form is None or form.status_code != 200 or not token:
            raise LoginFailed(f"{name}: the login page did not answer with a form")
        done = self._request("POST", path("login:password"), "login:password", data={
            "csrfmiddlewaretoken": token.group(1), "username": name, "password": PASSWORD, "next": ""})
        if done is None or done.status_code != 302:
            raise LoginFailed(f"{name}: the password was not accepted")
        self.second_factor()
        after = self.visit("login:home")
        where = urlparse(after.headers.get("Location", "")).path if after is not None else ""
        if after is None or after.status_code != 302 or where != path(self.home):
            raise LoginFailed(f"{name}: after login / leads to {where!r}, not {path(self.home)}")

    def second_factor(self) -> None:
        """Parents log in with their password alone: MFA is for staff (DOMAIN.md, "Retention and privacy")."""


class Medewerker(PortalUser):
    """School staff: password, then the six-digit code of their authenticator app. Their pages are below; each
    kind of staff has its own day (`tasks`: page → weight)."""

    abstract = True
    home = "staff:start"

    def second_factor(self) -> None:
        for attempt in range(2):
            form = self.visit("login:2fa", query={"next": "/"})
            token = CSRF_RE.search(form.text) if form is not None else None
            if form is None or form.status_code != 200 or not token:
                raise LoginFailed(f"{self.account.username}: the 2FA page did not answer with a form")
            code = f"{totp(bytes.fromhex(self.account.totp_key)):06d}"
            done = self._request("POST", path("login:2fa"), "login:2fa", data={
                "csrfmiddlewaretoken": token.group(1), "token": code, "next": "/"})
            if done is not None and done.status_code == 302:
                return
            if attempt == 0:  # a code is good once per 30-s window per device: wait for the next window
                gevent.sleep(31 - time.time() % 30)
        raise LoginFailed(f"{self.account.username}: the TOTP code was refused twice")

    def open_start_page(self):
        self.visit("staff:start")

    def browse_pupil_list(self):
        """Leafing through the register, searching a name, or filtering on OPP deadlines."""
        pages = max(1, -(-len(self.account.pupils) // PAGE_SIZE))
        r = self.rnd.random()
        if r < 0.15:
            query = {"q": self.rnd.choice(["de", "Jansen", "Emma", "van", "Bos"])}
        elif r < 0.3:
            query = {"termijn": self.rnd.choice(["verlopen", "binnenkort", ""]), "opp": "ja"}
        else:
            query = {"pagina": str(self.rnd.randint(1, min(pages, 10)))}
        self.visit("staff:pupil_list", query=query)

    def open_pupil(self):
        self.visit("staff:pupil", self.rnd.choice(self.account.pupils))

    def open_plan(self):
        self.visit("staff:plan", self.rnd.choice(self.account.plans))

    def open_version(self):
        """The version editor (read here: each plan's latest version)."""
        self.visit("staff:version", self.rnd.choice(self.account.versions))

    def download_pdf(self):
        self.visit("staff:pdf", self.rnd.choice(self.account.versions))

    def open_adoption_queue(self):
        self.visit("staff:adoption_queue")

    def answer_reaction(self):
        """Open a plan the parents react on and answer one open reaction (one outbox row, for the parent)."""
        page = self.visit("staff:plan", self.rnd.choice(self.account.parent_plans))
        forms = respond_forms().findall(page.text) if page is not None else []
        if forms:
            self.send("staff:respond", url=self.rnd.choice(forms),
                      data={"response": "Dank voor uw reactie. We bespreken dit in het volgende overleg."})


#: Reading in school (page → weight): the start page, the pupil list, a pupil, a plan, a version, now and then a PDF.
READING_DAY = {Medewerker.open_start_page: 12, Medewerker.browse_pupil_list: 18, Medewerker.open_pupil: 22,
               Medewerker.open_plan: 16, Medewerker.open_version: 16, Medewerker.download_pdf: 1}


class Leerkracht(Medewerker):
    """A teacher: reads the pupils of their own group and their plans; writes nothing."""

    tasks = READING_DAY


class Begeleider(Medewerker):
    """The intern begeleider: the teacher's reading over the whole school, and answering the parents' reactions."""

    tasks = {**READING_DAY, Medewerker.answer_reaction: 8}


class Schoolleider(Medewerker):
    """The head of the school: in this load the same reading day as a teacher, over the whole school."""

    tasks = READING_DAY


class Bestuurder(Medewerker):
    """The board: the adoption queue and the plans opened from it (no pupil register: no PUPIL_VIEW)."""

    tasks = {Medewerker.open_start_page: 15, Medewerker.open_adoption_queue: 15, Medewerker.open_plan: 30,
             Medewerker.open_version: 30, Medewerker.download_pdf: 1}


class Ouder(PortalUser):
    """A parent in the portal: the child, the OPP before them, now and then a question about it or the PDF."""

    home = "portal:home"

    def open_portal(self):
        self.visit("portal:home")

    def open_child(self):
        self.visit("portal:child", self.account.child_id)

    def read_version(self):
        self.visit("portal:version", self.account.version_id)

    def react(self):
        """A question about the plan: one outbox row per begeleider of the school."""
        self.send("portal:react", self.account.version_id, data={
            "text": f"Wij willen graag weten hoe het lezen nu gaat ({self.rnd.randint(1, 10 ** 6)})."})

    def download_pdf(self):
        self.visit("portal:pdf", self.account.version_id)

    tasks = {open_portal: 20, open_child: 40, read_version: 30, react: 6, download_pdf: 1}


USER_CLASSES = [Begeleider, Leerkracht, Schoolleider, Bestuurder, Ouder]


@functools.cache
def respond_forms() -> re.Pattern:
    """The answer forms on a plan page: action="/opp/reactie/<id>/", built from the URL name."""
    return re.compile('action="(' + re.escape(path("staff:respond", _ANY_ID)).replace(str(_ANY_ID), r"\d+") + ')"')
