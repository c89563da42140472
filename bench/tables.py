"""Results tables as text: one function per table, tabulate for every layout."""

from __future__ import annotations

import json

from tabulate import tabulate

# --format value -> tabulate layout; "json" prints the results themselves.
TABLE_FORMATS = {"table": "simple", "markdown": "github", "latex": "latex_booktabs"}
FORMATS = (*TABLE_FORMATS, "json")
SIGNIFICANCE_LEVEL = 0.05


def fmt_score(value: float | None, missing: str = "-") -> str:
    """A score as every table shows it."""
    return missing if value is None else f"{value:.3f}"


def fmt_interval(ci: list[float] | None, missing: str = "-", digits: int = 3) -> str:
    """A confidence interval as every table shows it."""
    return missing if not ci else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def scores_table(entry: dict, *, fmt: str = "table") -> str:
    """Per-type P/R/F1 with support and counts, micro and macro rows, F1 intervals."""
    ci = entry.get("ci", {})
    rows = []
    for name, counts in entry["per_type"].items():
        rows.append([name, fmt_score(counts["precision"]), fmt_score(counts["recall"]), fmt_score(counts["f1"]),
                     fmt_interval(ci.get("per_type", {}).get(name, {}).get("f1")),
                     counts["support"], counts["tp"], counts["fp"], counts["fn"]])
    micro = entry["micro"]
    rows.append(["micro", fmt_score(micro["precision"]), fmt_score(micro["recall"]), fmt_score(micro["f1"]),
                 fmt_interval(ci.get("micro", {}).get("f1")), micro["support"], micro["tp"], micro["fp"], micro["fn"]])
    macro = entry["macro"]
    rows.append(["macro", fmt_score(macro["precision"]), fmt_score(macro["recall"]), fmt_score(macro["f1"]), "-", "", "", "", ""])
    headers = ["type", "P", "R", "F1", "F1 95% CI", "support", "tp", "fp", "fn"]
    return tabulate(rows, headers=headers, tablefmt=TABLE_FORMATS[fmt], disable_numparse=True)


def attribution_line(entry: dict) -> str:
    attribution = entry.get("attribution")
    if not attribution:
        return ""
    joint = attribution.get("joint", {})
    return (
        f"attribution over {attribution.get('n_matched', 0)} lenient matches: "
        f"claimant accuracy {fmt_score(attribution.get('claimant_accuracy'))}, "
        f"attribution-form accuracy {fmt_score(attribution.get('attribution_accuracy'))}, "
        f"joint span+type+claimant F1 {fmt_score(joint.get('f1'))}"
    )


def run_report(results: dict, *, scheme: str, fmt: str = "table") -> str:
    """What ``bench run`` and ``bench score`` print: the table, attribution, signature."""
    if fmt == "json":
        return json.dumps(results, ensure_ascii=False, indent=2)
    entry = results["scores"][scheme]
    title = f"{results['model']} | scheme {scheme}"
    lines = [title, "", scores_table(entry, fmt=fmt), ""]
    line = attribution_line(entry)
    if line:
        lines += [line]
    lines += [results["signatures"][scheme]]
    return "\n".join(lines)


def compare_table(rows: list[list], headers: list[str], *, fmt: str = "table") -> str:
    return tabulate(rows, headers=headers, tablefmt=TABLE_FORMATS[fmt], disable_numparse=True)
