"""bench/locustfile.py, the users of `make bench-load`, stays runnable without a load run.

Every kind of user is declared with its working day, every page a task opens is one of the portal's routes, and
the error rules read a lost session as an error. The load itself runs only in bench/load.py (never in CI).
"""

import ast
import http.server
import importlib
import inspect
import random
import socket
import textwrap
import threading
from collections import Counter

import pytest
from django.urls import NoReverseMatch, resolve, reverse

#: Class → the tasks that make its day, with their weights. Only the begeleider answers reactions; the board has no
#: pupil register (no PUPIL_VIEW) but the adoption queue.
DAY_OF = {
    "Leerkracht": {"open_start_page": 12, "browse_pupil_list": 18, "open_pupil": 22, "open_plan": 16,
                   "open_version": 16, "download_pdf": 1},
    "Schoolleider": {"open_start_page": 12, "browse_pupil_list": 18, "open_pupil": 22, "open_plan": 16,
                     "open_version": 16, "download_pdf": 1},
    "Begeleider": {"open_start_page": 12, "browse_pupil_list": 18, "open_pupil": 22, "open_plan": 16,
                   "open_version": 16, "download_pdf": 1, "answer_reaction": 8},
    "Bestuurder": {"open_start_page": 15, "open_adoption_queue": 15, "open_plan": 30, "open_version": 30,
                   "download_pdf": 1},
    "Ouder": {"open_portal": 20, "open_child": 40, "read_version": 30, "react": 6, "download_pdf": 1},
}


@pytest.fixture(scope="module")
def locustfile():
    # Locust patches the standard library for gevent on import; this test process keeps its own.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOCUST_SKIP_MONKEY_PATCH", "1")
        return importlib.import_module("bench.locustfile")


def _route(name: str) -> str:
    """The path of a URL name, with a made-up id where the route takes one."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(name, args=[7])


def _groups_requested(func) -> set[str]:
    """The page groups a task names in self.visit("…") / self.send("…")."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    return {call.args[0].value for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("visit", "send") and call.args and isinstance(call.args[0], ast.Constant)}


def test_each_kind_of_user_has_its_day(locustfile):
    classes = {cls.__name__: cls for cls in locustfile.USER_CLASSES}
    assert set(classes) == set(DAY_OF)
    for name, cls in classes.items():
        assert not cls.abstract, name
        assert {task.__name__: n for task, n in Counter(cls.tasks).items()} == DAY_OF[name], name
    assert issubclass(classes["Ouder"], locustfile.PortalUser)
    assert not issubclass(classes["Ouder"], locustfile.Medewerker)


def test_think_time_is_half_a_second_to_two_seconds(locustfile):
    random.seed(2026)
    for cls in locustfile.USER_CLASSES:
        waits = [cls.wait_time(None) for _ in range(2000)]
        assert 0.5 <= min(waits) < 0.55 and 1.95 < max(waits) <= 2.0, cls.__name__


@pytest.mark.parametrize("group", ["login:password", "login:2fa", "login:home", "staff:start", "staff:pupil_list",
                                   "staff:pupil", "staff:plan", "staff:version", "staff:pdf", "staff:adoption_queue",
                                   "staff:respond", "portal:home", "portal:child", "portal:version", "portal:react",
                                   "portal:pdf"])
def test_every_page_group_is_a_route(locustfile, group):
    name = locustfile.PAGES[group]
    assert resolve(_route(name)).view_name == name


def test_every_task_opens_known_pages(locustfile):
    for cls in locustfile.USER_CLASSES:
        for task in set(cls.tasks):
            groups = _groups_requested(task)
            assert groups, f"{cls.__name__}.{task.__name__} opens no page"
            assert groups <= set(locustfile.PAGES), f"{cls.__name__}.{task.__name__}: {groups - set(locustfile.PAGES)}"
    assert set(locustfile.PAGES) == {"login:password", "login:2fa", "login:home"} | {
        g for cls in locustfile.USER_CLASSES for task in cls.tasks for g in _groups_requested(task)}


