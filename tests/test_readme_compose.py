"""The README's docker compose command works as written: it sets every variable docker-compose.yml insists on
(`${NAME:?…}`). Issue 18.12: it lacked POSTGRES_PASSWORD, so `docker compose up` stopped before starting anything."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _required_by_compose() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", (ROOT / "docker-compose.yml").read_text()))


def _set_by_readme_command() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running with docker compose", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    command = block.replace("\\\n", " ").split("docker compose up", 1)[0].splitlines()[-1]
    return set(re.findall(r"(?:^|\s)([A-Z_][A-Z0-9_]*)=", command))


def test_compose_requires_something_the_check_can_see():
    assert {"SECRET_KEY", "POSTGRES_PASSWORD"} <= _required_by_compose()


def test_the_readme_command_sets_every_variable_compose_requires():
    assert _required_by_compose() - _set_by_readme_command() == set()
