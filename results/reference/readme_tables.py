"""Rewrites the README's generated blocks from the committed runs (run from the repository root).

Each block sits between ``<!-- table: COMMAND ARGS -->`` and ``<!-- end table -->``, COMMAND one of
``compare``, ``leaderboard`` and ``errors``; it is replaced by what ``bench COMMAND ARGS`` prints
(``--format markdown`` unless ARGS name a format; output that is not markdown is fenced).
Patterns in ARGS name one committed run each. tests/test_readme.py checks that the README holds exactly that.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

README = Path("README.md")
BLOCK = re.compile(r"(<!-- table: (compare|leaderboard|errors) (.*?) -->\n)(.*?)(<!-- end table -->)", re.S)


def argv(command: str, spec: str, root: Path = Path()) -> list[str]:
    """The command line of a block: each pattern replaced by the one run it names, a format added."""
    found = []
    for token in shlex.split(spec):
        if "*" in token:
            (match,) = sorted(root.glob(token))
            found.append(str(match))
        else:
            found.append(token)
    if "--format" not in found:
        found += ["--format", "table" if command == "errors" else "markdown"]
    return [command, *found]


def block(command: str, spec: str, root: Path = Path()) -> str:
    """What a block holds: the command's output, fenced when it is not markdown."""
    from bench.cli import main

    args = argv(command, spec, root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(args) == 0, spec
    text = out.getvalue()
    return text if args[args.index("--format") + 1] == "markdown" else f"```text\n{text}```\n"


def _rewrite(match: re.Match) -> str:
    return f"{match.group(1)}{block(match.group(2), match.group(3))}{match.group(5)}"


if __name__ == "__main__":
    README.write_text(BLOCK.sub(_rewrite, README.read_text(encoding="utf-8")), encoding="utf-8")
