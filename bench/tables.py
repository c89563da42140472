"""Tables as text: the formats, the number formats, and LaTeX that compiles as printed.

Every table goes through ``render``; tabulate lays it out (imported only when a table is drawn). What is not a table (titles,
signatures, notes) goes through ``notes``: plain lines, or LaTeX comments in LaTeX output,
so the output of ``--format latex`` compiles as it stands inside a document.
"""

from __future__ import annotations

# --format value -> tabulate layout; "json" prints the results themselves.
TABLE_FORMATS = {"table": "simple", "markdown": "github", "latex": "latex_booktabs"}
FORMATS = (*TABLE_FORMATS, "json")
SIGNIFICANCE_LEVEL = 0.05
NA = "n/a"
# Characters tabulate's LaTeX escaping leaves alone but LaTeX does not accept as text.
_LATEX_SYMBOLS = {"Δ": r"$\Delta$", "≥": r"$\geq$", "≤": r"$\leq$", "…": r"\ldots{}", "±": r"$\pm$",
                  "†": r"$\dagger$", "‡": r"$\ddagger$", "·": r"$\cdot$"}


def fmt_score(value: float | None, missing: str = NA) -> str:
    """A score as every table shows it; an undefined one is ``n/a``, never 0."""
    return missing if value is None else f"{value:.3f}"


def fmt_interval(ci: list[float] | None, missing: str = "", digits: int = 3) -> str:
    """A confidence interval as every table shows it."""
    return missing if not ci else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def fmt_p(p: float | None, n: int) -> str:
    return "-" if p is None else f"<{1 / n:.3f}" if p == 0 else f"{p:.3f}"


def render(rows: list[list], headers: list[str], fmt: str = "table") -> str:
    from tabulate import tabulate  # imported when a table is printed, not by --format json

    if fmt not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    if fmt != "latex":
        return tabulate(rows, headers=headers, tablefmt=TABLE_FORMATS[fmt], disable_numparse=True)
    marks = {symbol: f"QXSYMBOL{k}QX" for k, symbol in enumerate(_LATEX_SYMBOLS)}

    def mark(cell: object) -> str:
        text = str(cell)
        for symbol, token in marks.items():
            text = text.replace(symbol, token)
        return text

    table = tabulate([[mark(c) for c in row] for row in rows], headers=[mark(h) for h in headers],
                     tablefmt="latex_booktabs", disable_numparse=True)
    for symbol, token in marks.items():
        table = table.replace(token, _LATEX_SYMBOLS[symbol])
    return table


def notes(lines: list[str], fmt: str = "table") -> list[str]:
    """Lines around a table: LaTeX comments in LaTeX output, so they cannot break a document."""
    if fmt != "latex":
        return list(lines)
    return ["% " + line.replace("\n", " ") if line else "%" for line in lines]
