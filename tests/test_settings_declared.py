"""Every setting the code reads is declared in opp_portal/settings.py, with its default and environment variable.

`getattr(settings, "X", default)` hides a setting: its default lives at the call, no environment variable can set
it and nobody finds it in settings.py. The code reads `settings.X`; settings.py declares X.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
#: Never production code.
SKIP_DIRS = {"tests", "bench", "migrations", ".venv", "node_modules", "staticfiles", "var", "__pycache__"}


def _packages() -> list[Path]:
    """The top-level packages of the project: the apps and opp_portal."""
    return sorted(p for p in ROOT.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in SKIP_DIRS)


def _production_files() -> list[Path]:
    files = []
    for package in _packages():
        for path in sorted(package.rglob("*.py")):
            if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def _settings_names(tree: ast.Module) -> set[str]:
    """The names under which a module holds django.conf.settings (`from django.conf import settings as s`)."""
    names = {"settings"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.conf":
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "settings")
    return names


def _is_settings(node: ast.expr, names: set[str]) -> bool:
    return (isinstance(node, ast.Name) and node.id in names) or (isinstance(node, ast.Attribute) and node.attr == "settings")


def hidden_settings(source: str, filename: str = "<source>") -> list[str]:
    """Each `getattr(settings, ...)` call of the source, as "file:line: code"."""
    tree = ast.parse(source, filename=filename)
    names = _settings_names(tree)
    return [f"{filename}:{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and node.args and _is_settings(node.args[0], names)]


def read_settings(source: str) -> set[str]:
    """The setting names the source reads as `settings.NAME`."""
    tree = ast.parse(source)
    names = _settings_names(tree)
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.isupper() and _is_settings(node.value, names)
            and isinstance(node.ctx, ast.Load)}


def test_the_check_finds_every_spelling():
    source = (
        "from django.conf import settings\n"
        "import django.conf\n"
        "from django.conf import settings as conf\n"
        "a = getattr(settings, 'A', 1)\n"
        "b = getattr(django.conf.settings, 'B')\n"
        "c = getattr(conf, name, None)\n"
        "d = settings.D\n"
        "e = getattr(other, 'E', 1)\n"
    )
    found = hidden_settings(source)
    assert [line.split(":")[1] for line in found] == ["4", "5", "6"], found
    assert read_settings(source) == {"D"}


def test_the_scan_covers_the_apps_and_opp_portal():
    files = {p.relative_to(ROOT).as_posix() for p in _production_files()}
    for expected in ("opp_portal/uploads.py", "retention/services.py", "students/deadlines.py", "ratelimits/limits.py",
                     "evaluations/selectors.py", "deadlines/selectors.py", "deadlines/registry.py", "audit/log.py",
                     "security/policy.py", "security/otp.py", "accounts/access.py"):
        assert expected in files
    assert not [f for f in files if f.startswith(("tests/", "bench/")) or "/migrations/" in f]


def test_no_production_code_reads_a_setting_with_getattr():
    found = []
    for path in _production_files():
        found += hidden_settings(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert not found, "declare these in opp_portal/settings.py and read settings.X:\n" + "\n".join(found)


def test_every_setting_the_code_reads_is_declared():
    missing = set()
    for path in _production_files():
        missing |= {f"{path.relative_to(ROOT).as_posix()}: {name}" for name in read_settings(path.read_text(encoding="utf-8"))
                    if not hasattr(settings, name)}
    assert not missing, sorted(missing)


def test_the_declared_settings_come_from_the_environment():
    from tests.test_settings import _setting

    env = {"DEBUG": "1", "OPP_EVALUATION_OVERDUE_FROM": "6-15", "OPP_SETTING_TERM_DAYS": "56",
           "OPP_REMINDER_STEPS": '{"evaluatie": {"before": [60]}}', "OPP_RETENTION_IMPORT_DAYS": "30"}
    assert _setting("OPP_EVALUATION_OVERDUE_FROM", **env) == "(6, 15)"
    assert _setting("OPP_EVALUATION_FIRST_DUE_CUTOFF", **env) == "(5, 1)"  # unset: the default
    assert _setting("OPP_SETTING_TERM_DAYS", **env) == "56"
    assert _setting("OPP_REMINDER_STEPS", **env) == "{'evaluatie': {'before': [60]}}"
    assert _setting("OPP_RETENTION_IMPORT_DAYS", **env) == "30"


@pytest.mark.parametrize("value", ["1 mei", "5-32", "13-1", "5"])
def test_a_malformed_day_of_the_school_year_stops_naming_it(value):
    from tests.test_settings import _manage

    result = _manage("check", DEBUG="1", OPP_EVALUATION_FIRST_DUE_CUTOFF=value)
    assert result.returncode != 0
    assert "OPP_EVALUATION_FIRST_DUE_CUTOFF" in result.stderr and "month-day" in result.stderr
