"""The command reference in README.md, generated from the typer app itself (run by cog: `uv run cog -r README.md`;
tests/test_docs.py runs `cog --check`). One `### open287g <name>` subsection per command: usage, the command's
docstring, then its arguments and options with their help, choices, defaults and environment variables."""

from __future__ import annotations

import enum
import inspect
import re

from typer.main import get_command

# how a strftime format is shown
_FORMATS = {"%Y": "YYYY", "%m": "MM", "%d": "DD"}
_TYPES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "path": "PATH"}
# options typer adds to every app
_SKIPPED = {"install_completion", "show_completion", "help"}


def commands(app=None) -> dict:
    """The app's visible commands, by name, in the order they were registered."""
    group = get_command(app if app is not None else _app())
    return {name: cmd for name, cmd in getattr(group, "commands", {}).items() if not cmd.hidden}


def command_reference(app=None) -> str:
    """Markdown: the options taken before any command, then one subsection per command."""
    group = get_command(app if app is not None else _app())
    parts = ["Options taken before the command:\n\n" + "\n".join(_option_lines(group)) + "\n"]
    for name, cmd in commands(app).items():
        parts.append(_command(name, cmd))
    return "\n".join(parts) + "\n"


def _app():
    from .cli import app

    return app


def _params(cmd, kind: str) -> list:
    return [p for p in cmd.params if p.param_type_name == kind and not p.hidden and p.name not in _SKIPPED]


def _command(name: str, cmd) -> str:
    arguments, options = _params(cmd, "argument"), _params(cmd, "option")
    usage = " ".join(["open287g", name, *(["[OPTIONS]"] if options else []), *(_argument_name(a) for a in arguments)])
    out = [f"### open287g {name}", "", "```", usage, "```", ""]
    text = inspect.cleandoc(cmd.help or "").partition("\f")[0].strip()
    if text:
        out += [text, ""]
    if arguments:
        out += ["Arguments:", ""]
        for a in arguments:
            out.append(f"- `{_argument_name(a)}`{' (required)' if a.required else ''}: {_sentence(a.help)}".rstrip())
        out.append("")
    if options:
        out += ["Options:", "", *_option_lines(cmd), ""]
    return "\n".join(out)


def _argument_name(param) -> str:
    return param.name.upper() + ("..." if param.nargs == -1 else "")


def _option_lines(cmd) -> list[str]:
    lines = []
    for p in _params(cmd, "option"):
        names = ", ".join(sorted(p.opts, key=lambda o: (not o.startswith("--"), o)))
        metavar = "" if p.is_flag else f" {_metavar(p)}"
        extra = []
        if p.envvar:
            extra.append(f"Environment variable: `{p.envvar}`.")
        default = _default(p)
        if default is not None:
            extra.append(f"Default: `{default}`.")
        lines.append(" ".join([f"- `{names}{metavar}`:", _sentence(p.help), *extra]).rstrip())
    return lines


def _metavar(param) -> str:
    """The value an option takes: its choices, its date format, or its type (typer's view of the annotation)."""
    described = getattr(param, "type_descriptor", None)
    if described is None:
        return param.metavar or param.name.upper()
    annotation = described.annotation
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "|".join(str(m.value) for m in annotation)
    formats = getattr(described.parameter_info, "formats", None)
    if formats:
        return "|".join(re.sub(r"%[A-Za-z]", lambda m: _FORMATS.get(m[0], m[0]), f) for f in formats)
    name = getattr(annotation, "__name__", str(annotation))
    return _TYPES.get(name, name.upper())


def _default(param) -> str | None:
    value = param.default
    if value is None or value is False or param.show_default is False:
        return None
    return str(value.value if isinstance(value, enum.Enum) else value)


def _sentence(text: str | None) -> str:
    return " ".join((text or "").split())
