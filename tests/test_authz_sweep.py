"""Authorization sweep (issue 10, item 5): every URL pattern × every persona that must not get in.

One world (tests/authz_world.py) holds a real object of school A for every URL kwarg. Each persona requests
every route with a GET and with an empty POST, and gets the answer the rules below predict:

- anonymous → the login page (the admin: its own login page), except the few public pages;
- another school, another board, an outsider, the parent of another pupil, the beheerder → 404 on every
  object of school A (its existence is not revealed); on pages without an object the app's convention
  for that page (403 for a visible page they may not use, 302 to where they belong), written down below;
- the leerkracht → 200 on the reads of their own school, 403 on every write;
- the beheerder → the admin's account pages, never pupil data.

Never a 500. A page that answers 200 never shows a pupil (or guardian) of a school the persona may not see:
the world gives them distinctive surnames. A refused POST changes no data (every row of the pupil apps is
compared before and after). A new route without a rule fails: "new URL …: add an expectation"; a new kwarg
without an object fails: "… add it to ROUTE_OBJECTS".

PDF rendering is stubbed (the sweep is about who gets in; tests/opp/test_pdf.py and friends render).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import reverse

from accounts.models import Membership, Role
from security.admin import admin_site
from tests.auth import login

from . import authz_world
from .authz_world import MARK_A, MARK_A2, MARK_A6
from .urlwalk import ROUTES

APP_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/beheer/login/"
STUB_PDF = b"%PDF-1.4\n%%EOF\n"

# --- Which object each URL kwarg points at ----------------------------------------------------------------

#: route key -> {kwarg: world attribute (its pk is used) or callable(world)}. Objects in the state where their
#: owner could act on them (a concept to bring into overleg, an open consent request, a pending import ...),
#: so that a missing check would really do something.
ROUTE_OBJECTS: dict[str, dict] = {
    "opp:las_export": {"school_pk": "school_a"},
    "opp:las_export_csv": {"school_pk": "school_a"},
    "students:detail": {"pk": "fenna"},
    "students:edit": {"pk": "fenna"},
    "students:guardian_add": {"pk": "fenna"},
    "students:guardian_edit": {"pk": "fenna", "link_pk": "vader_link"},
    "students:guardian_remove": {"pk": "fenna", "link_pk": "vader_link"},
    "students:placement_add": {"pk": "fenna"},
    "students:placement_edit": {"pk": "fenna", "event_pk": "placement"},
    "students:invite_guardian": {"pk": "fenna", "link_pk": "vader_link"},
    "students:invite_pupil": {"pk": "fenna"},
    "students:invitation_remind": {"pk": "fenna", "invitation_pk": "invitation"},
    "students:inzage": {"pk": "fenna"},
    "students:import_preview": {"pk": "batch"},
    "students:import_apply": {"pk": "batch"},
    "students:import_discard": {"pk": "batch"},
    "opp:start": {"student_pk": "sem"},
    "opp:plan": {"pk": "plan"},
    "opp:revision_start": {"pk": "noor_plan"},
    "opp:withdraw": {"pk": "plan"},
    "opp:consultation_add": {"pk": "plan"},
    "opp:consultation_edit": {"pk": "plan", "consultation_pk": "consultation"},
    "opp:version": {"pk": "concept"},
    "opp:to_overleg": {"pk": "concept"},
    "opp:version_autosave": {"pk": "concept"},
    "opp:diff": {"pk": "v2"},
    "opp:copy_forward": {"pk": "concept"},
    "opp:consent_request": {"pk": "in_overleg"},
    "opp:consent_withdraw": {"pk": "consent_request"},
    "opp:consent_remind": {"pk": "consent_request"},
    "opp:consent_paper": {"pk": "consent_request"},
    "opp:consent_scan": {"pk": "consent_answer"},
    "opp:reaction_respond": {"pk": "reaction"},
    "opp:submit": {"pk": "in_overleg"},
    "opp:version_pdf": {"pk": "v1"},
    "opp:archived_pdf": {"pk": "v1"},
    "opp:adoption_review": {"pk": "v2"},
    "opp:bekendmaking_record": {"pk": "v1"},
    "opp:bekendmaking_letter": {"pk": "v1", "party": lambda w: f"ouder-{w.moeder.pk}"},
    "opp:withdrawal_notice_record": {"pk": "withdrawn_plan"},
    "opp:withdrawal_notice_letter": {"pk": "withdrawn_plan", "party": lambda w: f"ouder-{w.tim_moeder.pk}"},
    "opp:measurements": {"pk": "goal"},
    "opp:measurement_edit": {"pk": "measurement"},
    "opp:measurement_delete": {"pk": "measurement"},
    "evaluations:record": {"pk": "plan"},
    "evaluations:detail": {"pk": "evaluation"},
    "evaluations:pdf": {"pk": "evaluation"},
    "evaluations:commission_record": {"pk": "lotte_plan"},
    "evaluations:commission_detail": {"pk": "commission_evaluation"},
    # A pupil's admission decisions (swv): Fenna's TLV, with its document.
    "swv:pupil": {"pk": "fenna"},
    "swv:record": {"pk": "fenna"},
    "swv:withdraw": {"pk": "tlv"},
    "swv:upload": {"pk": "tlv"},
    "swv:document": {"pk": "tlv"},
    # Fenna's request to the SWV (swv.requests), "klaar" with its package; the parents' pages of it.
    "swv:request_list": {"pk": "fenna"},
    "swv:request_compose": {"pk": "fenna"},
    "swv:request_detail": {"pk": "swv_request"},
    "swv:request_attach": {"pk": "swv_request"},
    "swv:request_inform": {"pk": "swv_request"},
    "swv:request_ready": {"pk": "swv_request"},
    "swv:request_pdf": {"pk": "swv_request"},
    "swv:request_json": {"pk": "swv_request"},
    "swv:request_hand_in": {"pk": "swv_request"},
    "swv:request_decide": {"pk": "swv_request"},
    "swv:request_withdraw": {"pk": "swv_request"},
    "portal:swv_requests": {"pk": "fenna"},
    "portal:swv_request": {"pk": "swv_request"},
    "disputes:detail": {"pk": "dispute"},
    "disputes:dates": {"pk": "dispute"},
    "disputes:advice": {"pk": "dispute"},
    "disputes:response": {"pk": "dispute"},
    "disputes:close": {"pk": "dispute"},
    "disputes:upload": {"pk": "dispute"},
    "disputes:document": {"pk": "dispute", "doc_pk": "document"},
    "disputes:letter": {"pk": "dispute"},
    "disputes:export": {"pk": "dispute"},
    "disputes:export_status": {"pk": "dispute", "export_pk": "export"},
    "disputes:export_download": {"pk": "dispute", "export_pk": "export"},
    "disputes:school_documents": {"school_pk": "school_a"},
    "disputes:school_document": {"school_pk": "school_a", "doc_pk": "school_document"},
    "portal:child": {"pk": "fenna"},
    "portal:inzage": {"pk": "fenna"},
    "portal:version": {"pk": "v2"},
    "portal:react": {"pk": "v2"},
    "portal:version_pdf": {"pk": "v1"},
    "portal:bekendmaking_letter": {"pk": "v1"},
    "portal:answer": {"pk": "consent_request"},
    "portal:evaluation_react": {"pk": "evaluation"},
    "portal:evaluation_pdf": {"pk": "evaluation"},
    "portal:dispute_letter": {"pk": "dispute"},
    "portal:invitation_landing": {"token": lambda w: w.token},
    # The admin. No pupil model is registered there; two probes ask for one anyway: "view on site" for a
    # pupil, and the catch-all with the address a Student admin would have.
    "admin:view_on_site": {"content_type_id": lambda w: _content_type("students.student"), "object_id": "fenna"},
    "admin:app_list": {"app_label": lambda w: "accounts"},
    "admin:beheer/(?P<url>.*)$": {"url": lambda w: f"students/student/{w.fenna.pk}/change/"},
    "admin:auth_user_password_change": {"id": "leerkracht"},
    # Four eyes and activation (issue 16): school A's pending request, and a new colleague's activation link.
    "approval_decide": {"pk": "approval"},
    # The goal bank: board A's text, and a membership of school A for the schoolleider's grant.
    "opp:bank_edit": {"pk": "bank_text"},
    "opp:bank_toggle": {"pk": "bank_text"},
    "opp:bank_grant": {"pk": "leerkracht_membership"},
    "activation_landing": {"token": lambda w: w.activation_token},
}

#: The admin's per-object routes take the object of their model from here (a colleague of school A, never the
#: beheerder's own account). A newly registered admin model fails the sweep until it is added: look first
#: whether it holds pupil data (it must not).
ADMIN_OBJECTS: dict[str, object] = {
    "accounts.board": lambda w: w.school_a.board_id,
    "accounts.samenwerkingsverband": lambda w: w.school_a.samenwerkingsverband_id,
    "accounts.school": "school_a",
    "accounts.membership": "leerkracht_membership",
    "accounts.user": "leerkracht",
    "audit.auditevent": "audit_row",
    "swv.leadtime": "lead_time",  # an SWV's request lead time: no pupil data
}

#: Routes whose kwargs the sweep cannot fill, with the reason. Empty: every route gets a real object.
UNFILLABLE: dict[str, str] = {}


def _content_type(label):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(apps.get_model(label)).pk


def _admin_model(key: str) -> str | None:
    """The model label ("accounts.school") of an admin route for one object, or None."""
    match = (re.fullmatch(r"admin:([a-z_]+?)_([a-z]+)_(?:history|delete|change)", key)
             or re.fullmatch(r"admin:beheer/(\w+)/(\w+)/<path:object_id>/", key))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def objects_of(route) -> dict:
    if route.key in ROUTE_OBJECTS:
        return ROUTE_OBJECTS[route.key]
    model = _admin_model(route.key)
    if model in ADMIN_OBJECTS:
        return {"object_id": ADMIN_OBJECTS[model]}
    raise KeyError(route.key)


def _value(world, spec):
    if callable(spec):
        return spec(world)
    obj = getattr(world, spec)
    return getattr(obj, "pk", obj)


def url_for(route, world) -> str:
    if not route.kwargs:
        return route.path
    return route.build({kwarg: _value(world, spec) for kwarg, spec in objects_of(route).items()})


# --- What each persona must get ------------------------------------------------------------------------------

#: The personas the sweep runs as (the name of a `personas` fixture attribute, or of an authz_world one).
PERSONAS = ["anonymous", "begeleider_a2", "begeleider_b", "bestuurder_b", "leerkracht_a", "ouder_bram", "beheerder_a",
            "outsider"]
STAFF = {"begeleider_a2", "begeleider_b", "bestuurder_b", "leerkracht_a", "beheerder_a"}
#: The surnames a persona may never see on a page: every persona but the leerkracht (group 5 of school A) and
#: begeleider_a2 (school A2) may see neither school's pupils; the leerkracht never sees group 6 (need to know).
UNSEEN = {"leerkracht_a": {MARK_A2, MARK_A6}, "begeleider_a2": {MARK_A, MARK_A6}}
DEFAULT_UNSEEN = {MARK_A, MARK_A2, MARK_A6}


@dataclass(frozen=True)
class E:
    """The expected answer to a GET and to an empty POST. A status is an int, a set of ints, or (302, path
    prefix the redirect goes to)."""

    get: object
    post: object = None

    def for_method(self, method: str):
        return self.get if method == "get" or self.post is None else self.post


OK = E(200)
FORBIDDEN = E(403)  # a page or object the persona may see, an action they may not take
HIDDEN = E(404)  # an object outside the persona's reach: its existence is not revealed

#: Views that take POST only (GET: 405, once logged in) and views that answer GET only (POST: 405).
POST_ONLY = {
    "logout", "otp_backup_codes", "otp_remove",
    "students:guardian_remove", "students:import_apply", "students:import_discard", "students:inzage",
    "opp:start", "opp:revision_start", "opp:to_overleg", "opp:consent_request", "opp:consent_withdraw", "opp:consent_remind",
    "opp:reaction_respond", "opp:submit", "opp:bekendmaking_record", "opp:withdrawal_notice_record",
    "disputes:dates", "disputes:advice", "disputes:response", "disputes:close", "disputes:upload", "disputes:export",
    "portal:react", "portal:answer", "portal:evaluation_react", "portal:inzage", "portal:invitation_exchange",
    "students:invitation_remind", "opp:version_autosave",
    "approval_decide", "activation_exchange",
    "opp:measurement_delete",
    "opp:bank_toggle", "opp:bank_grant",
}
GET_ONLY = {"swv:pupil", "swv:document", "students:export", "opp:version_pdf", "evaluations:pdf", "portal:version_pdf", "portal:evaluation_pdf",
            "portal:dispute_letter", "portal:bekendmaking_letter",
            "opp:bekendmaking_letter", "opp:withdrawal_notice_letter",
            "opp:bank_list", "opp:bank_export", "opp:bank_grants",
            "sso_start", "sso_callback", "sso_logged_out",
            "opp:las_export", "opp:las_export_csv",
            "swv:overview_school", "swv:overview_board"}

#: What the leerkracht may open of their own school; every other staff route of school A is a write (403).
LEERKRACHT_READS = {"students:detail", "opp:plan", "opp:diff", "opp:version", "opp:version_pdf", "opp:archived_pdf",
                    "evaluations:detail", "evaluations:pdf"}


@dataclass(frozen=True)
class Rule:
    pattern: str  # matched against the route key with re.fullmatch
    why: str
    default: object = None  # for a logged-in persona not named below: an E, or a callable(route key) -> E
    personas: dict | None = None  # persona -> E, or a callable(route key) -> E

    def expect(self, key: str, persona: str) -> E | None:
        exp = (self.personas or {}).get(persona, self.default)
        return exp(key) if callable(exp) else exp


_staff_home = {p: E((302, "/start/")) for p in STAFF}

RULES: list[Rule] = [
    # --- Pages of one's own account: everyone who is logged in.
    Rule("login", "a logged-in user is sent on (redirect_authenticated_user)", E((302, "/"))),
    Rule("logout", "POST only; the POST logs out (the sweep logs in again)", E(405, (302, APP_LOGIN))),
    Rule("home", "the start page depends on who you are: staff to /start/, everyone else to the portal",
         E((302, "/portaal/")), _staff_home),
    Rule("staff_start", "staff only; anyone else goes back to the start (and so to the portal)", E((302, "/")),
         {p: OK for p in STAFF}),
    Rule("notification_preferences", "own mail preference, no pupil data", E(200, (302, "/account/berichten/"))),
    Rule("health", "liveness for the proxy, no pupil data", OK),
    Rule("set_language", "redirects back", E((302, "/"))),
    Rule(r"otp_\w+|account_security|password_change", "own second factor and password: any logged-in user",
         E({200, 302})),
    # --- Pages without an object: 200 where the persona has the right somewhere (and then only their own
    # school's or board's rows, which the pupil-name check proves), else 403: a parent or an outsider who
    # types /leerlingen/ is told "not for you" — the page exists for every school, so that reveals nothing.
    Rule("audit_log", "the log of the schoolleider's school or the bestuurder's board", FORBIDDEN,
         {"bestuurder_b": OK}),
    Rule("students:list|students:export", "the register (and its CSV) of the schools where one reads pupils",
         FORBIDDEN,
         {"begeleider_a2": OK, "begeleider_b": OK, "leerkracht_a": OK}),
    Rule("students:create|students:import_upload", "enrol or import at a school where one edits pupils", FORBIDDEN,
         {"begeleider_a2": OK, "begeleider_b": OK}),
    Rule("opp:adoption_queue", "plans waiting for the persona's adoption (own board)", FORBIDDEN,
         {"bestuurder_b": OK}),
    Rule("opp:verify", "anyone who reads plans somewhere may check a PDF (against their own schools)", FORBIDDEN,
         {"begeleider_a2": OK, "begeleider_b": OK, "bestuurder_b": OK, "leerkracht_a": OK}),
    Rule("disputes:list|disputes:register", "the disputes of the persona's board", FORBIDDEN, {"bestuurder_b": OK}),
    # The SWV overviews (swv.overviews): the schoolleider's of the school (no schoolleider among the personas), the
    # bestuurder's of the board (bestuurder_b: board B's; school A2's vso pupil without a TLV is board A's finding).
    Rule("swv:overview_school", "the schoolleider's SWV overview of their school", FORBIDDEN),
    Rule("swv:overview_board", "the bestuurder's SWV overview of the board's schools", FORBIDDEN, {"bestuurder_b": OK}),
    Rule("portal:home", "the portal lists one's own children: empty for staff, Bram only for his father", OK),
    Rule("portal:invitation_landing", "public: the emailed link's page POSTs the token, exchanges nothing", OK),
    # Four eyes (issue 16): the schoolleider and the bestuurder decide; school A's request is nobody else's.
    Rule("approvals", "the requests of one's school or board (bestuurder_b: board B's, none of school A)",
         FORBIDDEN, {"bestuurder_b": OK}),
    Rule("approval_decide", "school A's request: outside the approvers of school A it does not exist", HIDDEN),
    Rule("activation_landing", "public: the e-mailed link's page POSTs the token, exchanges nothing", OK),
    # Single sign-on (security.sso): not configured in the sweep (no OIDC_ISSUER), so its pages do not exist;
    # tests/security/test_sso_login.py runs them against a real provider.
    Rule("sso_start|sso_callback", "single sign-on is not configured: not found for anyone", HIDDEN),
    Rule("sso_logged_out", "public: the page after logout, with nothing of the account", OK),
    Rule("activation_exchange", "POST only; an empty token is not valid", E(405, 410)),
    Rule("activation_password", "without an exchanged activation in the session: link not valid", E(410)),
    Rule("portal:invitation_exchange", "POST only; an empty token is not valid", E(405, 410)),
    Rule("portal:invitation_account", "without an exchanged invitation in the session: link not valid", E(410)),
    # The goal bank (opp.bank): for those who manage a bank (bestuurder_b: board B's; a school's texts are their
    # school's); board A's text and school A's grants are outside everyone's reach here.
    Rule("opp:bank_list|opp:bank_add|opp:bank_import|opp:bank_export", "one's own goal bank", FORBIDDEN,
         {"bestuurder_b": OK}),
    Rule("opp:bank_grants", "the schoolleider's grants (no schoolleider among the personas)", FORBIDDEN),
    Rule("opp:bank_edit|opp:bank_toggle|opp:bank_grant", "board A's text / school A's membership", HIDDEN),
    # --- Objects. School A2's commission evaluation: begeleider_a2 reads it (own school) but is no commission.
    Rule("evaluations:commission_detail", "school A2's object", HIDDEN, {"begeleider_a2": OK}),
    Rule("evaluations:commission_record", "school A2's object; only the commission records", HIDDEN,
         {"begeleider_a2": FORBIDDEN}),
    # School A's staff side: the leerkracht reads, never writes; everyone else is outside school A.
    # A pupil's admission decisions (swv): read where the pupil is read, recorded by whoever changes pupil data.
    Rule(r"swv:(pupil|record|withdraw|upload|document)", "school A's pupil's admission decisions", HIDDEN,
         {"leerkracht_a": lambda key: OK if key in {"swv:pupil", "swv:document"} else FORBIDDEN}),
    Rule(r"(students|opp|evaluations):\w+", "school A's objects", HIDDEN,
         {"leerkracht_a": lambda key: OK if key in LEERKRACHT_READS else FORBIDDEN}),
    # Disputes are for the board's geschillen and bestuurder (and the school's schoolleider): the leerkracht
    # of the school does not reach them either. The portal's objects are Fenna's mother's only.
    Rule(r"(disputes|portal):\w+", "school A's disputes / Fenna's portal pages", HIDDEN),
    # --- The admin: only for the beheerder (and the superuser); everyone else goes to its login page.
    Rule(r"admin:.*", "admin_view: without admin rights, to the admin's login page (its login page itself is a "
                      "form without data; its logout sends to the index, and so to the login page)",
         lambda key: {"admin:login": OK, "admin:logout": E((302, "/beheer/"))}.get(key, E((302, ADMIN_LOGIN))),
         {"beheerder_a": lambda key: beheerder_admin(key)}),
]

#: Explicit per-route exceptions to RULES, with the reason.
EXCEPTIONS: dict[tuple[str, str], tuple[E, str]] = {
    ("opp:version", "leerkracht_a"): (
        E(200, 404), "an empty POST names no section: the editor answers 404 before the rights check; with a section "
                     "the leerkracht gets 403 (tests/opp/test_views.py::test_leerkracht_gets_403_on_writes)"),
    ("opp:version_autosave", "leerkracht_a"): (
        E(405, 404), "as opp:version: an empty POST names no section, a 404 before the rights check; with a section "
                     "the leerkracht gets 403 (tests/opp/test_editor.py::test_autosave_follows_the_access_rules_of_the_page)"),
    ("opp:adoption_review", "leerkracht_a"): (
        HIDDEN, "the review page holds only versions the user may adopt: for anyone else the version is not there "
                "(the leerkracht reads it at opp:version)"),
    ("opp:measurements", "leerkracht_a"): (
        E(200, 403), "the goal's measurements are a read of the plan; recording one is a write (PLAN_EDIT)"),
    ("opp:consent_scan", "leerkracht_a"): (
        FORBIDDEN, "the signed consent form is the begeleider's (PLAN_EDIT), not a read of the plan"),
}

# --- Requests to the SWV (swv.requests): the staff of the pupil's school compose and act, the leerkracht of the
# pupil's group reads them (as the admission decisions), everyone else does not reach them. The parents' pages fall
# under the portal's rule above (Fenna's mother's only).
SWV_REQUEST_READS = {"swv:request_list", "swv:request_detail", "swv:request_pdf", "swv:request_json"}
POST_ONLY |= {"swv:request_attach", "swv:request_inform", "swv:request_ready"}
GET_ONLY |= {"swv:request_list", "swv:request_pdf", "swv:request_json", "portal:swv_requests"}
RULES.insert(0, Rule(r"swv:request_\w+", "school A's pupil's requests to the SWV", HIDDEN,
                     {"leerkracht_a": lambda key: OK if key in SWV_REQUEST_READS else FORBIDDEN}))

#: Anonymous visitors: the login page for everything but these public pages.
ANONYMOUS_PUBLIC: dict[str, E] = {
    "login": OK,
    "logout": E(405, (302, APP_LOGIN)),
    "health": OK,
    "set_language": E((302, "/")),
    "portal:invitation_landing": OK,
    "portal:invitation_exchange": E(405, 410),
    "portal:invitation_account": E(410),
    "activation_landing": OK,
    "activation_exchange": E(405, 410),
    "activation_password": E(410),
    "sso_start": E(404, 405),
    "sso_callback": E(404, 405),
    "sso_logged_out": E(200, 405),
    "admin:login": OK,
    "admin:logout": E((302, "/beheer/")),
}

# The beheerder in the admin (ARCHITECTURE.md: users, schools, memberships; no pupil data, no audit log).
_ADMIN_SITE_PAGES = {
    "admin:index": OK, "admin:app_list": OK,
    "admin:login": E((302, "/beheer/"), 200),  # already logged in: GET goes to the index; an empty POST: the form
    "admin:logout": E(405, (302, APP_LOGIN)),  # POST only; logs out (the sweep logs in again)
    "admin:password_change": OK, "admin:password_change_done": E(200, 405),
    "admin:autocomplete": E(403, 405),  # no autocomplete fields are registered
    "admin:jsi18n": E(200, 405),
    "admin:view_on_site": HIDDEN,  # a pupil's content type: no admin, no redirect to the pupil
    "admin:beheer/(?P<url>.*)$": HIDDEN,  # students/student/<pk>/change/: no such admin
    "admin:auth_user_password_change": FORBIDDEN,  # a colleague's password: nobody sets it (issue 16)
}
#: Per admin model: changelist, add, history, delete, change. Boards are made by the superuser; accounts and
#: schools are ended, not deleted; the audit log is the superuser's only (retention runs: `retention_sweep --runs`).
_ADMIN_MODELS = {
    "accounts.board": (200, 403, 200, 403, 200),
    "accounts.samenwerkingsverband": (200, 200, 200, 403, 200),
    "accounts.school": (200, 200, 200, 403, 200),
    "accounts.membership": (200, 200, 200, 200, 200),  # a colleague's membership may be ended
    "accounts.user": (200, 200, 200, 403, 200),
    "audit.auditevent": (403, 403, 403, 403, 403),
    "swv.leadtime": (200, 200, 200, 403, 200),  # changed, never deleted (the default would silently take over)
}


def beheerder_admin(key: str) -> E | None:
    if key in _ADMIN_SITE_PAGES:
        return _ADMIN_SITE_PAGES[key]
    if match := re.fullmatch(r"admin:beheer/(\w+)/(\w+)/<path:object_id>/", key):
        label = f"{match.group(1)}.{match.group(2)}"
        # The old-style object URL redirects to the change page (whose rights are checked there).
        return E((302, f"/beheer/{match.group(1)}/{match.group(2)}/")) if label in _ADMIN_MODELS else None
    if match := re.fullmatch(r"admin:([a-z_]+?)_([a-z]+)_(changelist|add|history|delete|change)", key):
        statuses = _ADMIN_MODELS.get(f"{match.group(1)}.{match.group(2)}")
        if statuses:
            return E(statuses[("changelist", "add", "history", "delete", "change").index(match.group(3))])
    return None


class NoExpectation(Exception):
    pass


def expected(route, persona: str) -> tuple[E, str]:
    """(expected answer, why) for this persona on this route; NoExpectation for a route nobody thought about."""
    key = route.key
    if (key, persona) in EXCEPTIONS:
        return EXCEPTIONS[(key, persona)]
    if persona == "anonymous":
        if key in ANONYMOUS_PUBLIC:
            return ANONYMOUS_PUBLIC[key], "public page"
        login_page = ADMIN_LOGIN if route.namespace == "admin:" else APP_LOGIN
        return E((302, login_page)), "login required"
    for rule in RULES:
        if re.fullmatch(rule.pattern, key):
            exp = rule.expect(key, persona)
            if exp is None:
                break
            if route.namespace != "admin:":
                # login_required runs first, then the method check, then the view's own rights check.
                if key in POST_ONLY:
                    exp = E(405, exp.for_method("post"))
                if key in GET_ONLY:
                    exp = E(exp.get, 405)
            return exp, rule.why
    raise NoExpectation(f"new URL {key} ({route.path}): add an expectation for {persona} to RULES in {__name__}")


# --- Running it ----------------------------------------------------------------------------------------------


def _matches(spec, response) -> bool:
    if isinstance(spec, tuple):
        status, prefix = spec
        return response.status_code == status and urlsplit(response["Location"]).path.startswith(prefix)
    if isinstance(spec, (set, frozenset)):
        return response.status_code in spec
    return response.status_code == spec


def _describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def _body(response) -> str:
    if getattr(response, "streaming", False) or "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


#: Rows a GET or a refused POST may add: the audit trail of reads and refusals, sessions, one's own settings.
UNWATCHED = {"audit.auditevent", "security.usersession", "notifications.preference"}
WATCHED_APPS = ("accounts", "students", "opp", "evaluations", "disputes", "portal", "notifications", "deadlines",
                "retention", "swv")


def snapshot() -> dict[str, set]:
    """Every row of the apps that hold pupil data and accounts (last_login aside), to compare after the sweep."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in WATCHED_APPS or label in UNWATCHED or model._meta.proxy:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
        rows[label] = {repr(row) for row in model._default_manager.values_list(*fields)}  # JSON fields: lists
    return rows