def test_a_redirect_to_login_or_2fa_is_a_lost_session(locustfile):
    assert locustfile.lost_session(reverse("login") + "?next=/start/")
    assert locustfile.lost_session("http://127.0.0.1:8790" + reverse("otp_verify") + "?next=/")
    assert not locustfile.lost_session(reverse("staff_start"))
    assert not locustfile.lost_session("")


def test_the_answer_forms_on_a_plan_page_are_found(locustfile):
    answer = reverse("opp:reaction_respond", args=[42])
    page = f'<form method="post" action="{answer}"><form method="post" action="/opp/versie/3/">'
    assert locustfile.respond_forms().findall(page) == [answer]


def test_accounts_are_handed_out_one_per_user(locustfile):
    roster = locustfile.Roster()
    account = locustfile.Account
    try:
        classes = roster.hand_out({"Begeleider": [account("b1", "aa"), account("b2", "bb")],
                                   "Ouder": [account("o1", child_id=1, version_id=2)]}, ramp=3)
        assert [cls.__name__ for cls in classes] == ["Begeleider", "Ouder"]
        assert [cls.fixed_count for cls in classes] == [2, 1]
        assert locustfile.Leerkracht.fixed_count == 0
        assert not roster.bell.is_set()  # the users wait for it after their login
        begeleider = locustfile.Begeleider
        assert {roster.take(begeleider).username, roster.take(begeleider).username} == {"b1", "b2"}
        with pytest.raises(locustfile.LoginFailed):
            roster.take(begeleider)
    finally:
        for cls in locustfile.USER_CLASSES:
            cls.fixed_count = 0


class _Portal(http.server.BaseHTTPRequestHandler):
    """A real HTTP server that answers as the portal does in the cases the error rules tell apart."""

    ANSWERS = {  # (method, path) → (status, Location)
        ("GET", "/pagina/"): (200, None),
        ("GET", "/verlopen/"): (302, "/accounts/login/?next=/verlopen/"),
        ("GET", "/tweestaps/"): (302, "/account/tweestaps/controle/?next=/"),
        ("GET", "/door/"): (302, "/start/"),
        ("GET", "/kapot/"): (500, None),
        ("POST", "/reageren/"): (302, "/portaal/"),
        ("POST", "/ongeldig/"): (200, None),
    }

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, location = self.ANSWERS[(self.command, self.path)]
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def portal_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_error_rules(locustfile, portal_server, monkeypatch):
    """Outside 2xx/3xx, no connection, a redirect to login or 2FA, a write not accepted: errors; the rest is not."""
    from locust.env import Environment  # imported only after the fixture kept Locust from patching this process

    monkeypatch.setattr(locustfile.Ouder, "host", portal_server)
    env = Environment(user_classes=[locustfile.Ouder])
    outcome = []
    env.events.request.add_listener(lambda name, exception, **_kw: outcome.append((name, str(exception or ""))))
    user = locustfile.Ouder(env)
    for method, url in [("GET", "/pagina/"), ("GET", "/verlopen/"), ("GET", "/tweestaps/"), ("GET", "/door/"),
                        ("GET", "/kapot/"), ("POST", "/reageren/"), ("POST", "/ongeldig/")]:
        user._request(method, url, f"{method} {url}", data={"text": "x"} if method == "POST" else None)
    user._request("GET", f"http://127.0.0.1:{_closed_port()}/", "no server")
    assert outcome == [
        ("GET /pagina/", ""),
        ("GET /verlopen/", "redirect to login/2FA (session lost)"),
        ("GET /tweestaps/", "redirect to login/2FA (session lost)"),
        ("GET /door/", ""),
        ("GET /kapot/", "HTTP 500"),
        ("POST /reageren/", ""),
        ("POST /ongeldig/", "write not accepted (HTTP 200)"),
        ("no server", "ConnectionRefusedError: [Errno 111] Connection refused"),
    ]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
