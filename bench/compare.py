"""Runs side by side: per-type P/R/F1, deltas against the first run, paired significance.

Significance comes from the unit counts each run stored, so comparing never re-scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InputError
from .tables import SIGNIFICANCE_LEVEL, compare_table, fmt_interval, fmt_score


@dataclass(slots=True)
class Comparison:
    headers: list[str]
    rows: list[list]
    warnings: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    def render(self, fmt: str = "table") -> str:
        table = compare_table(self.rows, self.headers, fmt=fmt)
        notes = [f"* p < {SIGNIFICANCE_LEVEL} (paired bootstrap over stored unit counts, against the first run)"]
        return "\n".join([*self.warnings, table, *notes])


def _label(results: dict, all_results: list[dict]) -> str:
    model = results["model"]
    same = sum(1 for r in all_results if r["model"] == model)
    return model if same == 1 else results["run_id"]


def compare_runs(runs: list[dict], units: list[dict], *, scheme: str, n: int = 1000, seed: int = 0) -> Comparison:
    """``runs`` are results.json contents, ``units`` each run's units.json (``bench.runs.load_units``)."""
    from .significance import UnitCounts, paired_test

    for results in runs:
        if scheme not in results["scores"]:
            raise InputError(f'run {results["run_id"]} has no scores for scheme "{scheme}"')
    base = runs[0]
    warnings = []
    signatures = {r["signatures"].get(scheme, r["signature"]) for r in runs}
    if len(signatures) > 1:
        lines = [f"  {r['run_id']}: {r['signatures'].get(scheme, r['signature'])}" for r in runs]
        warnings.append("WARNING: the runs' signatures differ, so their scores are NOT comparable:\n" + "\n".join(lines))
    types = list(base["scores"][scheme]["per_type"])
    row_names = [*types, "micro", "macro"]
    headers = ["type"]
    columns: list[list[str]] = [[name for name in row_names]]
    regressions: list[str] = []
    for index, results in enumerate(runs):
        label = _label(results, runs)
        entry = results["scores"][scheme]
        cells = {name: entry["per_type"].get(name) or {} for name in types}
        cells |= {"micro": entry["micro"], "macro": entry["macro"]}
        ci = entry.get("ci", {})
        intervals = {name: ci.get("per_type", {}).get(name, {}).get("f1") for name in types}
        intervals |= {"micro": ci.get("micro", {}).get("f1"), "macro": ci.get("macro", {}).get("f1")}
        headers += [f"{label} P", f"{label} R", f"{label} F1 [95% CI]"]
        columns.append([fmt_score(cells[name].get("precision")) for name in row_names])
        columns.append([fmt_score(cells[name].get("recall")) for name in row_names])
        columns.append([f'{fmt_score(cells[name].get("f1"))} {fmt_interval(intervals[name], missing="", digits=2)}'.strip()
                        for name in row_names])
        if index == 0:
            continue
        test = None
        missing = [r["run_id"] for r, u in ((base, units[0]), (results, units[index])) if scheme not in u]
        try:
            if missing:
                raise ValueError(f"no unit counts saved for scheme {scheme} in {', '.join(missing)}")
            test = paired_test(UnitCounts.from_dict(units[0][scheme]), UnitCounts.from_dict(units[index][scheme]),
                               n=n, seed=seed)
        except ValueError as exc:
            warnings.append(f"WARNING: no significance test for {label}: {exc}")
        deltas, pvalues = [], []
        for name in row_names:
            a = (base["scores"][scheme]["per_type"].get(name) if name in types else base["scores"][scheme][name]) or {}
            b = cells[name]
            delta = None if a.get("f1") is None or b.get("f1") is None else b["f1"] - a["f1"]
            p = None if test is None else _p_value(test, name)
            deltas.append("-" if delta is None else f"{delta:+.3f}" + ("*" if p is not None and p < SIGNIFICANCE_LEVEL else ""))
            pvalues.append("-" if p is None else f"<{1 / n:.3f}" if p == 0 else f"{p:.3f}")
            if delta is not None and delta < 0 and p is not None and p < SIGNIFICANCE_LEVEL:
                regressions.append(f"{label}: {name} F1 {delta:+.3f} (p={p:.3f})")
        headers += [f"{label} ΔF1", f"{label} p"]
        columns += [deltas, pvalues]
    rows = [list(row) for row in zip(*columns)]
    return Comparison(headers=headers, rows=rows, warnings=warnings, regressions=regressions)




def _p_value(test: dict, name: str) -> float | None:
    row = test[name] if name in ("micro", "macro") else test["per_type"].get(name)
    return None if row is None else row["p_value"]
