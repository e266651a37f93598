"""Page benchmark: the main pages at 1,000 and at 100,000 pupils, in one run, on PostgreSQL.

    make bench                                    # = the command below, with the environment it needs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench .venv/bin/python bench/pages.py [options]

Two worlds, each in its own database derived from DATABASE_URL's name (opp_bench_1k, opp_bench_100k;
created, migrated and seeded on first use, reused afterwards; --fresh drops and reseeds them, --drop drops
them at the end):
  small: 1,000 pupils over 2 boards / 8 schools (125 a school)
  large: 100,000 pupils over 50 boards / 200 schools — the deadline sweep's world.
The measured board (board 01: the bestuurder, schoolleider and begeleider the benchmark logs in as) is the same
in both worlds: 4 schools × 125 pupils (the small world's share of one board), seeded first from their own random
sequences, so the same pupils, plan states, texts, consultations and evaluations (seed.ensure_pupils(measured=…)).
The large world puts its other 99,500 pupils in the other 49 boards / 196 schools (~508 a school). So a page
does the same work in both worlds and only the data around it grows; the table's header line shows the measured
board's and school's pupil counts and whether their composition is identical. Pupils are seeded by bench/seed.py (rich):
guardians, plans in every state with texts and items, consultations, consent (a tenth of the versions in
overleg after a refusal), evaluations; each school's pupils inserted together, as a school's CSV import would
(bench/sweep.py keeps its round-robin layout, the worst case for reading one school by index). In each world the
same "focus" pupil sits in school 001: an adopted ten-page OPP (version 1, evaluated, with consent and four
consultations), its revision in overleg (version 2, with a parent's reaction) and a parent with a portal account;
and the same "goals" pupil (ensure_goals_focus): measured goals across two adopted versions (AVI, DMT, a
percentage, an observation scale; one goal reworded, one ended, one added by the revision), a measurement every
five weeks since the baselines and an evaluation per version, so that the chart pages draw every chart they have;
and an "archive" pupil (ensure_archived) whose ten-page OPP was adopted through opp.adoption, so that it has its
archived PDF. The world's other adopted plans carry measures and measurements too (bench/seed.py).

Measured in-process with django.test.Client under production settings (DEBUG=0, the full middleware with
CSP, 2FA required and passed by a verified OTP session as tests/auth.py makes it, HTTPS), through the
benchmark's own urlconf (bench/urls.py: the app's URLs plus /bench-trivial/). Per page: a few warm-up
requests, one request under CaptureQueriesContext (the query count), then --requests timed requests,
alternating between the two worlds in blocks of five so that load drift on the machine hits both alike. Right
after each timed request the same client requests the trivial view: a page's "p95/trivial" is its p95 over the
p95 of those trivial requests, measured beside it (a p95 of 30 requests is the second slowest: measured apart,
minutes earlier, the yardstick moved 5–10 ms with whatever else the machine did).
The database connection is kept between requests (as with CONN_MAX_AGE > 0); connecting is not timed. The
garbage collector is set as in bin/web's workers (opp_portal/gunicorn_config.py).

Then on the large world: the deadline sweep (bench/sweep.py's timed_sweep, without the fan-out) and the
PDF against WeasyPrint alone (bench/pdf.py's measure). One table with every target:
  query counts equal at 1k and 100k; median at 100k ≤ 1.25× median at 1k; list, overview and goal chart
  pages p95 ≤ 5× the trivial view's p95 (at 100k); the OPP editor's median ≤ 60 ms and ≤ 15 queries, the portal
  child page ≤ 20 queries (at 100k); the sweep < 10 s; the PDF ≤ 1.5× WeasyPrint alone.
  The goal chart pages' lines say how many charts (<svg>) each page drew: they are measured as they are.

Options: --requests N (30), --warmup N (3), --pdf-runs N (10), --only KEY[,KEY] (pages), --sql KEY (print
the captured queries of that page in both worlds, slowest first), --explain KEY (EXPLAIN ANALYZE of each of
that page's queries in both worlds, fastest of five, and the plans of the three slowest), --profile KEY
(cProfile of ten requests on the large world), --skip-sweep, --skip-pdf-ratio, --fresh, --drop,
--small N / --large N with --small-boards / --large-boards (shape of the worlds), --small-only (seed and
measure only the small world: a quick check that the pages work).
Page keys: trivial, list_ib, list_ib_search, list_sl, list_sl_search, board_overview, school_overview,
editor, portal, portal_home, portal_version, pdf (rendered anew), pdf_archived (the archived file), and the goal chart pages goals_plan, goals_evaluation, goals_pupil, goals_portal.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opp_portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opp_bench")
# Production settings: what a real request goes through. Only what a test client cannot provide is relaxed
# (a host name it sends; no mail server is needed: nothing is sent).
for _name, _value in {
    "DEBUG": "0",
    "SECRET_KEY": "bench-pages-" + "x" * 60,
    "ALLOWED_HOSTS": "testserver",
    "OPP_REQUIRE_2FA": "1",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import seed  # noqa: E402
from evaluations.models import Evaluation, ItemProgress  # noqa: E402
from opp import adoption, measures  # noqa: E402
from opp import services as opp_services  # noqa: E402
from opp.models import (  # noqa: E402
    ActionItem,
    ConsentRequest,
    Consultation,
    Measurement,
    Plan,
    PlanVersion,
    Reaction,
)
from opp_portal import gunicorn_config  # noqa: E402
from students.models import Guardian, GuardianLink, Student  # noqa: E402
from tests.auth import login  # noqa: E402

log = seed.log
FOCUS_NUMBER = "BENCHFOCUS"
GOALS_NUMBER = "BENCHDOELEN"
ARCHIVED_NUMBER = "BENCHARCHIEF"
BLOCK = 5  # requests per world before switching to the other
#: Pages that must show the overview charts (three each): measured with them, or not at all.
CHART_PAGES = {"board_overview", "school_overview"}
PARENTS = {"parent", "goals_parent"}
LIST_PAGES = {"list_ib", "list_ib_search", "list_sl", "list_sl_search", "board_overview", "school_overview"}
#: The goals pupil's pages with the goal charts (opp.goal_charts). The staff pages are held to the list pages' p95
#: target; the portal child page, like the portal page without charts, to equal queries and 100k/1k only (its p95
#: is shown: it draws every evaluation's charts, 12 for the goals pupil).
GOAL_PAGES = {"goals_plan", "goals_evaluation", "goals_pupil", "goals_portal"}
TARGET_PAGES = LIST_PAGES | (GOAL_PAGES - {"goals_portal"})
#: p95 at the large world ≤ this × the trivial view's p95, for TARGET_PAGES ("fast where users live").
P95_VS_TRIVIAL = 5
#: Per page: (largest median at the large world in ms or None, most queries or None).
PAGE_TARGETS = {"editor": (60, 15), "portal": (None, 20)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- Databases -------------------------------------------------------------------------------------------


BASE_NAME = settings.DATABASES["default"]["NAME"]


def _admin(sql: str) -> None:
    s = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=s.get("USER") or None, password=s.get("PASSWORD") or None,
                            host=s.get("HOST") or None, port=s.get("PORT") or None)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _exists(name: str) -> bool:
    s = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=s.get("USER") or None, password=s.get("PASSWORD") or None,
                            host=s.get("HOST") or None, port=s.get("PORT") or None)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def use_db(name: str) -> None:
    """Point the default connection at another database (as Django's test runner does for test databases)."""
    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name
        settings.DATABASES["default"]["NAME"] = name
        ContentType.objects.clear_cache()
    connection.ensure_connection()


def drop_db(name: str) -> None:
    if connection.settings_dict["NAME"] == name:
        connection.close()
        connection.settings_dict["NAME"] = "postgres"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Worlds ----------------------------------------------------------------------------------------------


@dataclass
class World:
    key: str
    pupils: int
    boards: int
    db: str = ""
    focus: dict = field(default_factory=dict)
    seed_seconds: float = 0.0
    measured: dict = field(default_factory=dict)


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def ensure_world(world: World, today: datetime.date, fresh: bool, measured: int) -> None:
    world.db = f"{BASE_NAME}_{world.key}"
    if fresh:
        drop_db(world.db)
    if not _exists(world.db):
        log(f"[{world.key}] creating database {world.db}")
        _admin(f'CREATE DATABASE "{world.db}"')
    use_db(world.db)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    schools = seed.ensure_org(world.boards)
    seed.ensure_pupils(schools, world.pupils, today, rich=True, clustered=True, measured=measured)
    world.focus = ensure_focus(schools[0], today)
    world.seed_seconds = time.perf_counter() - started
    world.measured = measured_shape(schools[0])
    log(f"[{world.key}] {world.db}: {Student.objects.count():,} pupils in {len(schools)} schools "
        f"(ready in {world.seed_seconds:.0f} s); measured board {world.measured['board']} pupils, "
        f"school 001 {world.measured['school']}")


def measured_shape(school) -> dict:
    """Size and make-up of the measured board and school: equal in both worlds when the comparison is like for like."""
    board = Student.objects.filter(school__board_id=school.board_id)
    versions = PlanVersion.objects.filter(plan__student__school__board_id=school.board_id)
    return {
        "board": board.count(),
        "school": Student.objects.filter(school=school).count(),
        "composition": (
            tuple(board.values_list("school__name").annotate(n=Count("pk")).order_by("school__name")),
            tuple(versions.values_list("plan__state", "state").annotate(n=Count("pk")).order_by("plan__state", "state")),
            Evaluation.objects.filter(plan__student__school__board_id=school.board_id).count(),
            Consultation.objects.filter(plan__student__school__board_id=school.board_id).count(),
            Measurement.objects.filter(goal__plan__student__school__board_id=school.board_id).count(),
            board.filter(left_on__isnull=False).count(),
            tuple(board.order_by("pk").values_list("pupil_number", "last_name", "opp_due_on")),
        ),
    }


def ensure_focus(school, today: datetime.date) -> dict:
    """The measured objects, identical in both worlds (school 001, its begeleider, schoolleider and bestuurder)."""
    n = int(school.name.rsplit(" ", 1)[1])
    ib = User.objects.get(username=f"bench-sweep-ib-{n:03d}")
    sl = User.objects.get(username=f"bench-sweep-sl-{n:03d}")
    bb = User.objects.get(memberships__role="bestuurder", memberships__board=school.board_id)
    v1 = PlanVersion.objects.filter(plan__student__pupil_number=FOCUS_NUMBER, plan__student__school=school,
                                    number=1).select_related("plan__student").first()
    if v1 is None:
        log("  creating the focus pupil: an adopted ten-page OPP, its evaluation and a revision in overleg …")
        v1 = seed.create_rich_opp(school, ib, bb, pupil_number=FOCUS_NUMBER, parents_with_accounts=1)
        plan = v1.plan
        evaluation = Evaluation.objects.create(
            plan=plan, version=v1, school_year=f"{today.year if today.month >= 8 else today.year - 1}-"
                                               f"{today.year + 1 if today.month >= 8 else today.year}",
            held_on=today, conclusion=seed.text(4, 3), pupil_view=seed.text(2, 4), decision="bijstellen",
            others_present="Leerkracht groep 6", created_by=ib)
        ItemProgress.objects.bulk_create([
            ItemProgress(evaluation=evaluation, action=a, progress=("behaald", "deels", "niet")[a.position % 3],
                         note=seed.text(1, a.position)) for a in v1.actions.all()])
        v2 = opp_services.revision_start(actor=ib, plan=plan)
        PlanVersion.objects.filter(pk=v2.pk).update(state="in_overleg")
        Consultation.objects.create(plan=plan, version=v2, held_on=today, agreement="deels", parents_present=True,
                                    staff_present="Intern begeleider", summary=seed.text(3, 9), created_by=ib)
        parent = User.objects.get(username=f"bench-ouder-{FOCUS_NUMBER}-0")
        Reaction.objects.create(version=v2, author=parent, author_name=parent.get_full_name(), text=seed.text(2, 11))
        v1 = PlanVersion.objects.select_related("plan__student").get(pk=v1.pk)
    v2 = v1.plan.versions.get(number=2)
    return {"ib": ib, "sl": sl, "bb": bb, "parent": User.objects.get(username=f"bench-ouder-{FOCUS_NUMBER}-0"),
            "student": v1.plan.student.pk, "v1": v1.pk, "v2": v2.pk, **ensure_goals_focus(school, ib, bb, today),
            "archived": ensure_archived(school, ib, bb)}


def ensure_archived(school, ib, bb) -> int:
    """A second ten-page OPP, adopted through opp.adoption as a board member adopts one, so that it has its archived
    PDF (the focus pupil's version 1 is adopted by a guarded update, without one): the `pdf_archived` page downloads
    that file (opp:archived_pdf) where `pdf` renders the focus version anew. Added to an existing world without it."""
    version = PlanVersion.objects.filter(plan__student__pupil_number=ARCHIVED_NUMBER, plan__student__school=school,
                                         number=1).first()
    if version is None:
        log("  creating the archive pupil: a ten-page OPP adopted through opp.adoption, its PDF archived …")
        version = seed.create_rich_opp(school, ib, bb, pupil_number=ARCHIVED_NUMBER, first_name="Sem", adopt=False)
    if version.state == "instemming_gevraagd":  # consent given: offered for adoption, then adopted
        version = adoption.submit(actor=ib, version=version)
    if version.state == "ter_vaststelling":
        version = adoption.adopt_confirmed(actor=bb, version=version)
    return version.pk


#: The goals pupil's handelingsdeel: (goal, measure as instrument/baseline/target/direction). Version 2 rewords the
#: second, ends the fourth and adds the fifth.
GOALS = [
    ("leest een tekst van zijn niveau vloeiend en nauwkeurig", ("avi", "M4", "E5", measures.HIGHER)),
    ("leest meer woorden per minuut op de DMT-kaarten", ("dmt", "28", "52", measures.HIGHER)),
    ("maakt de rekentoetsen van de methode voldoende", ("percentage", "45", "75", measures.HIGHER)),
    ("werkt een kwartier zelfstandig aan een taak", ("schaal", "2", "4", measures.HIGHER)),
    ("vraagt op tijd om hulp als hij vastloopt", ("aantal", "6", "2", measures.LOWER)),
]
EVERY = 35  # days between measurements


def _goal_item(version, position: int, n: int, start: datetime.date, goal: str | None = None) -> ActionItem:
    text, (instrument, baseline, target, direction) = GOALS[n]
    return ActionItem(version=version, position=position, goal=goal or f"Hij {text}.", approach=seed.text(1, 30 + n),
                      who="Leerkracht groep 5 en de intern begeleider", frequency="Drie keer per week 20 minuten",
                      evaluation_moment="Na 12 weken en bij de evaluatie", evaluation_criterion=seed.text(1, 40 + n),
                      measure_instrument=instrument, measure_baseline=baseline, measure_baseline_on=start,
                      measure_target=target, measure_target_on=start + datetime.timedelta(days=330),
                      measure_direction=direction)


def _values(instrument: str, baseline: str, target: str, steps: int) -> list[str]:
    """`steps` values from just after the baseline towards (and at last past) the target, in the instrument's form."""
    if instrument == "avi":
        a, b = measures.avi_rank(baseline), measures.avi_rank(target)
        return [measures.AVI_LEVELS[min(len(measures.AVI_LEVELS) - 1, a + round((b - a + 1) * (k + 1) / steps))]
                for k in range(steps)]
    a, b = int(baseline), int(target)
    return [measures.normalise_value(instrument, str(a + round((b - a) * (k + 1) / steps)))
            for k in range(steps)]


def ensure_goals_focus(school, ib, bb, today: datetime.date) -> dict:
    """The goals pupil (GOALS_NUMBER, school 001): version 1 adopted about a year ago with four measured goals,
    evaluated last school year and revised (version 2: goal 2 reworded, goal 4 ended, goal 5 new), version 2
    adopted and evaluated this school year; a measurement every EVERY days per goal since its baseline; a parent
    with a portal account. Created once per world, the same in both."""
    student = Student.objects.filter(school=school, pupil_number=GOALS_NUMBER).first()
    if student is None:
        log("  creating the goals pupil: measured goals over two adopted versions, two evaluations …")
        student = _create_goals_pupil(school, ib, bb, today)
    plan = Plan.objects.get(student=student)
    v2 = plan.versions.get(number=2)
    return {"goals_student": student.pk, "goals_plan": plan.pk, "goals_v2": v2.pk,
            "goals_evaluation": Evaluation.objects.filter(plan=plan).order_by("-held_on", "-pk").first().pk,
            "goals_parent": User.objects.get(username=f"bench-ouder-{GOALS_NUMBER}-0")}


def _school_year(day: datetime.date) -> str:
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


def _create_goals_pupil(school, ib, bb, today: datetime.date) -> Student:
    v1_on = today - datetime.timedelta(days=380)
    v2_on = today - datetime.timedelta(days=60)
    start = v1_on - datetime.timedelta(days=14)
    with transaction.atomic():
        student = Student.objects.create(
            school=school, first_name="Sam", last_name="van Meten", date_of_birth=datetime.date(2017, 3, 2),
            pupil_number=GOALS_NUMBER, onderwijssoort="bao", group_name="5a", enrolled_on=datetime.date(2021, 8, 23),
            support_level="extra", opp_required=True, opp_start_on=start, opp_due_on=start + datetime.timedelta(days=42),
            opp_in_force=True)
        account = User.objects.create(username=f"bench-ouder-{GOALS_NUMBER}-0", first_name="Esra",
                                      last_name="van Meten", email="esra@bench.example.nl", password="!")  # noqa: S106
        guardian = Guardian.objects.create(school=school, name="Esra van Meten", email="esra@bench.example.nl",
                                           user=account)
        GuardianLink.objects.create(student=student, guardian=guardian, relation="ouder", has_gezag=True)
        plan = Plan.objects.create(student=student, created_by=ib)
        v1 = PlanVersion.objects.create(
            plan=plan, number=1, created_by=ib, state="instemming_gevraagd", uitstroom_profiel="vmbo_kb",
            uitstroom_onderbouwing=seed.text(3, 1), programma_afwijking=seed.text(2, 2), doelen_nodig=False,
            onderwijstijd_nodig=False, rapporten_weging=seed.text(2, 4), leerling_mening=seed.text(1, 5),
            leerling_weging=seed.text(1, 6), leerling_uitleg=seed.text(1, 7))
        ActionItem.objects.bulk_create([_goal_item(v1, n + 1, n, start) for n in range(4)])
        parties = [{"kind": "guardian", "id": guardian.pk, "name": guardian.name}]
        ConsentRequest.objects.create(version=v1, handelingsdeel_hash="0" * 64, requested_by=ib, state="gegeven",
                                      closed_at=timezone.now(), parties=parties)
        adopted_at = timezone.make_aware(datetime.datetime.combine(v1_on, datetime.time(14)))
        PlanVersion.objects.filter(pk=v1.pk, state="instemming_gevraagd").update(
            state="vastgesteld", adopted_at=adopted_at, adopted_by=bb, adopted_hash="0" * 64, made_known_on=v1_on)
        v1 = PlanVersion.objects.get(pk=v1.pk)
        items = list(v1.actions.order_by("position"))
        evaluated_on = v2_on - datetime.timedelta(days=20)
        first = Evaluation.objects.create(plan=plan, version=v1, school_year=_school_year(evaluated_on),
                                          held_on=evaluated_on, conclusion=seed.text(2, 8), pupil_view=seed.text(1, 9),
                                          decision="bijstellen", others_present="Leerkracht groep 5", created_by=ib)
        ItemProgress.objects.bulk_create([ItemProgress(evaluation=first, action=a, progress=("deels", "behaald")[
            a.position % 2], note=seed.text(1, a.position)) for a in items])
        v2 = opp_services.revision_start(actor=ib, plan=plan)
        kept = list(v2.actions.order_by("position"))
        ActionItem.objects.filter(pk=kept[1].pk).update(goal=f"Hij {GOALS[1][0]}, ook op de kaarten van groep 5.")
        ActionItem.objects.filter(pk=kept[3].pk).delete()  # the fourth goal ends with version 1
        ActionItem.objects.bulk_create([_goal_item(v2, 4, 4, v2_on - datetime.timedelta(days=14))])
        v2_at = timezone.make_aware(datetime.datetime.combine(v2_on, datetime.time(14)))
        PlanVersion.objects.filter(pk=v1.pk).update(state="vervangen", superseded_at=v2_at)
        PlanVersion.objects.filter(pk=v2.pk).update(state="vastgesteld", adopted_by=bb, adopted_hash="0" * 64,
                                                    adopted_at=v2_at, made_known_on=v2_on)
        rows = []
        for item in ActionItem.objects.filter(version__plan=plan).order_by("plan_goal_id", "-version__number"):
            if any(r.goal_id == item.plan_goal_id for r in rows):
                continue  # one series per goal, from the baseline of its latest wording
            days = list(range(EVERY, (today - item.measure_baseline_on).days + 1, EVERY))
            until = v2_on if item.version_id == v1.pk else today  # the ended goal was measured until it ended
            days = [d for d in days if item.measure_baseline_on + datetime.timedelta(days=d) <= until]
            values = _values(item.measure_instrument, item.measure_baseline, item.measure_target, len(days))
            rows += [Measurement(goal_id=item.plan_goal_id, measured_on=item.measure_baseline_on +
                                 datetime.timedelta(days=d), instrument=item.measure_instrument, value=value,
                                 note=seed.text(1, d) if d % 3 == 0 else "", recorded_by=ib)
                     for d, value in zip(days, values, strict=True)]
        Measurement.objects.bulk_create(rows)
        second = Evaluation.objects.create(plan=plan, version=v2, school_year=_school_year(today), held_on=today,
                                           conclusion=seed.text(2, 10), pupil_view=seed.text(1, 11),
                                           decision="voortzetten", others_present="Leerkracht groep 5", created_by=ib)
        ItemProgress.objects.bulk_create([ItemProgress(evaluation=second, action=a, progress="deels",
                                                       note=seed.text(1, 20 + a.position))
                                          for a in v2.actions.order_by("position")])
    return student


# --- Pages -----------------------------------------------------------------------------------------------

SEARCH = "?q=e&termijn=te_laat"  # a name search and a status filter: more than a page of hits in both worlds

PAGES = [
    # key, label, who, url(focus) — `who` is a key of the focus dict
    ("trivial", "trivial view (/bench-trivial/)", "ib", lambda f: reverse("bench_trivial")),
    ("list_ib", "pupil list p1, begeleider", "ib", lambda f: reverse("students:list")),
    ("list_ib_search", "pupil list search, begeleider", "ib", lambda f: reverse("students:list") + SEARCH),
    ("list_sl", "pupil list p1, schoolleider", "sl", lambda f: reverse("students:list")),
    ("list_sl_search", "pupil list search, schoolleider", "sl", lambda f: reverse("students:list") + SEARCH),
    # The overviews with their charts (deadlines.panels.overview_charts: three SVG charts per overview).
    ("board_overview", "board overview + charts (bestuurder start)", "bb", lambda f: reverse("staff_start")),
    ("school_overview", "school overview + charts (schoolleider start)", "sl", lambda f: reverse("staff_start")),
    ("editor", "OPP editor (version 2)", "ib", lambda f: reverse("opp:version", args=[f["v2"]])),
    ("portal", "portal child page (parent)", "parent", lambda f: reverse("portal:child", args=[f["student"]])),
    ("portal_home", "portal start page (parent)", "parent", lambda f: reverse("portal:home")),
    ("portal_version", "portal version page (parent)", "parent", lambda f: reverse("portal:version", args=[f["v2"]])),
    ("pdf", "OPP PDF download (10 pages)", "ib", lambda f: reverse("opp:version_pdf", args=[f["v1"]])),
    # The same size of OPP as its archived file: access check, audit row, the stored bytes read and their hash checked.
    ("pdf_archived", "OPP PDF, the archived file (10 pages)", "ib",
     lambda f: reverse("opp:archived_pdf", args=[f["archived"]])),
    # The goal charts (opp.goal_charts, opp_portal.charts): the goals pupil's measured goals over two versions.
    ("goals_plan", "plan page, measured goals + charts", "ib", lambda f: reverse("opp:plan", args=[f["goals_plan"]])),
    ("goals_evaluation", "evaluation detail + goal charts", "ib",
     lambda f: reverse("evaluations:detail", args=[f["goals_evaluation"]])),
    ("goals_pupil", "pupil page + progress chart", "ib", lambda f: reverse("students:detail", args=[f["goals_student"]])),
    ("goals_portal", "portal child page + goal charts (parent)", "goals_parent",
     lambda f: reverse("portal:child", args=[f["goals_student"]])),
]


@dataclass
class Result:
    queries: int = 0
    captured: list = field(default_factory=list)
    charts: int | None = None  # the number of <svg> drawings on a goal chart page
    times: list = field(default_factory=list)
    #: The trivial view, requested by the same client right after each timed request of the page: its p95 is the
    #: page's yardstick, taken under the same conditions (a busy moment of the machine hits both alike).
    trivial_times: list = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.times, 0.95) * 1000

    @property
    def trivial_p95_ms(self) -> float:
        return percentile(self.trivial_times, 0.95) * 1000


