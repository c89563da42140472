"""A leaderboard: one row per system, sorted by the headline, in one table per evaluation.

Runs whose evaluation fields differ (task, gold, documents, scheme, thresholds, bootstrap,
version: ``bench.signature.EVALUATION_KEYS``) never share a table; each table is headed by
the evaluation part of its signature. A row shows the system (its model and the system
fields of its signature), the headline with its 95% interval, what the headline breaks down
into (per type, per link metric), and the task's other key figures, all taken from the rows
of the run's own table (``Task.summary_rows``), so they are the same numbers. A mark (†)
says a system is not significantly below the best: a paired bootstrap of the headline
between the best and each other system, over the stored unit statistics, its p-values
corrected with Holm's method for the number of comparisons.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from .comparison import find_runs, labels_of
from .exceptions import InputError
from .runs import DEFAULT_RESULTS_DIR, Run
from .signature import EVALUATION_KEYS, evaluation_part, parse_signature

# "+dev-train#<hash>": the hash of a corpus a model adds to its training, left out of the table to keep it
# narrow (each run's signature, the JSON and the CSV keep it)
_EXTRA_CORPUS_HASH = re.compile(r"(?<=\+)([A-Za-z0-9._-]+)#[0-9a-f]{12}")
from .significance import check_settings, paired_test
from .tables import SIGNIFICANCE_LEVEL, TABLE_FORMATS, fmt_interval, fmt_score, notes, render

FORMATS = (*TABLE_FORMATS, "json", "csv")
TIED = "†"  # not significantly below the best
NOTE_WIDTH = 120  # characters a line of the notes under a text table


@dataclass(slots=True)
class Entry:
    """One system of a table: its run, its numbers (column name -> row of its run's table), its test."""

    run: Run
    label: str
    signature: str
    cells: list[tuple[str, object]]  # (column name, bench.tasks.base.Row), the headline first
    rank: int = 0
    p_value: float | None = None  # paired test against the best, before correction
    p_holm: float | None = None
    tied: bool | None = None  # not significantly below the best; None: not tested

    @property
    def headline(self):
        return self.cells[0][1]

    @property
    def system(self) -> dict[str, str]:
        """The signature's system fields: model, code, args, train, preds, claims, skipped."""
        return {k: v for k, v in parse_signature(self.signature).items() if k not in EVALUATION_KEYS}

    def to_dict(self) -> dict:
        return {"rank": self.rank, "label": self.label, "run_id": self.run.run_id, "folder": str(self.run.folder),
                "system": self.system, "signature": self.signature,
                "values": {name: {"row": row.name, "value": row.value, "ci": row.ci, "precision": row.precision,
                                  "recall": row.recall, "higher_is_better": row.higher_is_better}
                           for name, row in self.cells},
                "p_value": self.p_value, "p_holm": self.p_holm, "not_below_best": self.tied}


@dataclass(slots=True)
class Table:
    """The systems scored under one evaluation, best first."""

    task: str
    scheme: str
    evaluation: str  # the evaluation part of the signature, as one line
    entries: list[Entry]
    tested: str = ""  # how the mark was decided, or why it was not

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.entries[0].cells]

    def to_dict(self) -> dict:
        return {"task": self.task, "scheme": self.scheme, "evaluation": self.evaluation, "columns": self.columns,
                "tested": self.tested, "systems": [e.to_dict() for e in self.entries]}

    def render(self, fmt: str) -> str:
        headers = ["#", "system", "system fields", f"{self.columns[0]} [95% CI]", *self.columns[1:]]
        rows = []
        for entry in self.entries:
            head = entry.headline
            shown = f"{fmt_score(head.value)} {fmt_interval(head.ci, digits=2)}".strip()
            fields = _EXTRA_CORPUS_HASH.sub(r"\1", " ".join(f"{k}:{v}" for k, v in entry.system.items() if k != "model"))
            rows.append([str(entry.rank), entry.label, fields or "-", shown + (f" {TIED}" if entry.tied else ""),
                         *(fmt_score(row.value) for _, row in entry.cells[1:])])
        n = len(self.entries)
        head = f"{self.task} · scheme {self.scheme} · {n} system{'s' if n != 1 else ''}"
        if fmt == "markdown":  # paragraphs around the table, so that no renderer takes them for its rows
            return "\n".join([f"**{head}** · `{self.evaluation}`", "", render(rows, headers, fmt), "", self.tested])
        foot = textwrap.wrap(self.tested, NOTE_WIDTH, break_on_hyphens=False) if fmt == "table" else [self.tested]
        return "\n".join([*notes([head, self.evaluation], fmt), render(rows, headers, fmt), *notes(foot, fmt)])


