"""Instructions per request of the main pages: a CPU measure that does not move with the machine.

    make bench-instructions                                  # every page of bench/pages.py, 1,000-pupil world
    make bench-instructions BENCH_ARGS="--only editor,portal --rounds 6"

On a shared or throttled machine a page's CPU time moves by a third from one run to the next (README
"Performance"), more than most changes one wants to judge. Counted instructions do not: this script runs each page of
bench/pages.py under valgrind's callgrind, which counts every instruction a process executes (30–50× slower than
native), twice: with 2 and with 2 + N requests after the same setup. The difference over N is the page's instructions
per request. Two runs of the same code agree to about 0.5 %; compare two commits by running it in each (e.g. a
`git worktree` of the old one with the venv linked). Two pages are measured at a time (one per core).

The requests are bench/pages.py's (production settings, 2FA, the same users and pages, the worker's garbage-collector
settings) on its 1,000-pupil world `opp_bench_1k`, which `make bench` creates. Python runs with PYTHONHASHSEED=0 and
PYTHONMALLOC=malloc (valgrind's view of pymalloc is noise). Needs `valgrind` (apt-get install valgrind). Not part of
CI: the eight default pages take about nine minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: valgrind's last words: "==123== Collected : 8516261407".
COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.MULTILINE)
#: The pages measured by default: those of the load benchmark's working day (bench/locustfile.py).
DEFAULT_PAGES = ["list_ib", "school_overview", "editor", "portal", "portal_home", "portal_version", "goals_plan",
                 "goals_pupil"]


def collected(valgrind_output: str) -> int:
    """The instruction count valgrind reports for the whole process."""
    found = COLLECTED.findall(valgrind_output)
    if not found:
        raise ValueError("valgrind reported no instruction count")
    return int(found[-1])


def inner(key: str, requests: int) -> None:
    """The counted process: bench/pages.py's setup for one page, two warm-up requests, then `requests` more."""
    from django.test import Client, override_settings
    from django.utils import timezone

    from bench import pages
    from opp_portal import gunicorn_config

    world = pages.World(pages.label(1_000), 1_000, 2, db=f"{pages.BASE_NAME}_1k")
    pages.use_db(world.db)
    world.focus = pages.ensure_focus(pages.seed.ensure_org(world.boards)[0], timezone.localdate())
    _key, _label, who, url_of = next(p for p in pages.PAGES if p[0] == key)
    with override_settings(ROOT_URLCONF="bench.urls"):
        gunicorn_config.post_worker_init(worker=None)
        client = Client()
        pages.login(client, world.focus[who], verified=who not in pages.PARENTS)
        url = url_of(world.focus)
        for _ in range(2 + requests):
            pages._get(client, url)


def count(key: str, requests: int) -> int:
    """Instructions of one counted process (setup, warm-up and `requests` requests of page `key`)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONMALLOC": "malloc"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--inner", key, "--rounds", str(requests)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{key}: the counted process failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return collected(done.stderr)


def per_request(key: str, rounds: int) -> float:
    return (count(key, rounds) - count(key, 0)) / rounds


def outer(keys: list[str], rounds: int) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from bench import pages

    labels = {p[0]: p[1] for p in pages.PAGES}
    print(f"counting {len(keys)} page(s) under callgrind, {rounds} requests each (two at a time, about a minute a page) …", flush=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(keys, pool.map(lambda k: per_request(k, rounds), keys), strict=True))
    print(f"\n{'page':<50}{'instructions per request':>26}")
    for key in keys:
        print(f"{labels[key]:<50}{results[key] / 1e6:>24,.1f} M")
    print(f"\n{rounds} counted requests a page after two warm-up requests; 1,000-pupil world ({pages.BASE_NAME}_1k); "
          "PYTHONHASHSEED=0, PYTHONMALLOC=malloc")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated page keys of bench/pages.py (default: "
                        + ",".join(DEFAULT_PAGES) + ")")
    parser.add_argument("--rounds", type=int, default=4, help="counted requests per page")
    parser.add_argument("--inner", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench import pages

    if args.inner:
        inner(args.inner, args.rounds)
        return 0
    keys = [k for k in args.only.split(",") if k] or DEFAULT_PAGES
    unknown = set(keys) - {p[0] for p in pages.PAGES}
    if unknown:
        sys.exit(f"unknown page(s): {', '.join(sorted(unknown))}")
    if not pages._exists(f"{pages.BASE_NAME}_1k"):
        sys.exit(f"no {pages.BASE_NAME}_1k database: run `make bench` once first")
    return outer(keys, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
