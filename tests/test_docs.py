"""Every CLI command is documented in the README, and the README's Quickstart stays true."""

import re

from typer.main import get_command

from helpers import REPO
from open287g.cli import app


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name in get_command(app).commands:
        assert f"`{name}" in readme, f"command {name!r} is not documented in README.md"


def test_quickstart_has_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./scripts/main", "./scripts/test"]
    assert "./scripts/test" in (REPO / ".ci" / "run").read_text()
