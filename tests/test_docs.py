"""The README's command reference is generated from the CLI (cog) and current, every command has its own
subsection, and the README's Quickstart stays true."""

import io
import re

import pytest
from typer.main import get_command

from helpers import REPO
from open287g import docs
from open287g.cli import app


def _section(readme: str, name: str) -> str:
    """The text of `### open287g <name>`, up to the next heading."""
    m = re.search(rf"^### open287g {re.escape(name)}\n(.*?)(?=^#|\Z)", readme, re.S | re.M)
    assert m, f"README.md has no `### open287g {name}` subsection"
    return m[1]


@pytest.mark.parametrize("doc", ["README.md", "docs/data-dictionary.md"])
def test_generated_docs_are_current(doc):
    """`cog --check`: the README's command reference equals what the commands say now, and the data dictionary
    what data/schema.csv says."""
    from cogapp import Cog

    cog = Cog()
    out = io.StringIO()
    cog.set_output(stdout=out, stderr=out)
    rc = cog.main(["cog", "--check", "--diff", "--check-fail-msg", f"run `uv run cog -r {doc}`", str(REPO / doc)])
    assert rc == 0, out.getvalue()


def test_every_command_has_its_subsection():
    readme = (REPO / "README.md").read_text()
    commands = {name for name, cmd in get_command(app).commands.items() if not cmd.hidden}
    headings = set(re.findall(r"^### open287g (\S+)$", readme, re.M))
    assert commands - headings == set(), f"commands without a `### open287g <name>` heading: {commands - headings}"
    assert headings - commands == set(), f"headings for commands that do not exist: {headings - commands}"


def test_reference_gives_every_argument_option_and_docstring():
    """What the generator must put in each subsection: the docstring, every argument and option with its help."""
    readme = (REPO / "README.md").read_text()
    for name, cmd in docs.commands(app).items():
        section = _section(readme, name)
        assert " ".join(cmd.help.split()) in " ".join(section.split()), f"{name}: docstring missing"
        for p in cmd.params:
            if p.hidden or p.name in ("install_completion", "show_completion"):
                continue
            shown = p.name.upper() if p.param_type_name == "argument" else p.opts[0]
            assert f"`{shown}" in section, f"{name}: {shown} missing"
            assert " ".join((p.help or "").split()) in " ".join(section.split()), f"{name} {shown}: help missing"


def test_quickstart_has_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quickstart.*?```sh\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./scripts/main", "./scripts/test"]
    assert "./scripts/test" in (REPO / ".ci" / "run").read_text()
