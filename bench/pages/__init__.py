"""``bench report``: one self-contained HTML page of a run, or of two runs contrasted.

Split by job: ``read`` (a run read back with its gold, documents and predictions),
``layout`` (claims drawn over text), ``single`` (one run's page), ``pair`` (two runs),
``links`` (the clusters of a links run), ``assets`` (colours, CSS, script). Every claim
element carries ``data-claim``, ``data-doc``, ``data-start``, ``data-end``, ``data-type`` and
``data-outcome`` (contrasted: ``data-compare``, ``data-outcome-a``, ``data-outcome-b``), so
a page can be checked against the run's outcomes.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import InputError, warn
from ..runs import REPORT_FILE, add_file, read_run, slug
from .read import read_view

DEFAULT_WORST = 20


def render_report(runs: list[Path], *, docs: Path | None = None, gold: Path | None = None,
                  show: list[str] | None = None, worst: int = DEFAULT_WORST) -> str:
    """The whole HTML page for one run, or for two runs on the same gold contrasted."""
    from .links import links_page
    from .pair import pair_page
    from .single import single_page

    if len(runs) not in (1, 2):
        raise InputError(f"a report shows one run or contrasts two, got {len(runs)}")
    first = read_view(Path(runs[0]), docs=docs, gold=gold)
    if not first.task.per_document:
        if len(runs) == 2:
            raise InputError("two links runs are compared with bench compare, not contrasted in a report")
        return stamped(links_page(first))
    if len(runs) == 1:
        return stamped(single_page(first, show=show, worst=worst))
    if Path(runs[0]).resolve() == Path(runs[1]).resolve():
        warn(f"{runs[1]}: the same run is given twice, so it is contrasted with itself")
    second = read_view(Path(runs[1]), scheme=first.scheme, docs=docs, gold=gold, prefix="b")
    _same_gold(first, second, Path(runs[1]))
    return stamped(pair_page(first, second, show=show, worst=worst))


def _same_gold(a, b, where: Path) -> None:
    if a.results["task"] != b.results["task"]:
        raise InputError("the two runs are of different tasks, so their records cannot be contrasted", path=where)
    for key, what in (("sha256", "gold labels"), ("docs_sha256", "documents")):
        mine, theirs = a.results["gold"][key], b.results["gold"][key]
        if mine != theirs:
            raise InputError(f"the two runs were scored on different {what} ({key} {mine[:12]} vs "
                             f"{theirs[:12]}), so their claims cannot be contrasted", path=where)


# A report begins with this line, naming the SHA-256 of everything after it: a file is an earlier report,
# and may be replaced, only when it begins so and the rest has that hash (not when it merely mentions
# ClaimBench, and not once someone has edited it).
STAMP = "<!DOCTYPE html>\n<!-- ClaimBench report sha256:{} -->\n"
_STAMP_HEAD = STAMP.split("{}")[0].encode()
_DIGEST_CHARS = 64


def stamped(page: str) -> str:
    """The page with the stamp line that proves it is a report (see ``is_report``)."""
    import hashlib

    body = page.removeprefix("<!DOCTYPE html>\n")
    return STAMP.format(hashlib.sha256(body.encode("utf-8")).hexdigest()) + body


def is_report(data: bytes) -> bool:
    """Whether ``data`` is a report as written: the stamp line, and the rest with the hash it names."""
    import hashlib

    if not data.startswith(_STAMP_HEAD):
        return False
    digest = data[len(_STAMP_HEAD):len(_STAMP_HEAD) + _DIGEST_CHARS]
    tail = b" -->\n"
    start = len(_STAMP_HEAD) + _DIGEST_CHARS
    if data[start:start + len(tail)] != tail:
        return False
    return hashlib.sha256(data[start + len(tail):]).hexdigest().encode() == digest


def default_output(runs: list[Path]) -> Path:
    first = Path(runs[0])
    if len(runs) == 1:
        return first / REPORT_FILE
    return first / f"compare-{slug(read_run(Path(runs[1])).run_id)}.html"


def write_report(runs: list[Path], out: Path | None = None, *, docs: Path | None = None, gold: Path | None = None,
                 show: list[str] | None = None, worst: int = DEFAULT_WORST) -> Path:
    """Render and write the page atomically; returns where it went.

    A report is derived output, so an earlier report is replaced; nothing else ever is (a
    user's file, a link, a device, a run's own files).
    """
    from ..jsonio import NotReplaceable, write_error, write_replacing

    out = Path(out) if out is not None else default_output(runs)
    if out.is_dir():
        raise InputError("is a folder, expected the report's file name", path=out)
    refused = InputError("exists and is not a ClaimBench report, so it is not replaced; choose another -o", path=out)
    if os.path.lexists(out) and not (out.is_file() and not out.is_symlink() and _is_report_file(out)):
        raise refused  # refused before any work; checked again, on the file itself, when the page is placed
    page = render_report(runs, docs=docs, gold=gold, show=show, worst=worst).encode("utf-8")
    try:
        if out.parent.resolve() == Path(runs[0]).resolve() or (out.parent / "results.json").exists():
            try:
                return add_file(out.parent, out.name, page, is_report)
            except ValueError:
                raise InputError("refusing to overwrite a run's own file with a report", path=out) from None
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(exc, out.parent) from None
        return write_replacing(out, page, is_report)
    except NotReplaceable:
        raise refused from None


def _is_report_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return is_report(handle.read())
    except OSError:
        return False
