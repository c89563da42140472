"""Claims: counts per type, attribution over the lenient pairs, and every metric from their sums.

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
from both says nothing about the system and would otherwise add a 0 (or a 1). A type's
undefined value is left out of the mean, as scikit-learn's ``zero_division=np.nan`` does.

Attribution is judged on the ``lenient`` pairs at the run's threshold, whatever the
scheme, so it does not depend on exact boundaries. Claimant and attribution form are
optional in a prediction, so each is reported twice, so that neither number hides the other:

- *coverage*: the share of matched predictions that give the field;
- *accuracy*: over the matched predictions that give it, the share that agree with the
  gold. Claimants agree when they name the same canonical claimant through the alias table
  (``bench.claimants``: names normalised first, so "The city council" is "city council");
- *claimant token F1*: over the same pairs, the mean token F1 of the two names, the softer
  measure NewsClaims uses for claimers;
- *joint*: a true positive needs span (lenient), type and claimant all right; precision is
  over all predictions, recall over all gold claims (undefined when no prediction names a
  claimant).

Every statistic is a count (or a sum) filed under a paragraph unit (``bench.significance``);
every metric is one function of their totals, ``claim_metrics``, used for the point score
and for every bootstrap resample.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import count, repeat
from operator import attrgetter, is_not
from dataclasses import dataclass

import numpy as np

from .claimants import ClaimantTable
from .formulas import mean_defined, prf, ratio, value
from .matching import (
    HEADLINE, MATCHED, SCHEMES, Classification, DocumentResults, Overlaps, Spans, classify_documents, get_scheme,
    with_text,
)
from .records import CLAIM_TYPES, Claim, Document
from .significance import Paragraphs, Units

STATS = ("tp", "fp", "fn")
TP, FP, FN = range(3)
# Attribution statistics, over the lenient pairs, after the per-type counts.
ATTRIBUTION_COLUMNS = ("matched", "claimant_given", "claimant_ok", "claimant_f1", "attribution_given",
                       "attribution_ok", "joint_tp", "claimant_named")


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
        return value(prf(self.tp, self.fp, self.fn)[0])

    @property
    def recall(self) -> float | None:
        return value(prf(self.tp, self.fp, self.fn)[1])

    @property
    def f1(self) -> float | None:
        return value(prf(self.tp, self.fp, self.fn)[2])

    def __add__(self, other: Counts) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def unit_columns(types: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{t}.{s}" for t in types for s in STATS) + ATTRIBUTION_COLUMNS


def claim_metrics(totals: np.ndarray, n_types: int) -> dict[str, np.ndarray]:
    """Every claims metric from totals of shape (..., columns): NaN where undefined.

    Per type (``precision``, ``recall``, ``f1``: one value a type), micro and macro averages,
    and the attribution figures of the module docstring.
    """
    totals = np.asarray(totals, float)
    lead = totals.shape[:-1]
    counts = totals[..., :n_types * 3].reshape((*lead, n_types, 3))
    a = {name: totals[..., n_types * 3 + k] for k, name in enumerate(ATTRIBUTION_COLUMNS)}
    tp, fp, fn = counts[..., TP], counts[..., FP], counts[..., FN]
    precision, recall, f1 = prf(tp, fp, fn)
    micro = prf(tp.sum(-1), fp.sum(-1), fn.sum(-1))
    present = (tp + fp + fn) > 0
    n_pred, n_gold = (tp + fp).sum(-1), (tp + fn).sum(-1)
    joint = prf(a["joint_tp"], n_pred - a["joint_tp"], n_gold - a["joint_tp"])
    named = a["claimant_named"] > 0
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "micro_precision": micro[0], "micro_recall": micro[1], "micro_f1": micro[2],
        "macro_precision": mean_defined(precision, present), "macro_recall": mean_defined(recall, present),
        "macro_f1": mean_defined(f1, present),
        "claimant_accuracy": ratio(a["claimant_ok"], a["claimant_given"]),
        "claimant_coverage": ratio(a["claimant_given"], a["matched"]),
        "claimant_token_f1": ratio(a["claimant_f1"], a["claimant_given"]),
        "attribution_accuracy": ratio(a["attribution_ok"], a["attribution_given"]),
        "attribution_coverage": ratio(a["attribution_given"], a["matched"]),
        "joint_precision": np.where(named, joint[0], np.nan), "joint_recall": np.where(named, joint[1], np.nan),
        "joint_f1": np.where(named, joint[2], np.nan),
    }


# ---------------------------------------------------------------- the score

@dataclass(slots=True)
class Score:
    """Everything one scheme's scoring produces: the unit statistics every number is summed from,
    the outcome of every claim, and the numbers themselves (``metrics`` of the totals)."""

    scheme: str
    threshold: float
    types: tuple[str, ...]
    units: Units
    outcome: Classification
    documents: DocumentResults
    attribution_threshold: float

    @property
    def totals(self) -> np.ndarray:
        return self.units.total()

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        return claim_metrics(self.totals, len(self.types))

    @property
    def per_type(self) -> dict[str, Counts]:
        counts = self.totals[:len(self.types) * 3].reshape(len(self.types), 3)
        return {t: Counts(*(int(x) for x in counts[k])) for k, t in enumerate(self.types)}

    @property
    def micro(self) -> Counts:
        return sum(self.per_type.values(), Counts())

    @property
    def macro(self) -> dict[str, float | None]:
        m = self.metrics
        return {name: value(m[f"macro_{name}"]) for name in ("precision", "recall", "f1")}

    def column(self, name: str) -> float:
        """The total of one attribution statistic."""
        return float(self.totals[len(self.types) * 3 + ATTRIBUTION_COLUMNS.index(name)])

    @property
    def n_matched(self) -> int:
        return int(self.column("matched"))

    @property
    def joint(self) -> Counts | None:
        """Span, type and claimant right: None when no prediction names a claimant."""
        if not self.column("claimant_named"):
            return None
        tp, micro = int(self.column("joint_tp")), self.micro
        return Counts(tp, micro.tp + micro.fp - tp, micro.tp + micro.fn - tp)

    @property
    def attribution(self) -> dict[str, float | None]:
        m = self.metrics
        names = ("claimant_accuracy", "claimant_coverage", "claimant_token_f1", "attribution_accuracy",
                 "attribution_coverage")
        return {name: value(m[name]) for name in names}


@dataclass(slots=True)
class Prepared:
    """What every scheme of one scoring shares, built once: the claims as columns (with their
    texts filled in, for schemes that compare texts), the paragraph units, and the attribution
    statistics (judged on lenient pairs, the same whatever the scheme)."""

    doc_ids: list[str]
    types: tuple[str, ...]
    gold: Spans
    predictions: Spans
    texts: list[str]
    paragraphs: Paragraphs
    names: ClaimantTable
    _with_text: tuple[Spans, Spans] | None = None
    _attribution: dict[float, np.ndarray] | None = None
    _overlaps: Overlaps | None = None

    @property
    def overlaps(self) -> Overlaps:
        """The overlapping pairs of the span columns, shared by every span scheme."""
        if self._overlaps is None:
            self._overlaps = Overlaps(self.gold, self.predictions)
        return self._overlaps

    def spans(self, *, text: bool = False) -> tuple[Spans, Spans]:
        """(gold, predictions) as columns; with ``text``, each claim's missing text is its span."""
        if not text:
            return self.gold, self.predictions
        if self._with_text is None:
            self._with_text = (with_text(self.gold, self.texts), with_text(self.predictions, self.texts))
        return self._with_text

    def attribution(self, threshold: float, lenient_pairs: Classification | None = None) -> np.ndarray:
        """counts[unit, ATTRIBUTION_COLUMNS] over the lenient pairs at ``threshold``."""
        self._attribution = self._attribution or {}
        if threshold not in self._attribution:
            if lenient_pairs is None:
                lenient_pairs = classify_documents(self.gold, self.predictions, SCHEMES[HEADLINE], threshold, stages=1,
                                                   overlaps=self.overlaps)
            self._attribution[threshold] = _attribution_counts(lenient_pairs, self.paragraphs, self.names)
        return self._attribution[threshold]


