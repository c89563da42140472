"""Runs side by side: the rows of each run's table, deltas against the first run, paired tests.

Significance comes from the unit statistics each run stored, so comparing never re-scores.
Every row carries the direction of its metric, so the regression gate flags a rising
hedge-loss rate as it flags a falling F1. The gate fails closed: when a difference cannot
be tested (no units stored, other settings, resampling switched off), it says so and counts
as a failure. Runs scored on other gold or documents are refused, naming the field that
differs; allowed anyway (``allow_other_gold``), every cell of such a run says so and no test is
run. A comparison too wide to read row by row is printed one row per system instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputError, warn
from .runs import DEFAULT_RESULTS_DIR, UNITS_FILE, Run, read_run, search_runs
from .signature import evaluation_part
from .significance import check_settings, paired_test
from .tables import SIGNIFICANCE_LEVEL, fmt_interval, fmt_p, fmt_score, notes, render

# Fields of the evaluation signature that say what was scored against: runs that differ in one of
# them measure different things, so a comparison refuses them unless asked.
GOLD_FIELDS = ("gold", "docs")
OTHER_GOLD = "‡"  # marks every number of a run scored on other gold, when that is allowed
WIDE = 160  # characters: a row-by-row comparison wider than this is printed one row per system
LAYOUTS = ("auto", "rows", "systems")


@dataclass(slots=True)
class Comparison:
    task: str
    scheme: str
    labels: list[str]
    run_ids: list[str]
    signatures: list[str]
    rows: list[dict]  # {"name", "higher_is_better", "runs": [{"precision", "recall", "value", "ci", "delta", "p_value"}]}
    n: int = 1000
    warnings: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    other_gold: set[int] = field(default_factory=set)  # runs scored on other gold than the first (allowed)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (row, column name) one row per system shows

    def render(self, fmt: str = "table", layout: str = "auto") -> str:
        """The comparison as text: row by row (a metric a row, the runs side by side), or one row per
        system (``layout="systems"``, chosen by ``auto`` when the first would be wider than ``WIDE``)."""
        if fmt == "json":
            from .jsonio import to_json

            return to_json(self.to_dict(), indent=True).decode("utf-8").rstrip("\n")
        if layout not in LAYOUTS:
            raise InputError(f"layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
        if layout == "systems":
            return self._by_system(fmt)
        shown = self._by_row(fmt)
        if layout == "auto" and max(map(len, shown.splitlines()), default=0) > WIDE:
            return self._by_system(fmt)
        return shown

    def _mark(self, index: int) -> str:
        return OTHER_GOLD if index in self.other_gold else ""

    def _foot(self) -> list[str]:
        foot = [f"* p < {SIGNIFICANCE_LEVEL} (paired bootstrap over stored unit counts, against the first run)"]
        if self.other_gold:
            foot.append(f"{OTHER_GOLD} scored on other gold or documents than the first run: NOT comparable, "
                        "and not tested")
        return foot

    def _by_row(self, fmt: str) -> str:
        headers = ["row"]
        for index, label in enumerate(self.labels):
            headers += [f"{label} P", f"{label} R", f"{label} [95% CI]"]
            if index:
                headers += [f"{label} Δ", f"{label} p"]
        table_rows = []
        for row in self.rows:
            cells = [row["name"] if row["higher_is_better"] else f'{row["name"]} (lower is better)']
            for index, cell in enumerate(row["runs"]):
                shown = f'{fmt_score(cell["value"])} {fmt_interval(cell["ci"], digits=2)}'.strip() + self._mark(index)
                pr = (lambda v: fmt_score(v)) if cell["has_pr"] else (lambda v: "-")
                cells += [pr(cell["precision"]), pr(cell["recall"]), shown]
                if index:
                    cells += [_delta(cell), fmt_p(cell["p_value"], self.n)]
            table_rows.append(cells)
        return "\n".join([render(table_rows, headers, fmt), *notes(self._foot(), fmt)])

    def _by_system(self, fmt: str) -> str:
        """One row per system: the headline with its interval, delta and p against the first run, then the
        rows a leaderboard shows (a ``*`` where a value differs from the first run's at p < 0.05)."""
        rows = {row["name"]: row for row in self.rows}
        shown = [(name, header) for name, header in self.summary if name in rows]
        head = rows[shown[0][0]]
        headers = ["system", f"{shown[0][1]} [95% CI]", "Δ", "p", *(header for _, header in shown[1:])]
        table_rows = []
        for index, label in enumerate(self.labels):
            cell = head["runs"][index]
            cells = [label + self._mark(index),
                     f'{fmt_score(cell["value"])} {fmt_interval(cell["ci"], digits=2)}'.strip(),
                     _delta(cell) if index else "", fmt_p(cell["p_value"], self.n) if index else ""]
            for name, _ in shown[1:]:
                other = rows[name]["runs"][index]
                p = other["p_value"]
                star = "*" if index and p is not None and p < SIGNIFICANCE_LEVEL else ""
                cells.append(fmt_score(other["value"]) + star)
            table_rows.append(cells)
        foot = [*self._foot(), f"one row per system (the row-by-row table is wider than {WIDE} characters); "
                "every row with its P, R, delta and p: --layout rows, or --format json"]
        return "\n".join([render(table_rows, headers, fmt), *notes(foot, fmt)])

    def to_dict(self) -> dict:
        return {
            "task": self.task, "scheme": self.scheme, "bootstrap": self.n,
            "runs": [{"run_id": r, "label": label, "signature": s}
                     for r, label, s in zip(self.run_ids, self.labels, self.signatures)],
            "rows": self.rows, "warnings": self.warnings, "regressions": self.regressions, "untested": self.untested,
            "comparable": [index not in self.other_gold for index in range(len(self.labels))],
        }


def _delta(cell: dict) -> str:
    p = cell["p_value"]
    star = "*" if p is not None and p < SIGNIFICANCE_LEVEL else ""
    return "-" if cell["delta"] is None else f'{cell["delta"]:+.3f}{star}'


def differing_gold(runs: list[Run], signatures: list[str], labels: list[str]) -> tuple[str, int] | None:
    """The first evaluation field naming gold or documents that differs from the first run's, with the run."""
    parts = [evaluation_part(s) for s in signatures]
    for index, part in enumerate(parts[1:], 1):
        for key in GOLD_FIELDS:
            if part.get(key) != parts[0].get(key):
                return key, index
    return None


def find_runs(specs: list[str | Path], results_dir: Path | str = DEFAULT_RESULTS_DIR) -> tuple[list[Run], list]:
    """The runs named or found in folders (read and checked), and what was passed over, each with a warning."""
    found = search_runs(list(specs), results_dir)
    skipped = [(str(path), why) for path, why in found.skipped]
    if not found.runs:
        path, why = skipped[0] if skipped else (", ".join(map(str, specs)), "holds no run")
        raise InputError(f"no run found: {path}: {why}")
    for path, why in skipped:
        warn(f"{path}: skipped: {why}")
    return [read_run(folder) for folder in found.runs], skipped


def labels_of(runs: list[Run], given: list[str] | None) -> list[str]:
    """One distinct label a run: the model's name, else the run id, else the run's folder."""
    folders = [r.folder.resolve() for r in runs]
    for k, folder in enumerate(folders):
        if folder in folders[:k]:
            warn(f"{runs[k].folder}: the same run is given twice, so it is compared with itself")
    if given is not None:
        if isinstance(given, str) or not all(isinstance(g, str) for g in given):
            raise InputError("--label: give one label per run, each a string")
        if len(given) != len(runs):
            raise InputError(f"--label given {len(given)} times for {len(runs)} runs: give one label per run")
        if not all(g.strip() for g in given):
            raise InputError("--label: every label must be a non-empty string")
        if len(set(given)) < len(given):
            raise InputError(f"--label {next(g for k, g in enumerate(given) if g in given[:k])!r} is given twice: "
                             "give each run its own label")
        return list(given)
    models, ids = [r.results.model for r in runs], [r.run_id for r in runs]
    others = ids if len(set(ids)) == len(ids) else [str(r.folder) for r in runs]
    return [m if models.count(m) == 1 else other for m, other in zip(models, others)]


def regressed(delta: float, p: float | None, higher_is_better: bool) -> bool:
    """A difference that is significant and in the worse direction of its metric."""
    worse = delta < 0 if higher_is_better else delta > 0
    return worse and p is not None and p < SIGNIFICANCE_LEVEL


def compare_runs(runs: list[Run], *, scheme: str | None = None, n: int = 1000, seed: int = 0,
                 labels: list[str] | None = None, allow_other_gold: bool = False) -> Comparison:
    """Compare ``runs`` (read with ``bench.runs.read_run``) under ``scheme`` (default: the task's headline).

    Runs scored on other gold or documents than the first are refused, unless ``allow_other_gold``.
    """
    if not runs:
        raise InputError("no runs to compare")
    tasks = {r.results.task for r in runs}
    if len(tasks) > 1:
        raise InputError(f"runs of different tasks cannot be compared: {', '.join(sorted(tasks))}")
    task = runs[0].task
    scheme = task.check_scheme(scheme or task.headline)
    check_settings(n, seed, none="no test")
    for run in runs:
        if scheme not in run.results.scores:
            raise InputError(f'run {run.run_id} has no scores for scheme "{scheme}"')
    labels = labels_of(runs, labels)
    signatures = [r.results.signatures.get(scheme, r.results.signature) for r in runs]
    warnings, untested = [], []
    other_gold: set[int] = set()
    parts = [evaluation_part(s) for s in signatures]
    differs = differing_gold(runs, signatures, labels)
    if differs is not None:
        key, index = differs
        what = "gold" if key == "gold" else "documents"
        if not allow_other_gold:
            raise InputError(f'the runs were scored on different {what}: "{key}" is {parts[0].get(key)} for '
                             f"{labels[0]} but {parts[index].get(key)} for {labels[index]}, so their numbers are not "
                             "comparable (--allow-other-gold compares them anyway, marking every number)")
        other_gold = {k for k, p in enumerate(parts) if any(p.get(f) != parts[0].get(f) for f in GOLD_FIELDS)}
        warnings.append(warn(f"comparing runs scored on different {what} ({key}), as asked: their numbers are NOT "
                             "comparable and are not tested"))
        untested.append("the runs were scored on different gold or documents")
    elif any(p != parts[0] for p in parts[1:]):
        lines = "; ".join(f"{label}: {s}" for label, s in zip(labels, signatures))
        warnings.append(warn("the runs' evaluation settings differ, so their scores are NOT comparable: " + lines))
        untested.append("the runs were scored on different gold or settings")
    base_rows = task.rows(runs[0].results.scores[scheme])
    table: dict[str, dict] = {row.name: {"name": row.name, "higher_is_better": row.higher_is_better, "runs": []}
                              for row in base_rows}
    regressions: list[str] = []
    base_units = _units(runs[0], scheme, untested, warnings)
    for index, run in enumerate(runs):
        by_name = {row.name: row for row in task.rows(run.results.scores[scheme])}
        test = None
        if index in other_gold:
            pass
        elif index and n and base_units is not None:
            units = _units(run, scheme, untested, warnings)
            if units is not None:
                try:
                    test = paired_test(base_units, units, lambda totals: task.compute(totals, scheme), n=n, seed=seed)
                except ValueError as exc:
                    warnings.append(warn(f"no significance test for {labels[index]}: {exc}"))
                    untested.append(f"{labels[index]}: {exc}")
        elif index and not n:
            untested.append("--bootstrap 0: no paired test")
        for name, entry in table.items():
            row, base = by_name.get(name), entry["runs"][0] if entry["runs"] else None
            cell = {"precision": None, "recall": None, "value": None, "ci": None, "delta": None, "p_value": None,
                    "has_pr": True}
            if row is not None:
                cell |= {"precision": row.precision, "recall": row.recall, "value": row.value, "ci": row.ci,
                         "has_pr": row.has_pr}
            if index and row is not None and base is not None and base["value"] is not None and row.value is not None:
                cell["delta"] = row.value - base["value"]
                if test is not None:
                    found = test[row.metric]["p_value"]
                    cell["p_value"] = found if row.index is None else found[row.index]
                if regressed(cell["delta"], cell["p_value"], row.higher_is_better):
                    regressions.append(f"{labels[index]}: {row.label} {cell['delta']:+.3f} "
                                       f"(p={cell['p_value']:.3f})")
            entry["runs"].append(cell)
    return Comparison(task=task.name, scheme=scheme, labels=labels, run_ids=[r.run_id for r in runs],
                      signatures=signatures, rows=list(table.values()), n=n, warnings=warnings,
                      regressions=regressions, untested=list(dict.fromkeys(untested)), other_gold=other_gold,
                      summary=[(row.name, header) for header, row in task.summary_rows(runs[0].results.scores[scheme])])


def _units(run: Run, scheme: str, untested: list[str], warnings: list[str]):
    units = run.units().get(scheme)
    if units is None:
        untested.append(f"{run.run_id}: no unit statistics saved for scheme {scheme}")
        warnings.append(warn(f"{run.folder / UNITS_FILE}: no unit statistics for scheme {scheme}, so no paired test"))
    return units