@dataclass(slots=True)
class Leaderboard:
    """Every table, and what was passed over while looking for runs."""

    tables: list[Table]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    n: int = 1000
    seed: int = 0

    def render(self, fmt: str = "table") -> str:
        if fmt not in FORMATS:
            raise InputError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
        if fmt == "json":
            from .jsonio import to_json

            return to_json(self.to_dict(), indent=True).decode("utf-8").rstrip("\n")
        if fmt == "csv":
            return self._csv()
        return "\n\n".join(table.render(fmt) for table in self.tables)

    def table(self, *, format: str = "table") -> str:  # noqa: A002 - the API's name for it
        return self.render(format)

    def to_dict(self) -> dict:
        return {"bootstrap": self.n, "seed": self.seed, "tables": [t.to_dict() for t in self.tables],
                "skipped": [{"path": p, "why": why} for p, why in self.skipped]}

    def records(self) -> list[dict]:
        """One flat record per system, every table's columns side by side (empty where a task has none)."""
        out = []
        for number, table in enumerate(self.tables, 1):
            for entry in table.entries:
                head = entry.headline
                record = {"table": number, "evaluation": table.evaluation, "task": table.task,
                          "scheme": table.scheme, "rank": entry.rank, "system": entry.label,
                          "system_fields": " ".join(f"{k}:{v}" for k, v in entry.system.items()),
                          "run_id": entry.run.run_id, "headline": table.columns[0], "value": head.value,
                          "ci_low": head.ci[0] if head.ci else None, "ci_high": head.ci[1] if head.ci else None}
                record |= {name: row.value for name, row in entry.cells[1:]}
                record |= {"p_value": entry.p_value, "p_holm": entry.p_holm, "not_below_best": entry.tied}
                out.append(record)
        return out

    def _csv(self) -> str:
        records = self.records()
        columns = list(dict.fromkeys(k for r in records for k in r))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
        return buffer.getvalue().rstrip("\n")

    def to_pandas(self):
        """One row per system (needs pandas, which is not a dependency)."""
        try:
            import pandas
        except ImportError:
            raise InputError("to_pandas needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.records())


def build(runs: list[Run], *, scheme: str | None = None, n: int = 1000, seed: int = 0,
          skipped: list | None = None) -> Leaderboard:
    """The leaderboard of ``runs`` under ``scheme`` (default: each task's headline scheme)."""
    if not runs:
        raise InputError("no runs for a leaderboard")
    check_settings(n, seed, none="no test")
    groups: dict[tuple, list[Entry]] = {}
    for run in runs:
        task = run.task
        chosen = task.check_scheme(scheme) if scheme is not None else task.headline
        entry = run.results.scores.get(chosen)
        if entry is None:
            raise InputError(f'run {run.run_id} has no scores for scheme "{chosen}"', path=run.folder)
        signature = run.results.signatures.get(chosen, run.results.signature)
        key = tuple(evaluation_part(signature).items())
        groups.setdefault(key, []).append(Entry(run, "", signature, task.summary_rows(entry)))
    for entries in groups.values():  # a system is named by its model, unless its table holds the model twice
        for entry, label in zip(entries, labels_of([e.run for e in entries], None)):
            entry.label = label
    tables = [_table(dict(key), entries, n, seed) for key, entries in groups.items()]
    return Leaderboard(tables, list(skipped or []), n, seed)


def _table(fields: dict, entries: list[Entry], n: int, seed: int) -> Table:
    task = entries[0].run.task
    higher = entries[0].headline.higher_is_better

    def order(entry: Entry) -> tuple:
        value = entry.headline.value
        return (value is None, 0.0 if value is None else (-value if higher else value), entry.label)

    entries = sorted(entries, key=order)
    rank = 0
    for k, entry in enumerate(entries):
        if k == 0 or entry.headline.value != entries[k - 1].headline.value:
            rank = k + 1
        entry.rank = rank
    evaluation = "claimbench|" + "|".join(f"{k}:{v}" for k, v in fields.items())
    scheme = fields.get("scheme", task.headline)
    return Table(task.name, scheme, evaluation, entries, _mark(task, scheme, entries, n, seed))


def _mark(task, scheme: str, entries: list[Entry], n: int, seed: int) -> str:
    """Test every system against the best and mark those not significantly below it; say how."""
    best = entries[0]
    best.tied = True
    others = entries[1:]
    metric = best.headline.metric
    what = f"{TIED} not significantly below the best"
    if not others:
        return f"{what} (one system: nothing to test)"
    if not n:
        for entry in others:
            entry.tied = None
        return f"{what}: not tested (--bootstrap 0)"
    base = best.run.units().get(scheme)
    tested = []
    untested = []
    for entry in others:
        units = entry.run.units().get(scheme)
        if best.headline.value is None or entry.headline.value is None:
            untested.append((entry, f"its {best.cells[0][0]} is n/a"))
            continue
        if base is None or units is None:
            untested.append((entry, "no unit statistics"))
            continue
        try:
            found = paired_test(base, units, lambda totals: task.compute(totals, scheme), n=n, seed=seed)[metric]
        except ValueError as exc:
            untested.append((entry, str(exc)))
            continue
        p = found["p_value"]
        entry.p_value = p if best.headline.index is None else p[best.headline.index]
        tested.append(entry)
    for entry, adjusted in zip(tested, holm([e.p_value for e in tested])):
        entry.p_holm = adjusted
        entry.tied = adjusted is None or adjusted >= SIGNIFICANCE_LEVEL
    for entry, _ in untested:
        entry.tied = None
    how = (f"{what} (paired bootstrap of {best.cells[0][0]} against {best.label}, {n} resamples, p-values "
           f"Holm-corrected for {len(tested)} comparison{'s' if len(tested) != 1 else ''}, p >= {SIGNIFICANCE_LEVEL})"
           if tested else f"{what}: no system could be tested against it")
    if untested:
        how += "; not tested: " + "; ".join(f"{e.label} ({why})" for e, why in untested)
    return how


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment: the k-th smallest of m p-values times (m - k + 1), kept monotone."""
    known = sorted((p, k) for k, p in enumerate(p_values) if p is not None)
    m = len(known)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for step, (p, k) in enumerate(known):
        running = max(running, min(1.0, (m - step) * p))
        out[k] = running
    return out


def leaderboard(specs: list[str | Path], *, scheme: str | None = None, n: int = 1000, seed: int = 0,
                results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Leaderboard:
    """The leaderboard of the runs named or found in folders (see ``find_runs``)."""
    runs, skipped = find_runs(specs, results_dir)
    return build(runs, scheme=scheme, n=n, seed=seed, skipped=skipped)
