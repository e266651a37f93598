"""Benchmark of the OPP PDF export: the app's own path beside WeasyPrint alone.

    DEBUG=1 .venv/bin/python bench/pdf.py [--runs 15] [--out /tmp/opp-bench.pdf] [--worker-gc]

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
                  beforehand — the same document and inline stylesheet, the default fetcher, plain PDF;
  (c) weasyprint-a: the same with pdf_variant="pdf/a-2a" — what tagging and PDF/A cost inside WeasyPrint itself.
The target ratio is (a)/(b): the app's tagged PDF/A against WeasyPrint's plainest output. It reports median and p95 wall time,
the median CPU time of the process (what a render costs a gunicorn worker; on a shared machine steadier than wall
time), the ratio of the medians (target ≤ 1.5×), the tracemalloc peak of
three extra renders of each (tracemalloc slows Python down, so it is kept out of the timed runs), the
process's peak RSS, and the page count of the PDF (pypdf).

--worker-gc measures under the garbage-collector settings of a gunicorn worker (opp_portal.gunicorn_config: what
the process holds frozen, the youngest generation collected every 7,000 allocations): without it, Python's
defaults make about every render pay a full collection of the ~150,000 objects Django holds (~0.1 s), which a
worker does not.
"""

from __future__ import annotations

import argparse
import gc
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
from bench.seed import create_rich_opp, log  # noqa: E402
from opp import pdf, pdfa  # noqa: E402
from opp.models import PlanVersion  # noqa: E402
from opp_portal import gunicorn_config  # noqa: E402

BOARD = "Bench PDF bestuur"
PUPIL_NUMBER = "BENCHPDF01"


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
        Membership.objects.create(user=ib, role=Role.BEGELEIDER, school=school, approved_at=timezone.now())
        Membership.objects.create(user=bestuurder, role=Role.BESTUURDER, board=board, approved_at=timezone.now())
        return create_rich_opp(school, ib, bestuurder, pupil_number=PUPIL_NUMBER)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def peak_kib(fn) -> float:
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def measure(version: PlanVersion, runs: int, *, out: str = "", memory: bool = True) -> dict:
    """(a) the app's path and (b) WeasyPrint alone on the same HTML, `runs` times each, interleaved.
    Returns times (s) per name, peaks (KiB, tracemalloc; only with memory=True), pages, sizes and queries."""

    def app() -> bytes:
        # A fresh instance each time, as the views get one from their accessor: every query is counted.
        fresh = PlanVersion.objects.select_related("plan__student__school").get(pk=version.pk)
        return pdf.render_version_pdf(fresh)

    html = pdf.render_html(version)

    def alone() -> bytes:
        return weasyprint.HTML(string=html).write_pdf()

    def alone_archival() -> bytes:
        return weasyprint.HTML(string=html).write_pdf(pdf_variant=pdfa.VARIANT)

    # Warm-up: fonts, fontconfig caches, imports, the template loader.
    first = app()
    alone()
    with CaptureQueriesContext(connection) as queries:
        app()
    pages = len(PdfReader(io.BytesIO(first)).pages)
    if out:
        Path(out).write_bytes(first)

    alone_archival()
    times: dict[str, list[float]] = {"app": [], "weasyprint": [], "weasyprint-a": []}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    for _ in range(runs):
        for name, fn in (("app", app), ("weasyprint", alone), ("weasyprint-a", alone_archival)):
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    peaks = ({"app": max(peak_kib(app) for _ in range(3)), "weasyprint": max(peak_kib(alone) for _ in range(3)),
              "weasyprint-a": max(peak_kib(alone_archival) for _ in range(3))}
             if memory else {})
    ratio = statistics.median(times["app"]) / statistics.median(times["weasyprint"])
    return {"times": times, "cpu": cpu, "peaks": peaks, "pages": pages, "pdf_bytes": len(first), "html_bytes": len(html),
            "queries": len(queries), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default="", help="also write the app's PDF here")
    parser.add_argument("--worker-gc", action="store_true",
                        help="the garbage-collector settings of a gunicorn worker (opp_portal.gunicorn_config)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    version = build()
    if args.worker_gc:
        gunicorn_config.post_worker_init(None)
    m = measure(version, args.runs, out=args.out)
    times, peaks, ratio = m["times"], m["peaks"], m["ratio"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    log(f"database: {connection.vendor}  version pk={version.pk}  pages={m['pages']}  "
        f"pdf={m['pdf_bytes'] / 1024:.0f} KiB  html={m['html_bytes'] / 1024:.0f} KiB  queries/app render={m['queries']}  "
        f"runs={args.runs}")
    log(f"garbage collector: {'a gunicorn worker' if args.worker_gc else 'Python defaults'} {gc.get_threshold()}")
    log(f"{'':12}{'median s':>10}{'p95 s':>10}{'min s':>10}{'CPU s':>10}{'peak MiB (tracemalloc)':>25}")
    for name in ("app", "weasyprint", "weasyprint-a"):
        t = times[name]
        log(f"{name:12}{statistics.median(t):10.3f}{percentile(t, 0.95):10.3f}{min(t):10.3f}"
            f"{statistics.median(m['cpu'][name]):10.3f}{peaks[name] / 1024:25.1f}")
    log(f"ratio app/weasyprint: median time {ratio:.2f}×, p95 time "
        f"{percentile(times['app'], 0.95) / percentile(times['weasyprint'], 0.95):.2f}×, "
        f"peak memory {peaks['app'] / peaks['weasyprint']:.2f}×  (target ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})")
    log(f"ratio app/weasyprint-a (the same PDF/A-2a inside WeasyPrint): median time "
        f"{statistics.median(times['app']) / statistics.median(times['weasyprint-a']):.2f}×")
    log(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
