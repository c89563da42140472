"""Precision, recall and F1 per claim type, with attribution and an error breakdown.

How predictions are paired with gold claims is in ``bench.matching``. From the pairs:

- a matched pair is a true positive of the gold claim's type (under a typed scheme the
  prediction has the same type; under ``detection`` the gold type is the one credited);
- every other gold claim is a false negative of its own type;
- every other prediction is a false positive of its own predicted type only, so one
  spurious prediction never counts against several types. A free-text prediction that
  could not be placed in its document (``start = end = -1``, see ``bench.align``) is
  always one, counted in its document's first paragraph unit.

``micro`` sums the counts over types. ``macro`` averages the per-type precision, recall and
F1 over the types that occur, i.e. that have gold claims or predictions; a type absent
from both says nothing about the system and would otherwise add a 0 (or a 1).
Undefined ratios (nothing predicted, nothing to find) are 0.

Attribution is judged on the ``lenient`` pairs at the run's threshold, whatever the
headline scheme, so it does not depend on exact boundaries:

- claimant accuracy: the predicted claimant names the same canonical claimant as the gold
  one. Names are compared through the alias table ``{canonical: [aliases]}`` after
  normalisation (NFKD, accents stripped, case folded, spaces collapsed); ``author`` is a
  value of its own; names outside the table are compared by their normalised form;
- attribution accuracy: the predicted attribution form equals the gold one;
- a missing predicted claimant or attribution counts as wrong;
- joint: a true positive needs span (lenient), type and claimant all right; precision is
  over all predictions, recall over all gold claims.

All totals are sums of the per-paragraph counts in ``units`` (see ``bench.significance``),
which is what the bootstrap resamples.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .claimants import ClaimantTable
from .claims import CLAIM_TYPES, Claim, Document
from .matching import (
    HEADLINE, MATCHED, SCHEMES, Classification, DocumentResults, Spans, classify_documents, get_scheme, with_text,
)
from .significance import FN, FP, TP, Paragraphs, UnitCounts


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        """Number of gold claims."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        # 2PR/(P+R) written on counts, the same formula the bootstrap uses
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    def __add__(self, other: Counts) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict:
        return {
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.support,
        }


def micro_average(per_type: Mapping[str, Counts]) -> Counts:
    return sum(per_type.values(), Counts())


def macro_average(per_type: Mapping[str, Counts]) -> dict[str, float]:
    """Mean per-type precision, recall and F1 over the types with any gold claim or prediction."""
    present = [c for c in per_type.values() if c.tp or c.fp or c.fn]
    if not present:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {
        name: sum(getattr(c, name) for c in present) / len(present) for name in ("precision", "recall", "f1")
    }


class _FieldCodes(dict):
    """(claimant, attribution) -> (claimant id, attribution id), memoised.

    Gold and prediction sides share ``ids`` so equal values get equal ids; a missing value
    gets the side's own ``missing`` id, so a missing prediction never equals anything.
    """

    def __init__(self, names: ClaimantTable, ids: dict, missing: int):
        super().__init__()
        self._names, self._ids, self._missing = names, ids, missing

    def __missing__(self, key: tuple[str | None, str | None]) -> tuple[int, int]:
        claimant, attribution = key
        ids, missing = self._ids, self._missing
        value = self[key] = (
            missing if claimant is None else ids.setdefault(("claimant", self._names[claimant]), len(ids)),
            missing if attribution is None else ids.setdefault(("attribution", attribution), len(ids)),
        )
        return value


_CLAIMANT_ATTRIBUTION = operator.attrgetter("claimant", "attribution")
_CODES = np.dtype([("claimant", np.int64), ("attribution", np.int64)])


def attribution_agreement(gold: Iterable[Claim], preds: Iterable[Claim], names: ClaimantTable,
                          n: int) -> tuple[np.ndarray, np.ndarray]:
    """For ``n`` pairs (gold[i], preds[i]): does the claimant agree, does the attribution form agree."""
    ids: dict = {}
    g = np.fromiter(map(_FieldCodes(names, ids, -1).__getitem__, map(_CLAIMANT_ATTRIBUTION, gold)), _CODES, n)
    p = np.fromiter(map(_FieldCodes(names, ids, -2).__getitem__, map(_CLAIMANT_ATTRIBUTION, preds)), _CODES, n)
    return g["claimant"] == p["claimant"], g["attribution"] == p["attribution"]


@dataclass(frozen=True, slots=True)
class AttributionScore:
    claimant_accuracy: float
    attribution_accuracy: float
    joint: Counts
    n_matched: int
    threshold: float

    def to_dict(self) -> dict:
        return {
            "claimant_accuracy": self.claimant_accuracy,
            "attribution_accuracy": self.attribution_accuracy,
            "joint": self.joint.to_dict(),
            "n_matched": self.n_matched,
            "threshold": self.threshold,
        }


# ---------------------------------------------------------------- the score

