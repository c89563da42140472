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
Undefined ratios (nothing predicted, nothing to find) are None (``n/a`` in tables), never 0.

Attribution is judged on the ``lenient`` pairs at the run's threshold, whatever the
headline scheme, so it does not depend on exact boundaries:

- claimant accuracy: the predicted claimant names the same canonical claimant as the gold
  one. Names are compared through the alias table ``{canonical: [aliases]}`` after
  normalisation (NFKD, accents stripped, case folded, spaces collapsed); ``author`` is a
  value of its own; names outside the table are compared by their normalised form;
- attribution accuracy: the predicted attribution form equals the gold one;
- a missing predicted claimant or attribution counts as wrong, but an accuracy over
  predictions that never give the field (none of the matched ones does) is None: a
  span-only system is not scored on claimants it never claimed to find;
- joint: a true positive needs span (lenient), type and claimant all right; precision is
  over all predictions, recall over all gold claims (None when no prediction names a
  claimant).

All totals are sums of the per-paragraph counts in ``units`` (see ``bench.significance``),
which is what the bootstrap resamples.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .claimants import ClaimantTable
from .records import CLAIM_TYPES, Claim, Document
from .matching import (
    HEADLINE, MATCHED, SCHEMES, Classification, DocumentResults, Spans, classify_documents, get_scheme, with_text,
)
from .significance import Paragraphs, Units, ratio