def _changes(before, after) -> list[str]:
    out = []
    for label in before:
        added, removed = after[label] - before[label], before[label] - after[label]
        if added or removed:
            out.append(f"{label}: +{sorted(added, key=str)[:2]} -{sorted(removed, key=str)[:2]}")
    return out


@pytest.fixture
def sweep_world(org, personas, settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from disputes import letter
    from evaluations import pdf as evaluation_pdf
    from opp import bekendmaking_pdf
    from opp import pdf as opp_pdf

    monkeypatch.setattr(opp_pdf, "render_version_pdf", lambda *a, **k: STUB_PDF)
    monkeypatch.setattr(bekendmaking_pdf, "render_letter", lambda *a, **k: STUB_PDF)
    monkeypatch.setattr(evaluation_pdf, "render_evaluation_pdf", lambda *a, **k: STUB_PDF)
    monkeypatch.setattr(letter, "render_response_letter", lambda *a, **k: STUB_PDF)
    return authz_world.build(org, personas)


def _user(name, world, personas):
    if name == "anonymous":
        return None
    return getattr(world, name, None) or getattr(personas, name)


def _routes():
    return [r for r in ROUTES if not r.path.startswith("/static/")]


def test_every_route_has_its_objects_and_an_expectation_for_every_persona():
    """Without a database: the tables cover every URL pattern (a new one fails here first, with its name)."""
    problems = []
    for route in _routes():
        if route.kwargs and route.key not in UNFILLABLE:
            try:
                missing = set(route.kwargs) - set(objects_of(route))
            except KeyError:
                problems.append(f"new URL {route.key} ({route.path}): add its objects to ROUTE_OBJECTS (or ADMIN_OBJECTS)")
                continue
            if missing:
                problems.append(f"{route.key}: no object for {sorted(missing)} in ROUTE_OBJECTS")
        for persona in PERSONAS:
            try:
                expected(route, persona)
            except NoExpectation as exc:
                problems.append(str(exc))
                break
    # The tables name only routes that exist, so they cannot go stale.
    keys = {r.key for r in _routes()}
    problems += [f"ROUTE_OBJECTS names {k}, which is not a URL" for k in ROUTE_OBJECTS if k not in keys]
    problems += [f"EXCEPTIONS names {k}, which is not a URL" for k, _p in EXCEPTIONS if k not in keys]
    problems += [f"{k} in POST_ONLY/GET_ONLY is not a URL" for k in POST_ONLY | GET_ONLY if k not in keys]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", PERSONAS)
@override_settings(OPP_REQUIRE_2FA=True)
def test_sweep(client, sweep_world, personas, persona):
    user = _user(persona, sweep_world, personas)
    unseen = UNSEEN.get(persona, DEFAULT_UNSEEN)
    before = snapshot()
    failures, visited = [], 0
    for route in _routes():
        if route.kwargs and route.key in UNFILLABLE:
            continue
        try:
            exp, why = expected(route, persona)
            url = url_for(route, sweep_world)
        except (NoExpectation, KeyError) as exc:
            failures.append(f"{route.key}: {exc}")
            continue
        for method in ("get", "post"):
            if user is not None and "_auth_user_id" not in client.session:
                login(client, user)  # after a logout route (and at the start)
            try:
                response = getattr(client, method)(url)
            except Exception as exc:  # noqa: BLE001  (a 500: reported with the rest, not one at a time)
                failures.append(f"{method.upper()} {url} ({route.key}): 500, {type(exc).__name__}: {exc}"[:400])
                continue
            visited += 1
            spec = exp.for_method(method)
            if not _matches(spec, response):
                failures.append(f"{method.upper()} {url} ({route.key}): {_describe(response)}, expected {spec} — {why}")
            body = _body(response)
            leaked = sorted(mark for mark in unseen if mark in body)
            if leaked:
                failures.append(f"{method.upper()} {url} ({route.key}): shows pupils of another school ({leaked})")
    changed = _changes(before, snapshot())
    failures += [f"data changed by {persona}'s requests: {c}" for c in changed]
    assert visited > 2 * 60, visited
    assert not failures, f"{persona}: {len(failures)} problems\n" + "\n".join(failures)


# --- The control: each object route's owner does get in -----------------------------------------------------

#: Who may use each object route (first match). The sweep's 404s only prove a refusal if the object is there.
OWNERS = [
    (r"swv:(pupil|record|withdraw|upload|document)", "begeleider_a"),  # staff of the pupil's school (PUPIL_EDIT)
    ("opp:withdraw", "schoolleider_mandaat_a"),  # PLAN_WITHDRAW: the board or its mandate (R-SET-5)
    ("opp:adoption_review", "bestuurder_a"),
    ("opp:bank_edit|opp:bank_toggle", "bestuurder_a"),  # board A's goal bank
    ("opp:bank_grant", "schoolleider_a"),  # the school's schoolleider grants its goal bank
    (r"evaluations:commission_\w+", "commissie_a2"),
    (r"(students|opp|evaluations):\w+", "begeleider_a"),
    (r"disputes:\w+", "geschillen_a"),
    (r"portal:\w+", "moeder_fenna"),
    ("approval_decide", "schoolleider_a"),  # an empty POST decides nothing: back to the list
]
OWNERS.insert(0, (r"swv:request_\w+", "begeleider_a"))  # staff of the pupil's school (swv.access.WRITE_CAP)
#: Object routes without an owner check here, and why.
NO_OWNER_CHECK = {
    "portal:invitation_landing": "public: the page does not look the token up",
    "portal:dispute_letter": "the sweep's dispute is still open, so there is no letter yet for anyone (404); "
                             "tests/portal/test_read_first.py checks that the parties of a closed one get it",
    "portal:bekendmaking_letter": "no party of the sweep's world has been told of v1 yet (403 for the parents too); "
                                  "tests/portal/test_bekendmaking_letter.py checks that a told party gets their own letter",
    "activation_landing": "public: the page does not look the token up",
    "opp:version_autosave": "an empty POST names no section (404, as the editor's own POST); "
                            "tests/opp/test_editor.py saves through it as the owner",
}


@override_settings(OPP_REQUIRE_2FA=True)
def test_the_owner_of_every_object_gets_in(client, sweep_world, personas):
    """GET (or, for POST-only actions, POST) as the object's owner: never 403, 404, 405 or a 500. Reads first;
    then the actions, last route first, so that no action removes the object of one checked after it (the
    import is discarded before it is applied; the guardian's invitation is sent before the link goes)."""
    routes = [r for r in _routes() if r.kwargs and r.namespace != "admin:" and r.key not in NO_OWNER_CHECK]
    ordered = [r for r in routes if r.key not in POST_ONLY] + [r for r in routes if r.key in POST_ONLY][::-1]
    failures, current = [], None
    for route in ordered:
        owner = next((who for pattern, who in OWNERS if re.fullmatch(pattern, route.key)), None)
        if owner is None:
            failures.append(f"{route.key}: add its owner to OWNERS (or the route to NO_OWNER_CHECK, with the reason)")
            continue
        if owner != current:
            login(client, _user(owner, sweep_world, personas))
            current = owner
        method = "post" if route.key in POST_ONLY else "get"
        url = url_for(route, sweep_world)
        try:
            response = getattr(client, method)(url)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{method.upper()} {url} ({route.key}) as {owner}: 500, {type(exc).__name__}: {exc}"[:400])
            continue
        if response.status_code in (403, 404, 405) or response.status_code >= 500:
            failures.append(f"{method.upper()} {url} ({route.key}) as {owner}: {_describe(response)}")
    assert len(ordered) > 50
    assert not failures, "\n".join(failures)


# --- The beheerder and the admin -------------------------------------------------------------------------------

PUPIL_APPS = {"students", "opp", "evaluations", "disputes", "portal", "notifications", "deadlines", "swv"}


#: Models of a pupil app that hold no pupil data and are maintained in the beheer site, and why.
NOT_PUPIL_DATA = {"swv.leadtime": "the SWV's request lead time (a day and month, or a number of weeks)"}


def test_no_pupil_model_is_registered_in_the_admin():
    registered = {model._meta.label_lower for model in admin_site._registry}
    assert not {label for label in registered if label.split(".")[0] in PUPIL_APPS} - set(NOT_PUPIL_DATA), registered
    assert not [f.name for f in apps.get_model("swv.leadtime")._meta.get_fields() if f.is_relation
                and f.related_model is not None and f.related_model._meta.app_label in PUPIL_APPS - {"swv"}]
    # Every registered model is in the sweep's tables: a new one is looked at before it ships.
    assert registered == set(ADMIN_OBJECTS), registered ^ set(ADMIN_OBJECTS)
    assert registered == set(_ADMIN_MODELS)


@override_settings(OPP_REQUIRE_2FA=True)
def test_beheerder_cannot_reach_a_parents_account_in_the_admin(client, sweep_world, personas):
    login(client, personas.beheerder_a)
    for name in ("admin:accounts_user_change", "admin:accounts_user_history", "admin:auth_user_password_change"):
        response = client.get(reverse(name, args=[sweep_world.moeder_fenna.pk]))
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index"), name
        assert MARK_A not in _body(response)
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    listed = set(changelist.context["cl"].queryset)
    assert personas.leerkracht_a in listed and sweep_world.moeder_fenna not in listed and sweep_world.ouder_bram not in listed
    assert MARK_A not in changelist.content.decode()
    # Nor found by searching for her name.
    assert sweep_world.moeder_fenna not in client.get(reverse("admin:accounts_user_changelist"), {"q": MARK_A}).context["cl"].queryset


@override_settings(OPP_REQUIRE_2FA=True)
def test_beheerder_cannot_hand_a_colleagues_role_to_themselves(client, sweep_world, personas, org):
    """tests/accounts/test_admin.py refuses the add view and the change of their own membership; here the
    other way round: re-pointing a colleague's membership at their own account is refused, with a message."""
    login(client, personas.beheerder_a)
    membership = sweep_world.leerkracht_membership
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    response = client.post(url, {"user": personas.beheerder_a.pk, "role": Role.SCHOOLLEIDER, "school": org.school_a.pk,
                                 "adoption_mandate": "on"})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert 'class="errornote"' in response.content.decode()
    membership.refresh_from_db()
    assert (membership.user, membership.role) == (personas.leerkracht_a, Role.LEERKRACHT)
    assert set(Membership.objects.filter(user=personas.beheerder_a).values_list("role", flat=True)) == {Role.BEHEERDER}


@override_settings(OPP_REQUIRE_2FA=True)
def test_beheerder_cannot_add_a_role_through_their_own_account_page(client, personas, org):
    """The roles on the account page are read-only: a posted inline row creates nothing."""
    login(client, personas.beheerder_a)
    me = personas.beheerder_a
    url = reverse("admin:accounts_user_change", args=[me.pk])
    assert client.get(url).status_code == 200
    own = Membership.objects.get(user=me)
    response = client.post(url, {
        "username": me.username, "first_name": me.first_name, "last_name": me.last_name, "email": me.email,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "2", "memberships-INITIAL_FORMS": "1", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": own.pk, "memberships-0-user": me.pk, "memberships-0-role": Role.BESTUURDER,
        "memberships-0-board": org.board_a.pk,
        "memberships-1-user": me.pk, "memberships-1-role": Role.SCHOOLLEIDER, "memberships-1-school": org.school_a.pk,
        "memberships-1-adoption_mandate": "on",
        "sso_identities-TOTAL_FORMS": "0", "sso_identities-INITIAL_FORMS": "0",  # the school-account links' inline
    })
    assert response.status_code == 302, response.context["adminform"].form.errors  # the account itself was saved
    assert list(Membership.objects.filter(user=me).values_list("role", "board_id", "school_id")) == [
        (Role.BEHEERDER, org.board_a.pk, None)]


# --- Need to know inside a school: the leerkracht of group 5 -----------------------------------------------------

#: The reads of a pupil and what hangs under them, pointed at a pupil of another group (or school).
_GROUP_ROUTES = [
    ("students:detail", lambda w: [w.wout.pk]),
    ("opp:plan", lambda w: [w.wout_version.plan.pk]),
    ("opp:version", lambda w: [w.wout_version.pk]),
    ("opp:version_pdf", lambda w: [w.wout_version.pk]),
    ("evaluations:detail", lambda w: [w.wout_evaluation.pk]),
    ("students:edit", lambda w: [w.wout.pk]),
    ("opp:consultation_add", lambda w: [w.wout_version.plan.pk]),
]


@override_settings(OPP_REQUIRE_2FA=False)
def test_the_leerkracht_of_group_5_reads_group_5_and_nothing_of_group_6_or_school_b(client, sweep_world, personas,
                                                                                  org):
    """Group 5's pupils and their plans: 200 (the sweep above: every write 403). A group-6 pupil of the same school
    and everything of school B: 404, as if it were not there, for reads and writes alike."""
    from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory

    w = sweep_world
    login(client, personas.leerkracht_a)
    assert client.get(reverse("students:detail", args=[w.fenna.pk])).status_code == 200
    assert client.get(reverse("opp:plan", args=[w.plan.pk])).status_code == 200
    assert client.get(reverse("evaluations:detail", args=[w.evaluation.pk])).status_code == 200
    for name, args in _GROUP_ROUTES:
        response = client.get(reverse(name, args=args(w)))
        assert response.status_code == 404, (name, response.status_code)
        assert MARK_A6 not in _body(response)
    list_page = client.get(reverse("students:list"), {"vertrokken": "1"}).content.decode()
    assert MARK_A in list_page and MARK_A6 not in list_page
    # School B: a pupil of group 5 there too, with a plan.
    pupil_b = StudentFactory(school=org.school_b, first_name="Bas", last_name="Buitenschool", group_name="5")
    version_b = PlanVersionFactory(plan=PlanFactory(student=pupil_b, created_by=personas.begeleider_b), with_actions=1)
    for name, pk in (("students:detail", pupil_b.pk), ("opp:plan", version_b.plan.pk), ("opp:version", version_b.pk)):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert "Buitenschool" not in client.get(reverse("students:list")).content.decode()