@dataclass(slots=True)
class Score:
    """Everything one scoring produces.

    ``threshold`` is the minimum similarity of the headline scheme (1.0 for ``strict``);
    ``units`` holds the per-paragraph counts every total is summed from; ``documents`` the
    outcomes of each document, in doc_id order.
    """

    scheme: str
    threshold: float
    per_type: dict[str, Counts]
    micro: Counts
    macro: dict[str, float]
    units: UnitCounts
    documents: DocumentResults
    attribution: AttributionScore

    def to_dict(self) -> dict:
        """The headline numbers; ``units`` and ``documents`` have their own ``to_dict``."""
        return {
            "scheme": self.scheme,
            "threshold": self.threshold,
            "per_type": {t: c.to_dict() for t, c in self.per_type.items()},
            "micro": self.micro.to_dict(),
            "macro": dict(self.macro),
            "attribution": self.attribution.to_dict(),
        }

    def outcome_counts(self) -> dict[str, int]:
        """How many of each outcome over all documents (a pair counts once)."""
        return self.documents.counts()


def score(
    *,
    gold: Mapping[str, Sequence[Claim]],
    predictions: Mapping[str, Sequence[Claim]],
    documents: Mapping[str, Document],
    scheme: str = HEADLINE,
    threshold: float | None = None,
    claimants: Mapping[str, Sequence[str]] | None = None,
    types: Sequence[str] = CLAIM_TYPES,
) -> Score:
    """Score predictions against gold over ``documents``.

    Exactly the documents in ``documents`` are scored, in doc_id order; predictions for a
    document outside it are ignored, gold for one is an error (its paragraphs are unknown).
    ``threshold`` None means the scheme's default; ``strict`` keeps identical boundaries
    whatever the threshold, which then only sets the IoU of the lenient pairs used for
    attribution.
    """
    rule = get_scheme(scheme)
    match_threshold = rule.resolve_threshold(threshold)
    lenient = SCHEMES[HEADLINE]
    attribution_threshold = lenient.resolve_threshold(threshold)
    types = tuple(types)
    type_at = {t: k for k, t in enumerate(types)}
    if len(type_at) != len(types):
        raise ValueError(f"duplicate claim types in {list(types)}")
    stray = sorted(set(gold) - set(documents))
    if stray:
        raise ValueError(f"gold given for documents that are not being scored: {', '.join(stray[:5])}")
    names = ClaimantTable(claimants)

    doc_ids = sorted(documents)
    if rule.uses_text:
        gold, predictions = with_text(gold, documents), with_text(predictions, documents)
    gold_spans = Spans.build([gold.get(d, ()) for d in doc_ids], type_at)
    pred_spans = Spans.build([predictions.get(d, ()) for d in doc_ids], type_at, unplaced=True)
    outcome = classify_documents(gold_spans, pred_spans, rule, match_threshold)
    paragraphs = Paragraphs(doc_ids, [documents[d].text for d in doc_ids])
    units = UnitCounts(keys=paragraphs.keys, counts=_unit_counts(outcome, paragraphs, len(types)), types=types)
    per_type = units.sum()

    if rule is lenient:
        pairs = outcome
    else:
        pairs = classify_documents(gold_spans, pred_spans, lenient, attribution_threshold, stages=1)
    rows = pairs.rows(MATCHED)
    n_matched = int(rows.sum())
    claimant_agrees, form_agrees = attribution_agreement(
        map(gold_spans.claims.__getitem__, pairs.gold[rows].tolist()),
        map(pred_spans.claims.__getitem__, pairs.pred[rows].tolist()),
        names,
        n_matched,
    )
    claimant_ok, attribution_ok = int(claimant_agrees.sum()), int(form_agrees.sum())
    joint_tp = claimant_ok  # lenient pairs already agree on span and type
    return Score(
        scheme=rule.name,
        threshold=match_threshold,
        per_type=per_type,
        micro=micro_average(per_type),
        macro=macro_average(per_type),
        units=units,
        documents=DocumentResults(doc_ids, outcome),
        attribution=AttributionScore(
            claimant_accuracy=claimant_ok / n_matched if n_matched else 0.0,
            attribution_accuracy=attribution_ok / n_matched if n_matched else 0.0,
            joint=Counts(joint_tp, len(pred_spans) - joint_tp, len(gold_spans) - joint_tp),
            n_matched=n_matched,
            threshold=attribution_threshold,
        ),
    )


def _unit_counts(outcome: Classification, paragraphs: Paragraphs, n_types: int) -> np.ndarray:
    """counts[unit, type, tp/fp/fn]: each count filed under the claim it is about (see bench.significance)."""
    gold, preds = outcome.gold_spans, outcome.pred_spans
    matched = outcome.rows(MATCHED)
    has_gold = outcome.gold >= 0
    has_pred = outcome.pred >= 0
    g = outcome.gold[has_gold]
    p = outcome.pred[has_pred & ~matched]
    g_column = np.where(matched[has_gold], TP, FN)
    cells = np.concatenate([
        (paragraphs.unit_of(gold.doc[g], gold.start[g]) * n_types + gold.type[g]) * 3 + g_column,
        (paragraphs.unit_of(preds.doc[p], preds.start[p]) * n_types + preds.type[p]) * 3 + FP,
    ])
    size = len(paragraphs) * n_types * 3
    return np.bincount(cells, minlength=size).reshape(len(paragraphs), n_types, 3)
