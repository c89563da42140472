"""The Task contract: what every task of the benchmark is, and the one scoring loop they share.

A task names its gold layer and its prediction format, reads predictions (a per-document
task through the one record reader of ``bench.tasks.predictions``), turns a scoring into
*unit statistics* (``bench.significance.Units``) under each of its schemes, and declares
its metrics: each a function of summed statistics with a direction. ``Task.score`` is the
template every task runs: per scheme, the statistics, the point scores from their totals,
the bootstrap intervals from resampled totals (the same function), the typed entry of
``results.json`` and the outcome arrays. Tables are built from ``rows``, and each row
carries the direction of its metric, so a regression gate knows a rising hedge-loss rate
from a rising F1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np

from ..exceptions import InputError
from ..formulas import value
from ..records import CLAIM_TYPES
from ..significance import Units, bootstrap
from .outcomes import Outcomes
from .schema import Intervals


@dataclass(frozen=True, slots=True)
class Metric:
    """A number a task reports, computed from summed statistics by the task's ``compute``."""

    name: str
    higher_is_better: bool = True


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """Every evaluation setting that changes a number in a results table, with the task itself."""

    task: Task
    scheme: str
    threshold: float = 0.5
    align_threshold: float = 0.5
    n_bootstrap: int = 1000
    seed: int = 0
    types: tuple[str, ...] = CLAIM_TYPES
    schemes: tuple[str, ...] | None = None  # the schemes computed (None: the task decides)

    def to_dict(self) -> dict:
        return {"task": self.task.name, "scheme": self.scheme, "threshold": self.threshold,
                "align_threshold": self.align_threshold, "n_bootstrap": self.n_bootstrap, "seed": self.seed,
                "types": list(self.types)}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a scores table, as ``bench compare`` and the leaderboard also show it.

    ``value`` is the row's headline number (an F1, an accuracy, a rate); ``metric`` and
    ``index`` name it among the task's metrics, for its interval and the paired test.
    """

    name: str
    precision: float | None
    recall: float | None
    value: float | None
    ci: list | None
    metric: str
    index: int | None = None
    has_pr: bool = True  # False for a rate or accuracy row, which has no precision and recall
    higher_is_better: bool = True

    def shown_pr(self, number: float | None) -> str:
        from ..tables import NA, fmt_score

        return fmt_score(number, NA) if self.has_pr else "-"

    @property
    def label(self) -> str:
        return self.name if self.higher_is_better else f"{self.name} (lower is better)"


@dataclass(slots=True)
class SchemeScore:
    """What one scheme gives: its unit statistics, its outcomes (None for tasks without), and the
    facts its results entry needs beyond the totals (threshold, attribution figures, counts)."""

    units: Units
    outcome: object = None
    facts: dict = field(default_factory=dict)


@dataclass(slots=True)
class Scored:
    """What a task's scorer gives a run: typed entries and unit statistics by scheme, outcomes."""

    scores: dict[str, msgspec.Struct]
    units: dict[str, Units]
    outcomes: Outcomes | None = None