def type_index(types: Sequence[str]) -> dict[str, int]:
    types = tuple(types)
    if len(set(types)) != len(types):
        raise ValueError(f"duplicate claim types in {list(types)}")
    return {t: k for k, t in enumerate(types)}


def prepare_spans(*, gold: Spans, predictions: Spans, doc_ids: list[str], texts: list[str],
                  claimants: Mapping[str, Sequence[str]] | None = None,
                  types: Sequence[str] = CLAIM_TYPES) -> Prepared:
    """The shared part of a scoring whose claims are already columns (documents in ``doc_ids`` order)."""
    return Prepared(list(doc_ids), tuple(types), gold, predictions, list(texts), Paragraphs(doc_ids, texts),
                    ClaimantTable(claimants))


def prepare(*, gold: Mapping[str, Sequence[Claim]], predictions: Mapping[str, Sequence[Claim]],
            documents: Mapping[str, Document], claimants: Mapping[str, Sequence[str]] | None = None,
            types: Sequence[str] = CLAIM_TYPES) -> Prepared:
    """The shared part of scoring ``predictions`` against ``gold`` over ``documents``, checked once.

    Exactly the documents in ``documents`` are scored, in doc_id order; predictions for a
    document outside it are ignored, gold for one is an error (its paragraphs are unknown).
    """
    at = type_index(types)
    stray = sorted(set(gold) - set(documents))
    if stray:
        raise ValueError(f"gold given for documents that are not being scored: {', '.join(stray[:5])}")
    doc_ids = sorted(documents)
    gold_spans = Spans.build([gold.get(d, ()) for d in doc_ids], at)
    pred_spans = Spans.build([predictions.get(d, ()) for d in doc_ids], at, unplaced=True)
    return prepare_spans(gold=gold_spans, predictions=pred_spans, doc_ids=doc_ids,
                         texts=[documents[d].text for d in doc_ids], claimants=claimants, types=types)


