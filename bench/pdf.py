"""Benchmark of the OPP PDF export (issue 7, part 7): the app's own path beside WeasyPrint alone.

    DEBUG=1 .venv/bin/python bench/pdf.py [--runs 15] [--out /tmp/opp-bench.pdf]

Uses the configured database (the embedded default is the SQLite file; point DATABASE_URL elsewhere to
keep the benchmark rows out of it, e.g. DATABASE_URL=sqlite:////tmp/opp_bench_pdf.sqlite3). It migrates,
then creates — first run only, later runs reuse it — one school with a pupil whose adopted OPP fills
about ten A4 pages: long texts in every section, 12 handelingsdeel items, factors, learning yields,
four consultations with the parents' suggestions and the school's responses, and a consent request
answered by two parents.

Then, in the same process and interleaved so drift hits both equally, N renders of each of:
  (a) app:        opp.pdf.render_version_pdf(version) on a freshly loaded version, as the views call it —
                  every query, the template, SafeFetcher, WeasyPrint;
  (b) weasyprint: weasyprint.HTML(string=html).write_pdf() on the HTML that (a) renders, rendered once
                  beforehand — the same document and inline stylesheet, the default fetcher.
It reports median and p95 wall time, the ratio of the medians (target ≤ 1.5×), the tracemalloc peak of
three extra renders of each (tracemalloc slows Python down, so it is kept out of the timed runs), the
process's peak RSS, and the page count of the PDF (pypdf).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opp_portal.settings")
os.environ.setdefault("DEBUG", "1")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from accounts.models import Board, Membership, Role, School, User  # noqa: E402
from opp import pdf, selectors  # noqa: E402
from opp.models import (  # noqa: E402
    ActionItem,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    FactorItem,
    Plan,
    PlanVersion,
    Suggestion,
    YieldItem,
)
from students.models import Guardian, GuardianLink, Student  # noqa: E402

BOARD = "Bench PDF bestuur"
PUPIL_NUMBER = "BENCHPDF01"

LOREM = (
    "Noor leest op dit moment op AVI-niveau M5 terwijl haar klasgenoten E6 lezen. Bij het lezen van langere "
    "teksten raakt zij het overzicht kwijt en haakt zij na enkele minuten af; korte, gestructureerde opdrachten "
    "met een duidelijk eindpunt lukken beter. De leerkracht ziet dat zij veel steun heeft aan een vast "
    "dagritme, een rustige werkplek en vooraf besproken stappen. Thuis wordt dagelijks samen gelezen. "
)


def text(sentences: int, seed: int = 0) -> str:
    words = LOREM.split()
    out = []
    for i in range(sentences):
        start = (seed * 7 + i * 13) % len(words)
        out.append(" ".join(words[start:] + words[:start])[:220].rstrip() + ".")
    return "\n\n".join(" ".join(out[i:i + 3]) for i in range(0, len(out), 3))


def log(message: str) -> None:
    print(message, flush=True)


def build() -> PlanVersion:
    existing = PlanVersion.objects.filter(plan__student__pupil_number=PUPIL_NUMBER, plan__student__school__board__name=BOARD,
                                          state="vastgesteld").first()
    if existing is not None:
        return existing
    log("creating the benchmark OPP …")
    with transaction.atomic():
        board = Board.objects.create(name=BOARD)
        taken = set(School.objects.values_list("brin", flat=True))
        brin = next(f"{d:02d}ZQ" for d in range(100) if f"{d:02d}ZQ" not in taken)
        school = School.objects.create(board=board, brin=brin, name="Bench PDF basisschool De Regenboog",
                                       onderwijssoorten=["bao"])
        ib = User.objects.create(username="bench-pdf-ib", first_name="Ingrid", last_name="van Bench-Begeleider",
                                 email="bench-pdf-ib@bench.example.nl", password="!")  # noqa: S106 - unusable
        bestuurder = User.objects.create(username="bench-pdf-bb", first_name="Bart", last_name="de Bestuurder",
                                         email="bench-pdf-bb@bench.example.nl", password="!")  # noqa: S106
        Membership.objects.create(user=ib, role=Role.BEGELEIDER, school=school)
        Membership.objects.create(user=bestuurder, role=Role.BESTUURDER, board=board)
        student = Student.objects.create(
            school=school, first_name="Noor", last_name="van der Bench", date_of_birth=datetime.date(2016, 5, 14),
            pupil_number=PUPIL_NUMBER, onderwijssoort="bao", group_name="6b", enrolled_on=datetime.date(2020, 8, 24),
            support_level="extra", opp_required=True, opp_due_on=datetime.date(2026, 10, 13))
        parents = []
        for name in ("Fatima van der Bench", "Joost van der Bench"):
            g = Guardian.objects.create(school=school, name=name, email=f"{name.split()[0].lower()}@bench.example.nl")
            GuardianLink.objects.create(student=student, guardian=g, relation="ouder", has_gezag=True)
            parents.append(g)
        plan = Plan.objects.create(student=student, created_by=ib)
        version = PlanVersion.objects.create(
            plan=plan, number=1, created_by=ib, state="instemming_gevraagd",
            uitstroom_profiel="vmbo_kb", uitstroom_onderbouwing=text(9, 1),
            programma_afwijking=text(6, 2), doelen_nodig=True, vervangende_doelen=text(6, 3),
            onderwijstijd_nodig=False, rapporten_weging=text(6, 4),
            leerling_mening=text(3, 5), leerling_weging=text(3, 6), leerling_uitleg=text(3, 7))
        for i in range(8):
            FactorItem.objects.create(version=version, position=i + 1, kind=("belemmerend", "bevorderend")[i % 2],
                                      domain=("kind", "omgeving")[(i // 2) % 2], text=text(1, 10 + i))
        for i in range(12):
            ActionItem.objects.create(
                version=version, position=i + 1, goal=f"Doel {i + 1}: " + text(1, 20 + i),
                approach=text(1, 40 + i) + " " + text(1, 50 + i)[:120], who="Leerkracht groep 6 en de intern begeleider",
                frequency="Vier keer per week 20 minuten, gedurende 12 weken",
                evaluation_moment=f"Week {6 + i % 6} en na 12 weken", evaluation_criterion=text(1, 60 + i))
        for i, subject in enumerate(["technisch_lezen", "begrijpend_lezen", "spelling", "rekenen", "sociaal_emotioneel"]):
            YieldItem.objects.create(version=version, position=i + 1, subject=subject, expectation=text(2, 80 + i))
        for i in range(4):
            c = Consultation.objects.create(
                plan=plan, version=version, held_on=datetime.date(2026, 9, 1) + datetime.timedelta(days=9 * i),
                agreement=("deels", "deels", "ja", "ja")[i], parents_present=True, pupil_present=i == 3,
                staff_present="Ingrid van Bench-Begeleider (ib), leerkracht groep 6", others_present="Schoolmaatschappelijk werk",
                summary=text(3, 90 + i), internal_note="INTERN: staat niet in de PDF", created_by=ib)
            for j in range(2):
                Suggestion.objects.create(consultation=c, position=j + 1, text=text(1, 100 + i * 3 + j),
                                          response=text(1, 120 + i * 3 + j), outcome=("overgenomen", "deels", "niet")[j])
        hd_hash = selectors.handelingsdeel_hash(selectors.load_version(version.pk))
        req = ConsentRequest.objects.create(
            version=version, handelingsdeel_hash=hd_hash, requested_by=ib, state="gegeven", closed_at=timezone.now(),
            parties=[{"kind": "guardian", "id": g.pk, "name": g.name} for g in parents])
        ConsentAnswer.objects.create(request=req, guardian=parents[0], party_name=parents[0].name, answer="ja",
                                     handelingsdeel_hash=hd_hash, channel="papier", recorded_by=ib,
                                     signed_on=datetime.date(2026, 9, 30))
        ConsentAnswer.objects.create(request=req, guardian=parents[1], party_name=parents[1].name, answer="ja",
                                     handelingsdeel_hash=hd_hash, channel="papier", recorded_by=ib,
                                     signed_on=datetime.date(2026, 10, 1))
        # Adopt the only way the models allow (as tests.factories does): one guarded update of the open row.
        fresh = selectors.load_version(version.pk)
        PlanVersion.objects.filter(pk=version.pk, state="instemming_gevraagd").update(
            state="vastgesteld", adopted_at=timezone.now(), adopted_by=bestuurder,
            adopted_hash=selectors.version_hash(fresh))
    return PlanVersion.objects.get(pk=version.pk)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def peak_kib(fn) -> float:
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default="", help="also write the app's PDF here")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    version = build()

    def app() -> bytes:
        # A fresh instance each time, as the views get one from their accessor: every query is counted.
        fresh = PlanVersion.objects.select_related("plan__student__school").get(pk=version.pk)
        return pdf.render_version_pdf(fresh)

    html = pdf.render_html(version)

    def alone() -> bytes:
        return weasyprint.HTML(string=html).write_pdf()

    # Warm-up: fonts, fontconfig caches, imports, the template loader.
    first = app()
    alone()
    with CaptureQueriesContext(connection) as queries:
        app()
    pages = len(PdfReader(io.BytesIO(first)).pages)
    if args.out:
        Path(args.out).write_bytes(first)

    times: dict[str, list[float]] = {"app": [], "weasyprint": []}
    for _ in range(args.runs):
        for name, fn in (("app", app), ("weasyprint", alone)):
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    peaks = {"app": max(peak_kib(app) for _ in range(3)), "weasyprint": max(peak_kib(alone) for _ in range(3))}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    log(f"database: {connection.vendor}  version pk={version.pk}  pages={pages}  "
        f"pdf={len(first) / 1024:.0f} KiB  html={len(html) / 1024:.0f} KiB  queries/app render={len(queries)}  "
        f"runs={args.runs}")
    log(f"{'':12}{'median s':>10}{'p95 s':>10}{'min s':>10}{'peak MiB (tracemalloc)':>25}")
    for name in ("app", "weasyprint"):
        t = times[name]
        log(f"{name:12}{statistics.median(t):10.3f}{percentile(t, 0.95):10.3f}{min(t):10.3f}{peaks[name] / 1024:25.1f}")
    ratio = statistics.median(times["app"]) / statistics.median(times["weasyprint"])
    log(f"ratio app/weasyprint: median time {ratio:.2f}×, p95 time "
        f"{percentile(times['app'], 0.95) / percentile(times['weasyprint'], 0.95):.2f}×, "
        f"peak memory {peaks['app'] / peaks['weasyprint']:.2f}×  (target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})")
    log(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
