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


def test_with_a_cpu_log_each_request_appends_its_cpu_time_and_path(tmp_path, monkeypatch):
    """bench/load.py's CPU per page group: the hooks exist only when OPP_GUNICORN_CPU_LOG names a file."""
    import importlib
    from types import SimpleNamespace

    cpu_log = tmp_path / "request-cpu.log"
    monkeypatch.setenv("OPP_GUNICORN_CPU_LOG", str(cpu_log))
    hooked = importlib.reload(gunicorn_config)
    try:
        worker = SimpleNamespace()
        for path in ("/leerlingen/", "/portaal/"):
            hooked.pre_request(worker, req=None)
            sum(range(200_000))  # some CPU
            hooked.post_request(worker, req=None, environ={"PATH_INFO": path}, resp=None)
        lines = [line.split(" ") for line in cpu_log.read_text().splitlines()]
        assert [path for _end, _ms, path in lines] == ["/leerlingen/", "/portaal/"]
        assert all(float(ms) > 0 for _end, ms, _path in lines)
    finally:
        monkeypatch.delenv("OPP_GUNICORN_CPU_LOG")
        del gunicorn_config.pre_request, gunicorn_config.post_request  # reload() keeps old names
        importlib.reload(gunicorn_config)
    assert not hasattr(gunicorn_config, "pre_request")  # production: no hooks, no file
