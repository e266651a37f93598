"""gunicorn's settings file for bin/web (`--config python:opp_portal.gunicorn_config`); the command line there
holds the rest.

The garbage collector: a worker that has loaded the app holds some 200,000 objects (Django, the apps, the
URLconf and every view module) that live as long as the process. Left alone, the collector walks them again in
every full collection, and its youngest generation (700 allocations) fills many times per page: the ORM makes
and drops thousands of objects a request. So each worker, once it has loaded the app and the URLconf, freezes
what it has (`gc.freeze()`: those objects are never walked again) and collects its youngest generation every
7,000 allocations instead of 700. Measured in-process over a mix of eight staff and portal pages (README
"Performance"): the collector's share of the CPU 4.5 % → 1.8 %. The app's own objects are short-lived request
garbage; nothing here relies on a collection happening sooner.

With OPP_GUNICORN_CPU_LOG set to a file name (bench/load.py does), each worker appends one line per request to that
file: the time the request ended, the CPU milliseconds the worker spent on it (from reading the request to writing
the last byte of the answer) and its path, so that the load benchmark can say which pages the CPU goes to. Unset (in
production), the hooks are not defined at all.
"""

from __future__ import annotations

import gc
import os
import time

from django.urls import get_resolver

#: gc.set_threshold for a worker: the youngest generation collected every 7,000 allocations (Python's default
#: is 700), the older ones after 20 collections of the one below (default 10).
WORKER_GC_THRESHOLD = (7_000, 20, 20)


def post_worker_init(worker) -> None:
    """After the worker loaded the app: load the URLconf (which imports every view) and freeze it all."""
    get_resolver().url_patterns  # noqa: B018 (reading the attribute loads the URLconf)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


#: Where each worker appends "<end time> <CPU ms> <path>" per request; empty: no request hooks (production).
CPU_LOG = os.environ.get("OPP_GUNICORN_CPU_LOG", "")

if CPU_LOG:

    def pre_request(worker, req) -> None:
        worker.opp_cpu_started = time.process_time()

    def post_request(worker, req, environ, resp) -> None:
        spent = time.process_time() - getattr(worker, "opp_cpu_started", time.process_time())
        # One write() of a short line to a file opened for appending: the workers' lines do not interleave.
        with open(CPU_LOG, "a", encoding="utf-8") as out:
            path = environ.get("PATH_INFO", "").replace("\n", "%0A")  # one line per request, whatever was asked
            out.write(f"{time.time():.3f} {1000 * spent:.3f} {path}\n")