class Task(ABC):
    """A task of the benchmark. Subclasses fill in the names and implement the abstract methods."""

    name: str = ""
    description: str = ""
    layer: str = ""  # the gold layer it is scored against
    schemes: tuple[str, ...] = ()  # views of the scores; the first is the headline
    prediction_format: str = ""
    model_method: str = ""  # the Model method that produces its predictions
    per_document: bool = True  # the model is called one document at a time
    items_name: str = "claims"  # what a model returns per document, for messages
    value_name: str = "F1"  # what Row.value holds, for headers
    # the settings that change its numbers, named in the signature: "thr" (--iou), "align"
    # (--align-threshold), "types" (the claim types scored)
    signature_settings: tuple[str, ...] = ("thr",)
    metrics: tuple[Metric, ...] = ()
    headline_metric: str = ""  # the metric of the headline row: what a leaderboard sorts by
    scores_schema: type[msgspec.Struct] = msgspec.Struct
    # the rows a one-line summary (the leaderboard) shows beside the headline, by row name: what the
    # headline breaks down into (per type, per link metric), then the task's other key figures
    breakdown_rows: tuple[str, ...] = ()
    key_rows: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        return self.schemes[0]

    def check_scheme(self, scheme: str) -> str:
        if scheme not in self.schemes:
            raise InputError(f'task "{self.name}" has no scheme "{scheme}" (expected one of {", ".join(self.schemes)})')
        return scheme

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"task {self.name!r} has no metric {name!r}")

    def require(self, corpus) -> None:
        """Refuse a corpus without this task's gold layer."""

    # -- predictions

    @abstractmethod
    def read(self, path, corpus, config, *, data: bytes | None = None, claims=None):
        """Predictions from a file, every record checked (``data``: its bytes, if already read)."""

    @abstractmethod
    def from_objects(self, items, corpus, config, *, claims=None):
        """Predictions given in memory, checked exactly as a file's."""

    @abstractmethod
    def check_file(self, path, corpus, config, *, limit: int = 20) -> list[str]:
        """Every problem of a predictions file (at most ``limit``), for ``bench score --check``."""

    def model_claims(self, corpus, claims, config):
        """What a model of this task gets beside the documents (links: the claims it links)."""
        no_claims_run(claims, self.name)
        return None

    def call_model(self, model, documents, inputs):
        """Call the model's method for this task."""
        return getattr(model, self.model_method)(documents)

    # -- scoring

    @abstractmethod
    def compute(self, totals: np.ndarray, scheme: str) -> dict[str, np.ndarray]:
        """Every metric of ``self.metrics`` from totals of shape (..., columns): NaN where undefined.

        The one formula of each metric, used for the point score and for every resample.
        """

    @abstractmethod
    def prepare(self, corpus, predictions, config) -> object:
        """What every scheme of one scoring shares, built once."""

    @abstractmethod
    def score_scheme(self, prepared, scheme: str, config) -> SchemeScore:
        """The unit statistics (and outcomes, and facts) of one scheme."""

    @abstractmethod
    def entry(self, scheme: str, totals: np.ndarray, values: dict[str, np.ndarray], part: SchemeScore,
              config) -> msgspec.Struct:
        """The typed results entry of one scheme, without its intervals."""

    def caveats(self, corpus, entry) -> list[str]:
        """Legal but suspicious findings of a scoring that a reader of the numbers must know."""
        return []

    def outcomes(self, prepared) -> Outcomes | None:
        """The outcome arrays' frame (documents and where their records start), None for a task without."""
        return None

    def schemes_for(self, predictions, config) -> tuple[str, ...]:
        """The schemes a scoring computes, the table's first."""
        wanted = config.schemes or self.schemes
        return (config.scheme, *[s for s in self.schemes if s in wanted and s != config.scheme])

    def score(self, corpus, predictions, config) -> Scored:
        """Every chosen scheme: unit statistics, point scores and intervals from the same formula, outcomes."""
        prepared = self.prepare(corpus, predictions, config)
        outcomes = self.outcomes(prepared)
        scores, units = {}, {}
        for scheme in self.schemes_for(predictions, config):
            part = self.score_scheme(prepared, scheme, config)
            totals = part.units.total().astype(np.float64)
            entry = self.entry(scheme, totals, self.compute(totals, scheme), part, config)
            entry.ci = self.intervals(part.units, scheme, config.n_bootstrap, config.seed)
            scores[scheme], units[scheme] = entry, part.units
            if outcomes is not None and part.outcome is not None:
                outcomes.add(scheme, part.outcome)
        return Scored(scores, units, outcomes)

    def intervals(self, units: Units, scheme: str, n: int, seed: int) -> Intervals | None:
        """Bootstrap intervals of every metric (None with ``n`` = 0: intervals off)."""
        if n == 0:
            return None
        found = bootstrap(units, lambda totals: self.compute(totals, scheme), n=n, seed=seed)
        return Intervals(level=0.95, n=n, seed=seed, metrics=found)

    # -- results read back

    def read_scores(self, scores: dict[str, Any]) -> dict[str, msgspec.Struct]:
        """The ``scores`` of a results.json as typed entries; a ``ValueError`` saying what does not fit."""
        if not scores:
            raise ValueError("no scores")
        out = {}
        for scheme, entry in scores.items():
            if scheme not in self.schemes:
                raise ValueError(f'task "{self.name}" has no scheme "{scheme}"')
            try:
                out[scheme] = msgspec.convert(entry, self.scores_schema)
            except msgspec.ValidationError as exc:
                raise ValueError(f'scheme "{scheme}": {exc}') from None
        return out

    def legacy_units(self, units: Units) -> Units:
        """Unit statistics of a run saved by an earlier run format, as this one computes with them."""
        return units

    def disagreement(self, scheme: str, entry: msgspec.Struct, units: Units) -> str | None:
        """What in a stored entry is not what its unit statistics give (a run edited by hand), or None."""
        totals = units.total().astype(np.float64)
        values = self.compute(totals, scheme)
        for row in self.rows(entry):
            found = values[row.metric]
            computed = value(found if row.index is None else found[row.index])
            if not _same(row.value, computed):
                return f'{row.name} is {row.value} in the scores but {computed} from the unit statistics'
        return None

    @abstractmethod
    def rows(self, entry: msgspec.Struct) -> list[Row]:
        """The rows of the scores table, in order, each with its metric and direction."""

    def headline_row(self, entry: msgspec.Struct) -> Row:
        """The row of the headline metric: what a leaderboard sorts by."""
        return next(row for row in self.rows(entry) if row.metric == self.headline_metric and row.index is None)

    def summary_rows(self, entry: msgspec.Struct) -> list[tuple[str, Row]]:
        """The headline row, then the rows it breaks down into, then the key figures, each with its column
        name: what one line per system shows (``micro F1``, ``quantity``, ..., ``joint F1``)."""
        headline = self.headline_row(entry)
        by_name = {row.name: row for row in self.rows(entry)}
        out = [(f"{headline.name} {self.value_name}", headline)]
        for name in dict.fromkeys((*self.breakdown_rows, *self.key_rows)):
            row = by_name.get(name)
            if row is None or name == headline.name:
                continue
            shown = name if name in self.breakdown_rows or not row.has_pr else f"{name} F1"
            out.append((shown if row.higher_is_better else f"{shown} (lower is better)", row))
        return out

    def chart_rows(self, entry: msgspec.Struct) -> list[Row]:
        """The rows a report draws as bars (the table's, without averages of averages)."""
        return [row for row in self.rows(entry) if row.name != "macro"]

    def row(self, name: str, precision, recall, number, entry, metric: str, index: int | None = None,
            has_pr: bool = True) -> Row:
        """A row of metric ``metric``, its interval and direction taken from the entry and the metric."""
        return Row(name, precision, recall, number, ci_of(entry, metric, index), metric, index, has_pr,
                   self.metric(metric).higher_is_better)

    @abstractmethod
    def table(self, entry: msgspec.Struct, fmt: str) -> str:
        """The scores table of one scheme."""

    @abstractmethod
    def summary(self, results, scheme: str) -> list[str]:
        """The lines under the table: counts, and what else a reader needs to read it."""

    def report(self, results, scheme: str, fmt: str) -> str:
        """What ``bench run`` and ``bench score`` print: a title, the table, the summary and the signature."""
        from ..tables import notes

        entry = results.scores[scheme]
        setting = getattr(entry, "setting", None)
        head = notes([f"{results.model} | task {self.name}{f' ({setting})' if setting else ''} | scheme {scheme}",
                      ""], fmt)
        tail = ["", *self.summary(results, scheme), *failure_notes(results), results.signatures[scheme]]
        return "\n".join([*head, self.table(entry, fmt), *notes(tail, fmt)])


def failure_notes(results) -> list[str]:
    """The footnote of a run that skipped documents its model failed on."""
    failures = getattr(results, "failures", None) or []
    if not failures:
        return []
    shown = "; ".join(f"{f.doc_id}: {f.error}" for f in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return [f"the model failed on {len(failures)} document(s), scored as predicting nothing: {shown}{more}"]


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def no_claims_run(claims, name: str) -> None:
    if claims is not None:
        raise InputError(f'--claims-run is for task links, not task "{name}"')


def ci_of(entry, metric: str, index: int | None = None) -> list | None:
    """The stored interval of a metric (per-type metrics hold one interval a type)."""
    ci = getattr(entry, "ci", None)
    found = None if ci is None else ci.metrics.get(metric)
    if found is None or index is None:
        return found
    return found[index] if index < len(found) else None
