"""Benchmark of the pupil CSV import: 5,000 rows, dry run and apply, on the configured database.

    DEBUG=1 .venv/bin/python bench/import_students.py                 # SQLite (db.sqlite3)
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench .venv/bin/python bench/import_students.py

Migrate the database first. Each run creates its own board, school (a free BRIN code) and begeleider,
so it never touches other data; it deletes nothing (the audit log is append-only anyway).
Options: --rows N (default 5000).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import string
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opp_portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Board, Membership, Role, School, User  # noqa: E402
from students import csv_import  # noqa: E402
from students.models import Student  # noqa: E402

FIRST = ["Sem", "Noah", "Liam", "Lucas", "Daan", "Finn", "Emma", "Julia", "Mila", "Tess", "Noëlle", "Zoë", "Yara",
         "Mehmet", "Fatima", "Aylin", "Bram", "Sanne", "Jesse", "Lotte"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Çelik", "El Amrani",
        "Yılmaz", "Mulder", "de Boer", "Bos", "Peters", "Hendriks", "van Dijk", "Dekker", "Verbeek", "Kok"]
HEADER = ["Leerlingnummer", "Voornaam", "Achternaam", "Geboortedatum", "Onderwijssoort", "Groep", "Inschrijfdatum",
          "Plaatsingsdatum", "Datum ondersteuningsbehoefte", "Ondersteuning", "Omschrijving extra ondersteuning",
          "Bekostiging", "LWOO", "Dyslexie", "Dyscalculie", "Hoogbegaafd", "Handelingsbekwaam", "Uitschrijfdatum",
          "Bestemming"]


def generate(rows: int, seed: int = 2026, *, next_year: bool = False) -> bytes:
    """A realistic export of a large bao/sbo school: `;`, dd-mm-jjjj, UTF-8 with BOM (Excel "CSV UTF-8"), a tenth with extra support.

    `next_year` gives the same pupils one group further (the usual export after the summer): every row an update.
    """
    rnd = random.Random(seed)  # noqa: S311 - test data, not security
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(rows):
        born = datetime.date(2012, 1, 1) + datetime.timedelta(days=rnd.randrange(8 * 365))
        enrolled = born + datetime.timedelta(days=4 * 365 + rnd.randrange(400))
        soort = "sbo" if n % 7 == 0 else "bao"
        extra = n % 10 == 0
        left = n % 50 == 0
        writer.writerow([
            f"{100000 + n}", rnd.choice(FIRST), rnd.choice(LAST), f"{born:%d-%m-%Y}", soort, f"{rnd.randint(1, 7) + next_year}{rnd.choice('abc')}",
            f"{enrolled:%d-%m-%Y}", "", f"{enrolled + datetime.timedelta(days=300):%d-%m-%Y}" if extra and soort == "bao" else "",
            "extra" if extra else "basis", "Extra begeleiding bij lezen en rekenen, twee keer per week" if extra else "",
            rnd.choice(["school", "swv"]) if extra else "", "nee", "ja" if n % 9 == 0 else "nee", "x" if n % 23 == 0 else "",
            "ja" if n % 31 == 0 else "nee", "nee",
            f"{enrolled + datetime.timedelta(days=700):%d-%m-%Y}" if left else "", "Verhuisd naar een andere gemeente" if left else "",
        ])
    return out.getvalue().encode("utf-8-sig")


def free_brin() -> str:
    rnd = random.Random()  # noqa: S311
    taken = set(School.objects.values_list("brin", flat=True))
    while True:
        brin = f"{rnd.randrange(100):02d}{rnd.choice(string.ascii_uppercase)}{rnd.choice(string.ascii_uppercase)}"
        if brin not in taken:
            return brin


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def measured(label: str, results: list):
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        yield
    results.append((label, time.perf_counter() - started, counter.count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    board = Board.objects.create(name=f"Benchmark import {stamp}")
    school = School.objects.create(board=board, brin=free_brin(), name=f"Benchmarkschool {stamp}", onderwijssoorten=["bao", "sbo"])
    user = User.objects.create(username=f"bench-import-{stamp}", first_name="Bench", last_name="Import")
    Membership.objects.create(user=user, role=Role.BEGELEIDER, school=school, approved_at=timezone.now())

    raw = generate(args.rows)
    results: list[tuple[str, float, int]] = []

    with measured("dry run (new school, all rows new)", results):
        text, encoding = csv_import.decode(raw)
        plan = csv_import.plan_import(school=school, text=text)
    assert plan.ok, [str(p) for p in plan.problems[:5]]
    with measured("upload: dry run + store batch", results):
        batch, plan = csv_import.batch_create(actor=user, school=school, filename="bench.csv", raw=raw)
    with measured("apply (one transaction, all rows created)", results):
        applied = csv_import.batch_apply(batch=batch, actor=user)
    assert applied.counts["created"] == args.rows and Student.objects.filter(school=school).count() == args.rows
    with measured("dry run again (same file, all unchanged)", results):
        again = csv_import.plan_import(school=school, text=text)
    assert again.counts["unchanged"] == args.rows
    with measured("re-import: upload + apply (0 created, 0 updated)", results):
        batch2, _plan = csv_import.batch_create(actor=user, school=school, filename="bench.csv", raw=raw)
        second = csv_import.batch_apply(batch=batch2, actor=user)
    assert second.counts["created"] == second.counts["updated"] == 0
    with measured("next year: upload + apply (all rows updated)", results):
        batch3, _plan = csv_import.batch_create(actor=user, school=school, filename="bench-2.csv", raw=generate(args.rows, next_year=True))
        third = csv_import.batch_apply(batch=batch3, actor=user)
    assert third.counts["updated"] == args.rows, third.counts

    vendor = connection.vendor + (f" {connection.pg_version // 10000}" if connection.vendor == "postgresql" else "")
    print(f"database: {vendor}; school {school.brin}; {args.rows} rows, {len(raw) / 1024 / 1024:.1f} MB ({encoding})")
    print(f"{'step':<52}{'seconds':>10}{'queries':>10}")
    for label, seconds, queries in results:
        print(f"{label:<52}{seconds:>10.2f}{queries:>10}")


if __name__ == "__main__":
    main()