def _div(num: int, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True, slots=True)
class Counts:
    """tp/fp/fn of one type (or all): the value every score is derived from (spaCy's PRFScore)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        """Number of gold claims."""
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted: not 0, since nothing was wrong either."""
        return _div(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _div(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        # 2PR/(P+R) written on counts, the same formula the bootstrap uses
        return _div(2 * self.tp, 2 * self.tp + self.fp + self.fn)

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


def macro_average(per_type: Mapping[str, Counts]) -> dict[str, float | None]:
    """Mean per-type precision, recall and F1 over the types with any gold claim or prediction.

    A type's undefined value (no prediction of it: no precision) is left out of that mean,
    as scikit-learn does with ``zero_division=np.nan``.
    """
    present = [c for c in per_type.values() if c.tp or c.fp or c.fn]
    out = {}
    for name in ("precision", "recall", "f1"):
        values = [v for c in present if (v := getattr(c, name)) is not None]
        out[name] = sum(values) / len(values) if values else None
    return out


STATS = ("tp", "fp", "fn")
TP, FP, FN = range(3)


def unit_columns(types: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{t}.{s}" for t in types for s in STATS)


def claim_metrics(totals: np.ndarray, n_types: int) -> dict[str, np.ndarray]:
    """P/R/F1 per type, micro and macro from totals of shape (..., types * 3); NaN where undefined.

    The same definitions as ``Counts``, ``micro_average`` and ``macro_average``, on many
    totals at once (the bootstrap's resamples).
    """
    totals = np.asarray(totals, float).reshape((*np.shape(totals)[:-1], n_types, 3))
    tp, fp, fn = totals[..., TP], totals[..., FP], totals[..., FN]
    mtp, mfp, mfn = tp.sum(-1), fp.sum(-1), fn.sum(-1)
    precision, recall, f1 = ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)
    present = (tp + fp + fn) > 0

    def macro(values: np.ndarray) -> np.ndarray:
        keep = present & ~np.isnan(values)
        return ratio(np.where(keep, values, 0.0).sum(-1), keep.sum(-1))

    return {
        "precision": precision, "recall": recall, "f1": f1,
        "micro_precision": ratio(mtp, mtp + mfp), "micro_recall": ratio(mtp, mtp + mfn),
        "micro_f1": ratio(2 * mtp, 2 * mtp + mfp + mfn),
        "macro_precision": macro(precision), "macro_recall": macro(recall), "macro_f1": macro(f1),
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
    claimant_accuracy: float | None
    attribution_accuracy: float | None
    joint: Counts | None
    n_matched: int
    threshold: float

    def to_dict(self) -> dict:
        return {
            "claimant_accuracy": self.claimant_accuracy,
            "attribution_accuracy": self.attribution_accuracy,
            "joint": None if self.joint is None else self.joint.to_dict(),
            "n_matched": self.n_matched,
            "threshold": self.threshold,
        }


# ---------------------------------------------------------------- the score

@dataclass(slots=True)
class Score:
    """Everything one scoring produces.

    ``threshold`` is the minimum similarity of the headline scheme (1.0 for ``strict``);
    ``units`` holds the per-paragraph counts every total is summed from; ``outcome`` the
    outcome of every claim as arrays (``bench.matching.Classification``), ``documents``
    the same per document.
    """

    scheme: str
    threshold: float
    types: tuple[str, ...]
    per_type: dict[str, Counts]
    micro: Counts
    macro: dict[str, float | None]
    units: Units
    outcome: Classification
    documents: DocumentResults
    attribution: AttributionScore

    def to_dict(self) -> dict:
        """The headline numbers; ``units`` and ``documents`` have their own forms."""
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

    def metrics(self, totals: np.ndarray) -> dict[str, np.ndarray]:
        return claim_metrics(totals, len(self.types))


@dataclass(slots=True)
class Prepared:
    """What every scheme of one scoring shares, built once: the claims as columns (with their
    texts filled in, for schemes that compare texts), the paragraph units, the claimant table
    and the attribution figures (judged on lenient pairs, the same whatever the scheme)."""

    doc_ids: list[str]
    types: tuple[str, ...]
    gold: Mapping[str, Sequence[Claim]]
    predictions: Mapping[str, Sequence[Claim]]
    documents: Mapping[str, Document]
    paragraphs: Paragraphs
    names: ClaimantTable
    _spans: dict[bool, tuple[Spans, Spans]] = field(default_factory=dict)
    _attribution: dict[float, AttributionScore] = field(default_factory=dict)

    def spans(self, *, text: bool = False) -> tuple[Spans, Spans]:
        """(gold, predictions) as columns; with ``text``, each claim's missing text is its span."""
        if not self._spans:
            type_at = {t: k for k, t in enumerate(self.types)}
            self._spans[False] = (
                Spans.build([self.gold.get(d, ()) for d in self.doc_ids], type_at),
                Spans.build([self.predictions.get(d, ()) for d in self.doc_ids], type_at, unplaced=True))
        if text not in self._spans:
            texts = [self.documents[d].text for d in self.doc_ids]
            self._spans[True] = tuple(with_text(spans, texts) for spans in self._spans[False])
        return self._spans[text]

    def attribution(self, threshold: float, lenient_pairs: Classification | None = None) -> AttributionScore:
        """Claimant and attribution-form figures over the lenient pairs at ``threshold``."""
        if threshold not in self._attribution:
            gold, preds = self.spans()
            if lenient_pairs is None:
                lenient_pairs = classify_documents(gold, preds, SCHEMES[HEADLINE], threshold, stages=1)
            self._attribution[threshold] = _attribution(lenient_pairs, gold, preds, self.names, threshold)
        return self._attribution[threshold]


def prepare(
    *,
    gold: Mapping[str, Sequence[Claim]],
    predictions: Mapping[str, Sequence[Claim]],
    documents: Mapping[str, Document],
    claimants: Mapping[str, Sequence[str]] | None = None,
    types: Sequence[str] = CLAIM_TYPES,
) -> Prepared:
    """The shared part of scoring ``predictions`` against ``gold`` over ``documents``, checked once.

    Exactly the documents in ``documents`` are scored, in doc_id order; predictions for a
    document outside it are ignored, gold for one is an error (its paragraphs are unknown).
    """
    types = tuple(types)
    if len(set(types)) != len(types):
        raise ValueError(f"duplicate claim types in {list(types)}")
    stray = sorted(set(gold) - set(documents))
    if stray:
        raise ValueError(f"gold given for documents that are not being scored: {', '.join(stray[:5])}")
    doc_ids = sorted(documents)
    paragraphs = Paragraphs(doc_ids, [documents[d].text for d in doc_ids])
    return Prepared(doc_ids, types, gold, predictions, documents, paragraphs, ClaimantTable(claimants))


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
    """Score predictions against gold over ``documents`` under one scheme (see ``prepare``).

    ``threshold`` None means the scheme's default; ``strict`` keeps identical boundaries
    whatever the threshold, which then only sets the IoU of the lenient pairs used for
    attribution. To score several schemes, ``prepare`` once and call ``score_prepared``.
    """
    prepared = prepare(gold=gold, predictions=predictions, documents=documents, claimants=claimants, types=types)
    return score_prepared(prepared, scheme=scheme, threshold=threshold)


def score_prepared(prepared: Prepared, *, scheme: str = HEADLINE, threshold: float | None = None) -> Score:
    """One scheme over what ``prepare`` built; several schemes share its columns and attribution."""
    rule = get_scheme(scheme)
    match_threshold = rule.resolve_threshold(threshold)
    lenient = SCHEMES[HEADLINE]
    types, paragraphs = prepared.types, prepared.paragraphs
    gold_spans, pred_spans = prepared.spans(text=rule.uses_text)
    outcome = classify_documents(gold_spans, pred_spans, rule, match_threshold)
    counts = _unit_counts(outcome, paragraphs, len(types))
    units = Units(groups=prepared.doc_ids, sizes=paragraphs.sizes, columns=unit_columns(types),
                  counts=counts.reshape(len(counts), -1))
    totals = counts.sum(axis=0)
    per_type = {t: Counts(*(int(x) for x in totals[k])) for k, t in enumerate(types)}
    attribution_threshold = lenient.resolve_threshold(threshold)
    return Score(
        scheme=rule.name,
        threshold=match_threshold,
        types=types,
        per_type=per_type,
        micro=micro_average(per_type),
        macro=macro_average(per_type),
        units=units,
        outcome=outcome,
        documents=DocumentResults(prepared.doc_ids, outcome),
        attribution=prepared.attribution(attribution_threshold, outcome if rule is lenient else None),
    )


def _attribution(pairs: Classification, gold: Spans, preds: Spans, names: ClaimantTable,
                 threshold: float) -> AttributionScore:
    rows = pairs.rows(MATCHED)
    n_matched = int(rows.sum())
    matched_gold = list(map(gold.claims.__getitem__, pairs.gold[rows].tolist()))
    matched_pred = list(map(preds.claims.__getitem__, pairs.pred[rows].tolist()))
    claimant_agrees, form_agrees = attribution_agreement(matched_gold, matched_pred, names, n_matched)
    gives_claimant = any(p.claimant is not None for p in matched_pred)
    gives_form = any(p.attribution is not None for p in matched_pred)
    claimant_ok, attribution_ok = int(claimant_agrees.sum()), int(form_agrees.sum())
    joint = None
    if any(p.claimant is not None for p in preds.claims):
        joint = Counts(claimant_ok, len(preds) - claimant_ok, len(gold) - claimant_ok)  # lenient pairs agree on span and type
    return AttributionScore(
        claimant_accuracy=claimant_ok / n_matched if n_matched and gives_claimant else None,
        attribution_accuracy=attribution_ok / n_matched if n_matched and gives_form else None,
        joint=joint,
        n_matched=n_matched,
        threshold=threshold,
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
    # an unplaced prediction (start -1) is filed under its document's first paragraph
    cells = np.concatenate([
        (paragraphs.unit_of(gold.doc[g], gold.start[g]) * n_types + gold.type[g]) * 3 + g_column,
        (paragraphs.unit_of(preds.doc[p], np.maximum(preds.start[p], 0)) * n_types + preds.type[p]) * 3 + FP,
    ])
    size = len(paragraphs) * n_types * 3
    return np.bincount(cells, minlength=size).reshape(len(paragraphs), n_types, 3)