def score(*, gold: Mapping[str, Sequence[Claim]], predictions: Mapping[str, Sequence[Claim]],
          documents: Mapping[str, Document], scheme: str = HEADLINE, threshold: float | None = None,
          claimants: Mapping[str, Sequence[str]] | None = None, types: Sequence[str] = CLAIM_TYPES) -> Score:
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
    outcome = classify_documents(gold_spans, pred_spans, rule, match_threshold,
                                 overlaps=prepared.overlaps if not rule.uses_text else None)
    counts = _unit_counts(outcome, paragraphs, len(types)).reshape(len(paragraphs), -1)
    attribution_threshold = lenient.resolve_threshold(threshold)
    attribution = prepared.attribution(attribution_threshold, outcome if rule is lenient else None)
    units = Units(groups=prepared.doc_ids, sizes=paragraphs.sizes, columns=unit_columns(types),
                  counts=np.concatenate([counts, attribution], axis=1))
    return Score(rule.name, match_threshold, types, units, outcome, DocumentResults(prepared.doc_ids, outcome),
                 attribution_threshold)


def _attribution_counts(pairs: Classification, paragraphs: Paragraphs, names: ClaimantTable) -> np.ndarray:
    """counts[unit, ATTRIBUTION_COLUMNS]: each pair filed under its gold claim's paragraph, each
    prediction that names a claimant under its own.

    Each distinct (gold claimant, predicted claimant) pair is judged once; the sums are
    taken per unit in pair order, as adding pair by pair would."""
    from .claimants import name_f1

    gold, preds = pairs.gold_spans, pairs.pred_spans
    rows = pairs.rows(MATCHED)
    g, p = pairs.gold[rows], pairs.pred[rows]
    counts = np.zeros((len(paragraphs), len(ATTRIBUTION_COLUMNS)), np.float64)
    column = {name: k for k, name in enumerate(ATTRIBUTION_COLUMNS)}
    units = paragraphs.unit_of(gold.doc[g], gold.start[g]) if len(g) else np.zeros(0, np.int64)
    # the claimant and form of each matched pair as a number (None: -1), one table for both sides; the types
    # are the columns' own numbers
    matched_gold = list(map(gold.claims.__getitem__, g.tolist()))
    matched_pred = list(map(preds.claims.__getitem__, p.tolist()))
    claimants, forms = _numbering(), _numbering()
    gold_name, pred_name = _numbers(matched_gold, "claimant", claimants), _numbers(matched_pred, "claimant", claimants)
    form = (_numbers(matched_gold, "attribution", forms), _numbers(matched_pred, "attribution", forms))
    names_of = [name for name in claimants if name is not None]  # in the order numbered
    given = pred_name >= 0
    # each distinct (gold claimant, predicted claimant) pair is judged once
    code = (gold_name + 1) * (len(names_of) + 1) + pred_name
    distinct, inverse = np.unique(code[given], return_inverse=True)
    same_pairs, f1_pairs = np.zeros(len(distinct), bool), np.zeros(len(distinct), np.float64)
    for k, c in enumerate(distinct.tolist()):
        a, b = c // (len(names_of) + 1) - 1, c % (len(names_of) + 1)
        pair = (None if a < 0 else names_of[a], names_of[b])
        same_pairs[k] = names.same(*pair)
        f1_pairs[k] = 1.0 if same_pairs[k] else name_f1(*pair)
    same, f1 = np.zeros(len(g), bool), np.zeros(len(g), np.float64)
    same[given], f1[given] = same_pairs[inverse.ravel()], f1_pairs[inverse.ravel()]
    form_given = form[1] >= 0
    for name, weights in (("matched", None), ("claimant_given", given), ("claimant_ok", same), ("claimant_f1", f1),
                          ("joint_tp", same & (gold.type[g] == preds.type[p])), ("attribution_given", form_given),
                          ("attribution_ok", form_given & (form[0] == form[1]))):
        counts[:, column[name]] = np.bincount(units, weights, minlength=len(paragraphs))
    named = np.fromiter(map(is_not, map(_CLAIMANT, preds.claims), repeat(None)), bool, len(preds.claims))
    if named.any():
        where = np.flatnonzero(named)
        np.add.at(counts[:, column["claimant_named"]],
                  paragraphs.unit_of(preds.doc[where], np.maximum(preds.start[where], 0)), 1)
    return counts


_CLAIMANT = attrgetter("claimant")


def _numbering() -> defaultdict:
    """Numbers 0, 1, ... for values in the order first met; None is -1."""
    table = defaultdict(count().__next__)
    table[None] = -1
    return table


def _numbers(claims: Sequence[Claim], field: str, table: defaultdict) -> np.ndarray:
    """``field`` of every claim as its number in ``table`` (which grows)."""
    return np.fromiter(map(table.__getitem__, map(attrgetter(field), claims)), np.int64, len(claims))


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