def _get(client: Client, url: str):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code} ({response.get('Location', '')}): "
                         "the benchmark measures only pages that work")
    return response


def measure_page(page, worlds: list[World], requests: int, warmup: int) -> dict[str, Result]:
    key, _label, who, url_of = page
    clients, urls, results = {}, {}, {}
    for w in worlds:
        use_db(w.db)
        client = Client()
        login(client, w.focus[who], verified=who not in PARENTS)  # parents without a device need no second factor
        url = url_of(w.focus)
        for _ in range(warmup):
            _get(client, url)
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, url)
        if key == "pdf" and response["Content-Type"] != "application/pdf":
            raise SystemExit("the PDF page did not answer a PDF")
        if key in CHART_PAGES and response.content.count(b'<svg xmlns="http://www.w3.org/2000/svg" class="chart"') < 3:
            raise SystemExit(f"the {key} page shows no charts: the benchmark measures the overviews with them")
        clients[w.key], urls[w.key] = client, url
        results[w.key] = Result(queries=len(captured), captured=list(captured.captured_queries),
                                charts=response.content.count(b"<svg") if key in GOAL_PAGES else None)
    blocks = max(1, requests // BLOCK)
    trivial = reverse("bench_trivial")
    for b in range(blocks):
        for w in (worlds if b % 2 == 0 else list(reversed(worlds))):
            use_db(w.db)
            client, url, result = clients[w.key], urls[w.key], results[w.key]
            for _ in range(BLOCK):
                started = time.perf_counter()
                _get(client, url)
                result.times.append(time.perf_counter() - started)
                if key != "trivial":
                    started = time.perf_counter()
                    _get(client, trivial)
                    result.trivial_times.append(time.perf_counter() - started)
    return results


def print_sql(key: str, worlds: list[World], results: dict[str, Result]) -> None:
    for w in worlds:
        r = results[w.key]
        log(f"\n--- {key} on {w.key}: {r.queries} queries, slowest first ---")
        for q in sorted(r.captured, key=lambda q: -float(q["time"])):
            log(f"{float(q['time']) * 1000:8.1f} ms  {q['sql'][:600]}")


def _explain(sql: str, repeat: int = 5) -> tuple[float, float, str]:
    """EXPLAIN ANALYZE of one captured query, `repeat` times: (fastest execution ms, its JIT ms, its plan).
    The fastest of several is the figure least disturbed by other load on the machine."""
    if sql.startswith("DECLARE"):  # a server-side cursor (.iterator()): explain the query it holds
        sql = sql.split(" FOR ", 1)[1]
    best = None
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        execution = float(plan.rsplit("Execution Time:", 1)[1].split()[0])
        jit = float(plan.split("Total", 1)[1].split()[0]) if "JIT:" in plan else 0.0
        if best is None or execution < best[0]:
            best = (execution, jit, plan)
    return best


def explain(key: str, worlds: list[World], results: dict[str, Result], full: int = 3) -> None:
    """Per SELECT of the page: its execution time in each world (EXPLAIN ANALYZE, so without the client's
    round trip) and any JIT compilation time; then the full plans of the slowest `full` ones in the last world."""
    summary: dict[int, dict[str, tuple[float, float, str]]] = {}
    for w in worlds:
        use_db(w.db)
        for i, q in enumerate(results[w.key].captured):
            sql = q["sql"].lstrip()
            if sql.upper().startswith(("SELECT", "DECLARE")):
                summary.setdefault(i, {})[w.key] = _explain(sql)
    log(f"\n--- EXPLAIN ANALYZE of the page's queries ({key}): fastest of 5 executions, ms per world (JIT ms) ---")
    last = worlds[-1].key
    for i, per in sorted(summary.items(), key=lambda kv: -kv[1].get(last, (0, 0, ""))[0]):
        cells = "  ".join(f"{w.key} {per[w.key][0]:7.2f}" + (f" (JIT {per[w.key][1]:.0f})" if per[w.key][1] else "")
                          for w in worlds if w.key in per)
        log(f"{cells}  {results[last].captured[i]['sql'][:160] if i < len(results[last].captured) else ''}")
    for i, per in sorted(summary.items(), key=lambda kv: -kv[1].get(last, (0, 0, ""))[0])[:full]:
        if last in per:
            log(f"\n--- plan on {last} ---\n{results[last].captured[i]['sql'][:2000]}\n\n{per[last][2]}")


def profile(key: str, world: World, page, requests: int = 10) -> None:
    """cProfile of `requests` requests of one page in one world: where the Python time goes."""
    import cProfile
    import io
    import pstats

    use_db(world.db)
    _key, _label, who, url_of = page
    client = Client()
    login(client, world.focus[who], verified=who not in PARENTS)
    url = url_of(world.focus)
    _get(client, url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _get(client, url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    log(f"\n--- cProfile of {requests} requests of {key} on {world.key} ---\n{out.getvalue()}")


# --- Main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated page keys (the trivial view is always measured)")
    parser.add_argument("--sql", default="", help="print the captured queries of this page")
    parser.add_argument("--explain", default="", help="EXPLAIN ANALYZE the slowest queries of this page (large world)")
    parser.add_argument("--profile", default="", help="cProfile ten requests of this page (large world)")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-pdf-ratio", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="drop and reseed both databases first")
    parser.add_argument("--drop", action="store_true", help="drop both databases at the end")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--small-boards", type=int, default=2)
    parser.add_argument("--large-boards", type=int, default=50)
    parser.add_argument("--small-only", action="store_true",
                        help="seed and measure only the small world (a check that the script and its pages work; "
                             "the table then compares the small world with itself)")
    parser.add_argument("--measured", type=int, default=0,
                        help="pupils in the measured board in both worlds (default: the small world's share of a board)")
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Run against PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench")

    started = time.perf_counter()
    load_start = os.getloadavg()
    today = timezone.localdate()
    small = World(label(args.small), args.small, args.small_boards)
    large = World(label(args.large), args.large, args.large_boards) if not args.small_only else small
    worlds = [small, large] if not args.small_only else [small]
    measured = args.measured or args.small // args.small_boards
    for w in worlds:
        ensure_world(w, today, args.fresh, measured)
    pg_version = connection.pg_version

    wanted = {k for k in args.only.split(",") if k} | {"trivial"} if args.only else None
    pages = [p for p in PAGES if wanted is None or p[0] in wanted]
    results: dict[str, dict[str, Result]] = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        # As in a gunicorn worker of bin/web: what is loaded by now frozen, the collector's thresholds raised.
        gunicorn_config.post_worker_init(worker=None)
        for page in pages:
            t0 = time.perf_counter()
            results[page[0]] = measure_page(page, worlds, args.requests, args.warmup)
            r = results[page[0]]
            log(f"  {page[1]:40} {r[small.key].median_ms:8.1f} / {r[large.key].median_ms:8.1f} ms median "
                f"({r[small.key].queries} / {r[large.key].queries} queries; {time.perf_counter() - t0:.0f} s)"
                + (f"; {r[small.key].charts} / {r[large.key].charts} charts" if r[small.key].charts is not None else ""))
            if args.sql == page[0]:
                print_sql(page[0], worlds, r)
            if args.explain == page[0]:
                explain(page[0], worlds, r)
            if args.profile == page[0]:
                profile(page[0], large, page)

    sweep_row = pdf_row = None
    if not args.skip_sweep:
        sweep_row = run_sweep(large, today)
    if not args.skip_pdf_ratio:
        pdf_row = run_pdf_ratio(large, args.pdf_runs)

    load_end = os.getloadavg()
    print_table(pages, results, small, large, sweep_row, pdf_row)
    log(f"\nPostgreSQL {pg_version // 10000}; {os.cpu_count()} cores; load average (1/5/15 min) at start "
        f"{load_start[0]:.1f}/{load_start[1]:.1f}/{load_start[2]:.1f}, at end {load_end[0]:.1f}/{load_end[1]:.1f}/"
        f"{load_end[2]:.1f}; {args.requests} timed requests a page and world (warm-up {args.warmup}); "
        f"whole run {time.perf_counter() - started:.0f} s")
    if args.drop:
        for w in worlds:
            drop_db(w.db)
        log(f"dropped {small.db} and {large.db}")


def run_sweep(world: World, today: datetime.date) -> dict:
    from bench import sweep
    from deadlines.models import Reminder, SweepRun
    from notifications.models import Notification

    use_db(world.db)
    # Every run measures a full sweep: this database's reminders and messages of earlier runs go.
    Notification.objects.all().delete()
    Reminder.objects.all().delete()
    SweepRun.objects.all().delete()
    log(f"\ndeadline sweep on the {world.key} world ({today}):")
    first, seconds = sweep.timed_sweep("  first sweep", today=today, fan_out=False)
    second, again = sweep.timed_sweep("  second sweep (same day)", today=today, fan_out=False)
    return {"seconds": seconds, "reminders": len(first.created), "queries": first.queries, "errors": len(first.errors),
            "rerun_seconds": again, "rerun_reminders": len(second.created)}


def run_pdf_ratio(world: World, runs: int) -> dict:
    from bench import pdf as pdf_bench

    use_db(world.db)
    log(f"\nPDF: the app's path vs WeasyPrint alone on the same HTML, {runs} runs each (bench/pdf.py):")
    m = pdf_bench.measure(PlanVersion.objects.get(pk=world.focus["v1"]), runs, memory=False)
    t = m["times"]
    log(f"  app median {statistics.median(t['app']):.3f} s, WeasyPrint alone {statistics.median(t['weasyprint']):.3f} s; "
        f"{m['pages']} pages, {m['queries']} queries")
    return m


def _paired_range(pages, results, world: str) -> str:
    """The lowest and highest p95 of the trivial view as measured beside each page."""
    p95s = [results[key][world].trivial_p95_ms for key, *_rest in pages if results[key][world].trivial_times]
    return f"{min(p95s):.1f}–{max(p95s):.1f}" if p95s else "–"


def _fmt_ratio(x: float) -> str:
    return f"{x:.2f}×"


def print_table(pages, results, small: World, large: World, sweep_row, pdf_row) -> None:
    s, g = small.key, large.key
    trivial_p95 = results["trivial"][g].p95_ms
    head = ["page", f"queries {s}", f"queries {g}", f"median {s} ms", f"median {g} ms", f"p95 {s}", f"p95 {g}",
            f"{g}/{s}", "p95/trivial", "target"]
    rows = []
    failed = 0
    for key, text, _who, _url in pages:
        a, b = results[key][s], results[key][g]
        ratio = b.median_ms / a.median_ms
        vs_trivial = b.p95_ms / (b.trivial_p95_ms if b.trivial_times else trivial_p95)
        problems = []
        if a.queries != b.queries:
            problems.append(f"queries {a.queries}≠{b.queries}")
        if ratio > 1.25:
            problems.append(f"{g}/{s} > 1.25")
        if key in TARGET_PAGES and vs_trivial > P95_VS_TRIVIAL:
            problems.append(f"p95 > {P95_VS_TRIVIAL}× trivial")
        most_ms, most_queries = PAGE_TARGETS.get(key, (None, None))
        if most_ms is not None and b.median_ms > most_ms:
            problems.append(f"median > {most_ms} ms")
        if most_queries is not None and b.queries > most_queries:
            problems.append(f"queries > {most_queries}")
        failed += bool(problems)
        rows.append([text, str(a.queries), str(b.queries), f"{a.median_ms:.1f}", f"{b.median_ms:.1f}", f"{a.p95_ms:.1f}",
                     f"{b.p95_ms:.1f}", _fmt_ratio(ratio), _fmt_ratio(vs_trivial) + ("" if key in TARGET_PAGES else " (–)"),
                     "FAIL: " + "; ".join(problems) if problems else "PASS"])
    if sweep_row:
        ok = sweep_row["seconds"] < 10 and not sweep_row["errors"] and not sweep_row["rerun_reminders"]
        failed += not ok
        rows.append([f"deadline sweep, {large.pupils:,} pupils ({sweep_row['reminders']:,} reminders)", "", str(sweep_row["queries"]),
                     "", f"{sweep_row['seconds'] * 1000:.0f}", "", "", "", "",
                     ("PASS" if ok else "FAIL") + f": {sweep_row['seconds']:.2f} s (< 10 s); re-run "
                     f"{sweep_row['rerun_seconds']:.2f} s, {sweep_row['rerun_reminders']} reminders"])
    if pdf_row:
        t = pdf_row["times"]
        ok = pdf_row["ratio"] <= 1.5
        failed += not ok
        rows.append([f"PDF {pdf_row['pages']} pages: app / WeasyPrint alone", "", str(pdf_row["queries"]), "",
                     f"{statistics.median(t['app']) * 1000:.0f}", "", f"{percentile(t['app'], 0.95) * 1000:.0f}", "", "",
                     ("PASS" if ok else "FAIL") + f": {pdf_row['ratio']:.2f}× (≤ 1.5×; WeasyPrint alone "
                     f"{statistics.median(t['weasyprint']) * 1000:.0f} ms)"])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    ms, mg = small.measured, large.measured
    same = ms["composition"] == mg["composition"]
    log(f"\nMeasured board (bestuurder's, {seed.SCHOOLS_PER_BOARD} schools): {ms['board']:,} pupils at {s} / "
        f"{mg['board']:,} at {g}; measured school (001, schoolleider's and begeleider's): {ms['school']:,} / "
        f"{mg['school']:,} pupils; composition (pupils per school, plan and version states, evaluations, "
        f"consultations, leavers, names and due dates) {'identical' if same else 'DIFFERENT'} in both worlds.")
    if not same:
        failed += 1
    line = " | ".join(h.ljust(w) if i == 0 else h.rjust(w) if i < len(head) - 1 else h for i, (h, w) in enumerate(zip(head, widths, strict=True)))
    log("\n" + line)
    log("-" * len(line))
    for r in rows:
        log(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) if i < len(head) - 1 else c
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    log(f"\n{small.key}: {small.pupils:,} pupils, {small.boards} boards × {seed.SCHOOLS_PER_BOARD} schools; "
        f"{large.key}: {large.pupils:,} pupils, {large.boards} boards × {seed.SCHOOLS_PER_BOARD} schools; the "
        f"measured board holds {small.measured['board']:,} / {large.measured['board']:,} of them in both. "
        f"p95/trivial: the page's p95 at {g} over the p95 of the trivial view requested by the same user right after "
        f"each of the page's requests (paired: {_paired_range(pages, results, g)} ms; alone {trivial_p95:.1f} ms); target ≤ {P95_VS_TRIVIAL}× "
        f"for list, overview and goal chart pages, shown for the others (–); the OPP editor's median ≤ "
        f"{PAGE_TARGETS['editor'][0]} ms and ≤ {PAGE_TARGETS['editor'][1]} queries, the portal child page ≤ "
        f"{PAGE_TARGETS['portal'][1]} queries. {failed} target(s) missed.")


if __name__ == "__main__":
    main()
