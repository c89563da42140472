"""Results tables as text: one function per table, tabulate for every layout."""

from __future__ import annotations

import json

from tabulate import tabulate

# --format value -> tabulate layout; "json" prints the results themselves.
TABLE_FORMATS = {"table": "simple", "markdown": "github", "latex": "latex_booktabs"}
FORMATS = (*TABLE_FORMATS, "json")
SIGNIFICANCE_LEVEL = 0.05


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(ci: list[float] | None) -> str:
    return "-" if not ci else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def scores_table(entry: dict, *, fmt: str = "table") -> str:
    """Per-type P/R/F1 with support and counts, micro and macro rows, F1 intervals."""
    ci = entry.get("ci", {})
    rows = []
    for name, counts in entry["per_type"].items():
        rows.append([name, _num(counts["precision"]), _num(counts["recall"]), _num(counts["f1"]),
                     _interval(ci.get("per_type", {}).get(name, {}).get("f1")),
                     counts["support"], counts["tp"], counts["fp"], counts["fn"]])
    micro = entry["micro"]
    rows.append(["micro", _num(micro["precision"]), _num(micro["recall"]), _num(micro["f1"]),
                 _interval(ci.get("micro", {}).get("f1")), micro["support"], micro["tp"], micro["fp"], micro["fn"]])
    macro = entry["macro"]
    rows.append(["macro", _num(macro["precision"]), _num(macro["recall"]), _num(macro["f1"]), "-", "", "", "", ""])
    headers = ["type", "P", "R", "F1", "F1 95% CI", "support", "tp", "fp", "fn"]
    return tabulate(rows, headers=headers, tablefmt=TABLE_FORMATS[fmt], disable_numparse=True)


def attribution_line(entry: dict) -> str:
    attribution = entry.get("attribution")
    if not attribution:
        return ""
    joint = attribution.get("joint", {})
    return (
        f"attribution over {attribution.get('n_matched', 0)} lenient matches: "
        f"claimant accuracy {_num(attribution.get('claimant_accuracy'))}, "
        f"attribution-form accuracy {_num(attribution.get('attribution_accuracy'))}, "
        f"joint span+type+claimant F1 {_num(joint.get('f1'))}"
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
