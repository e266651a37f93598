"""The house's floors hold (README "How the pieces fit"; pyproject.toml [tool.importlinter]).

- No app imports one above it (import-linter's layers contract, run here so that `make test` fails on it).
- No import loop between modules, and no import of the project's own code hidden inside a function to dodge one:
  only an AppConfig.ready() may import inside a function (Django loads apps before their models are importable).
- Access decisions live in each app's access.py: no view raises a bare Http404 or PermissionDenied (they carry no
  school, so the refusal row would land in the wrong school's audit log), and no view reads an object unscoped.
"""

import ast
import pathlib
import re
import sys

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = ["opp_portal", "notifications", "health", "backups", "accounts", "audit", "ratelimits", "security",
        "students", "opp", "evaluations", "disputes", "swv", "deadlines", "portal", "retention", "demo"]
SKIP_PARTS = {"migrations", "__pycache__"}


def _production_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not SKIP_PARTS & set(path.parts):
                yield path


def test_every_app_is_under_contract():
    """A new app must be given its floor: the contract lists every top-level package with Python code."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == set(APPS)


def test_no_app_imports_one_above_it(capsys):
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert exit_code == 0, capsys.readouterr().out


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_loop_between_modules():
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*APPS)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_loop():
    """The check above can fail: a graph with a loop is reported."""
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y"]]


def _imports_inside_functions(path: pathlib.Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom):
                module = "." if node.level else (node.module or "")
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            if module == "." or module.split(".")[0] in APPS:
                yield func.name, node.lineno, module


def test_the_project_is_imported_at_the_top_of_a_module_only():
    """Imports inside functions hid the loops; only AppConfig.ready() needs one (and `demo_hooks` of the roof's
    seed command, which loads every floor's demo on demand)."""
    hidden = [
        f"{path.relative_to(ROOT)}:{line} {func}() imports {module}"
        for path in _production_files()
        for func, line, module in _imports_inside_functions(path)
        if not (path.name == "apps.py" and func == "ready")
    ]
    assert hidden == []


VIEW_MODULES = [p for p in _production_files() if p.name.endswith("views.py") or p.name == "csv_import.py"]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_leave_refusals_to_the_access_layer(path):
    """A view asks an accessor (`<app>/access.py`); the accessor raises the 404/403 that names the object's school."""
    tree = ast.parse(path.read_text())
    raised = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in {"Http404", "PermissionDenied"}:
                raised.append(f"line {node.lineno}: raise {name}")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "get_object_or_404":
                raised.append(f"line {node.lineno}: get_object_or_404 (unscoped)")
    assert raised == []


def test_production_code_names_rules_not_issue_numbers():
    """Comments cite the domain (R-numbers, DOMAIN.md) and say why; "issue 16" means nothing to a newcomer."""
    pattern = re.compile(r"\bissues? \d+", re.IGNORECASE)
    found = [f"{path.relative_to(ROOT)}:{number}" for path in [*_production_files(), *(ROOT / "templates").rglob("*.html")]
             for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


#: The only modules that may know where the private files live on disk: the storage itself and the settings.
_STORAGE_MODULES = {"opp_portal/files.py", "opp_portal/settings.py", "opp_portal/settings_test.py",
                    "opp_portal/storage_config.py"}


def test_every_private_file_goes_through_the_storage():
    """opp_portal.files is the one door to uploads, archived PDFs and dossiers (disk or object store): no other module
    builds a path from PRIVATE_MEDIA_ROOT, so a second web server or worker finds every file the first one wrote."""
    found = []
    for path in _production_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in _STORAGE_MODULES:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"settings\.PRIVATE_MEDIA_ROOT|\bstorages\[", line):
                found.append(f"{relative}:{number}")
    assert found == []
