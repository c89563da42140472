"""Rewrites the README's reference tables from the committed runs (run from the repository root).

Each table sits between ``<!-- table: compare ARGS -->`` and ``<!-- end table -->``; it is
replaced by what ``bench compare ARGS --format markdown`` prints. tests/test_readme.py checks
that the README holds exactly that.
"""

import contextlib
import io
import re
import shlex
from pathlib import Path

from bench.cli import main

README = Path("README.md")
BLOCK = re.compile(r"(<!-- table: compare (.*?) -->\n)(.*?)(<!-- end table -->)", re.S)


def _argv(spec: str) -> list[str]:
    argv = []
    for token in shlex.split(spec):
        if "*" in token:
            (found,) = sorted(Path().glob(token))
            argv.append(str(found))
        else:
            argv.append(token)
    return argv


def _table(match: re.Match) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["compare", *_argv(match.group(2)), "--format", "markdown"]) == 0, match.group(2)
    return f"{match.group(1)}{out.getvalue()}{match.group(4)}"


README.write_text(BLOCK.sub(_table, README.read_text(encoding="utf-8")), encoding="utf-8")
