"""What every task is: a small named object with a gold layer, a reader, a scorer and tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..significance import Units, bootstrap


@dataclass(slots=True)
class Scored:
    """What a task's scorer gives a run: scores and unit statistics by scheme, outcome arrays."""

    scores: dict[str, dict]
    units: dict[str, Units]
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a scores table that ``bench compare`` also shows.

    ``value`` is the row's headline number (an F1, an accuracy); ``metric`` and ``index``
    name it among the task's bootstrap metrics, for its interval and the paired test.
    """

    name: str
    precision: float | None
    recall: float | None
    value: float | None
    ci: list | None
    metric: str
    index: int | None = None
    has_pr: bool = True  # False for a rate or accuracy row, which has no precision and recall

    def shown_pr(self, value: float | None) -> str:
        from ..tables import NA, fmt_score

        return fmt_score(value, NA) if self.has_pr else "-"


class Task:
    """A task of the benchmark; subclasses fill in the names and the methods."""

    name: str = ""
    description: str = ""
    layer: str = ""  # the gold layer it is scored against
    schemes: tuple[str, ...] = ()  # views of the scores; the first is the headline
    prediction_format: str = ""
    model_method: str = ""  # the Model method that produces its predictions
    per_document: bool = True  # the model is called one document at a time
    items_name: str = "claims"  # what a model returns per document, for messages
    value_name: str = "F1"  # what Row.value holds, for compare's headers
    # the settings that change its numbers, named in the signature: "thr" (--iou), "align"
    # (--align-threshold), "types" (the claim types scored)
    signature_settings: tuple[str, ...] = ("thr",)

    @property
    def headline(self) -> str:
        return self.schemes[0]

    def check_scheme(self, scheme: str) -> str:
        if scheme not in self.schemes:
            raise InputError(f'task "{self.name}" has no scheme "{scheme}" (expected one of {", ".join(self.schemes)})')
        return scheme

    def require(self, corpus) -> None:
        """Refuse a corpus without this task's gold layer."""

    def read(self, path, corpus, config, *, data: bytes | None = None, claims_run: str | None = None):
        """Predictions from a file, every record checked (``data``: its bytes, if already read)."""
        raise NotImplementedError

    def check_file(self, path, corpus, config, *, limit: int = 20) -> list[str]:
        """Every problem of a predictions file (at most ``limit``), for ``bench score --check``."""
        raise NotImplementedError

    def model_claims(self, corpus, claims_run: str | None, config) -> tuple[object, str | None]:
        """What a model of this task gets beside the documents, and the claims run it came from (links only)."""
        self.no_claims_run(claims_run, self.name)
        return None, None

    def call_model(self, model, documents, inputs):
        """Call the model's method for this task."""
        return getattr(model, self.model_method)(documents)

    @staticmethod
    def no_claims_run(claims_run: str | None, name: str) -> None:
        if claims_run is not None:
            raise InputError(f'--claims-run is for task links, not task "{name}"')

    def merge(self, parts: list, corpus):
        """Per-document predictions (a model's) as one set."""
        raise NotImplementedError

    def metrics(self, scheme: str) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
        raise NotImplementedError

    def intervals(self, units: Units, scheme: str, n: int, seed: int) -> dict | None:
        """Bootstrap intervals of every metric (None with ``n`` = 0: intervals off)."""
        if n == 0:
            return None
        found = bootstrap(units, self.metrics(scheme), n=n, seed=seed)
        return {"level": 0.95, "n": n, "seed": seed, "metrics": found}

    def check_scores(self, scores: dict) -> str | None:
        raise NotImplementedError

    def rows(self, entry: dict) -> list[Row]:
        raise NotImplementedError

    def report(self, results: dict, scheme: str, fmt: str) -> str:
        raise NotImplementedError


def ci_of(entry: dict, metric: str, index: int | None = None) -> list | None:
    """The stored interval of a metric (per-type metrics hold one interval a type)."""
    ci = entry.get("ci") or {}
    found = (ci.get("metrics") or {}).get(metric)
    if found is None or index is None:
        return found
    return found[index] if index < len(found) else None


def outcome_index(doc_ids: list[str], gold: dict, predictions: dict, lines: dict) -> dict[str, np.ndarray]:
    """Where each document's records start in the outcome arrays, and each prediction's file line."""
    def offsets(records: dict) -> np.ndarray:
        return np.cumsum([0] + [len(records.get(d, ())) for d in doc_ids]).astype(np.int64)

    return {"doc_ids": np.array(doc_ids, dtype=str), "gold_offsets": offsets(gold),
            "pred_offsets": offsets(predictions),
            "pred_line": np.array([n for d in doc_ids for n in lines.get(d, ())], dtype=np.int64)}


def outcome_arrays(outcome, scheme: str) -> dict[str, np.ndarray]:
    """Per gold record its outcome and partner prediction; per prediction its outcome (indices in scoring order)."""
    n_gold, n_pred = len(outcome.gold_spans), len(outcome.pred_spans)
    gold_kind = np.full(n_gold, -1, np.int8)
    gold_pred = np.full(n_gold, -1, np.int64)
    pred_kind = np.full(n_pred, -1, np.int8)
    has_gold, has_pred = outcome.gold >= 0, outcome.pred >= 0
    gold_kind[outcome.gold[has_gold]] = outcome.kind[has_gold]
    gold_pred[outcome.gold[has_gold]] = outcome.pred[has_gold]
    pred_kind[outcome.pred[has_pred]] = outcome.kind[has_pred]
    small = np.int32 if max(n_gold, n_pred) < 2 ** 31 else np.int64
    return {f"{scheme}.gold_kind": gold_kind, f"{scheme}.gold_pred": gold_pred.astype(small),
            f"{scheme}.pred_kind": pred_kind}
