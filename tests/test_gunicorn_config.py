"""bin/web's gunicorn settings (opp_portal/gunicorn_config.py): each worker freezes what it loaded and collects
its youngest generation less often."""

import gc
import pathlib

from django.urls import clear_url_caches, get_resolver

from opp_portal import gunicorn_config

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_a_worker_freezes_the_loaded_app_and_raises_the_threshold():
    threshold = gc.get_threshold()
    clear_url_caches()  # a fresh resolver: the hook must load the URLconf itself
    try:
        gunicorn_config.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == gunicorn_config.WORKER_GC_THRESHOLD
        assert "url_patterns" in get_resolver().__dict__  # the URLconf (every view module) was loaded first
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_bin_web_passes_the_settings_file_to_gunicorn():
    assert "--config python:opp_portal.gunicorn_config" in (ROOT / "bin" / "web").read_text()
