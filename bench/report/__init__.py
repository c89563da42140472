"""``bench report``: one self-contained HTML page of a run, or of two runs contrasted.

Split by job: ``read`` (a run read back with its gold, documents and predictions),
``layout`` (claims drawn over text), ``single`` (one run's page), ``pair`` (two runs),
``links`` (the clusters of a links run), ``assets`` (colours, CSS, script). Every claim
element carries ``data-claim``, ``data-doc``, ``data-start``, ``data-end``, ``data-type`` and
``data-outcome`` (contrasted: ``data-compare``, ``data-outcome-a``, ``data-outcome-b``), so
a page can be checked against the run's outcomes.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, warn
from ..runs import REPORT_FILE, add_file, read_run, slug
from .assets import GENERATOR_TAG
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
        return links_page(first)
    if len(runs) == 1:
        return single_page(first, show=show, worst=worst)
    if Path(runs[0]).resolve() == Path(runs[1]).resolve():
        warn(f"{runs[1]}: the same run is given twice, so it is contrasted with itself")
    second = read_view(Path(runs[1]), scheme=first.scheme, docs=docs, gold=gold, prefix="b")
    _same_gold(first, second, Path(runs[1]))
    return pair_page(first, second, show=show, worst=worst)


def _same_gold(a, b, where: Path) -> None:
    if a.results["task"] != b.results["task"]:
        raise InputError("the two runs are of different tasks, so their records cannot be contrasted", path=where)
    for key, what in (("sha256", "gold labels"), ("docs_sha256", "documents")):
        mine, theirs = a.results["gold"][key], b.results["gold"][key]
        if mine != theirs:
            raise InputError(f"the two runs were scored on different {what} ({key} {mine[:12]} vs "
                             f"{theirs[:12]}), so their claims cannot be contrasted", path=where)


def _check_replaceable(out: Path) -> None:
    """Refuse a target that exists and is not a regular file holding an earlier ClaimBench report."""
    import stat

    try:
        mode = out.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot check the target: {exc.strerror or exc}", path=out) from None
    if stat.S_ISREG(mode):
        try:
            with open(out, "rb") as handle:
                if GENERATOR_TAG.encode() in handle.read(4096):
                    return
        except OSError:
            pass
    raise InputError("exists and is not a ClaimBench report, so it is not replaced; choose another -o", path=out)


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
    from ..jsonio import write_atomic

    out = Path(out) if out is not None else default_output(runs)
    if out.is_dir():
        raise InputError("is a folder, expected the report's file name", path=out)
    _check_replaceable(out)
    page = render_report(runs, docs=docs, gold=gold, show=show, worst=worst).encode("utf-8")
    if out.parent.resolve() == Path(runs[0]).resolve() or (out.parent / "results.json").exists():
        try:
            return add_file(out.parent, out.name, page)
        except ValueError:
            raise InputError("refusing to overwrite a run's own file with a report", path=out) from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..jsonio import write_error

        raise write_error(exc, out.parent) from None
    return write_atomic(out, page)
