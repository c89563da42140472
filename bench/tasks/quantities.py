"""The ``quantities`` task: find every figure, and say what it is: value, bound, hedge, unit, what it counts.

Gold layer: the ``quantities`` list of each gold document (gold/GUIDELINES.md, section 10).

Predictions: JSONL, one mention a line: ``{"doc_id", "start", "end", "low", "high",
"low_inclusive", "high_inclusive", "approximate", "unit", "counted"}`` (``low``/``high`` null
for an unbounded side, never both; the flags default to false), optionally ``"text"`` (checked against
the offsets), ``"id"``, ``"score"``, ``"meta"``.

Scorer. Mentions are paired one to one, optimally, as claims are (``bench.matching``):
``lenient`` on character IoU >= threshold, ``strict`` on identical spans. Over the pairs:

- mention P/R/F1: the pairing itself (detection);
- figure P/R/F1, the headline: a true positive needs the span *and* the exact value
  (low, high and both inclusive flags equal);
- value-exact accuracy (as above), value-compatible accuracy (the two intervals
  intersect), approximate-flag accuracy, unit accuracy (case-insensitive), and the mean
  token F1 of ``counted`` (SQuAD tokens) over matched mentions. Unit and counted accuracy
  are over the predictions that give the field;
- hedge-loss rate (lower is better): of the matched gold figures that are hedged or
  bounded (anything but an exact, unhedged value), the share the system states as an exact,
  unhedged value.

Values are compared with a relative tolerance (``bench.values``). Every statistic is filed
under the paragraph of the mention it is about, and intervals and paired tests resample
those paragraph units.
"""

from __future__ import annotations

import msgspec
import numpy as np

from ..align import squad_tokens, token_f1
from ..checks import QUANTITY_DECODER, quantity_problem
from ..exceptions import InputError
from ..formulas import prf, ratio, value
from ..matching import MATCHED, SCHEMES, Spans, classify_documents
from ..records import Corpus, Quantity
from ..significance import Paragraphs, Units
from ..tables import fmt_interval, fmt_score, render
from ..values import compatible, value_exact
from .base import Metric, Row, SchemeScore, Task, no_claims_run
from .outcomes import Outcomes
from .predictions import (Predictions, PredictionsBuilder, RecordKind, check_predictions, predictions_from_objects,
                          read_predictions)
from .schema import PRF, Intervals

SCHEME_NAMES = ("lenient", "strict")
COLUMNS = ("mention.tp", "mention.fp", "mention.fn", "figure.tp", "matched", "value_exact", "value_compatible",
           "approximate_ok", "unit_ok", "unit_given", "counted_f1", "counted_given", "hedged", "hedge_lost")
_C = {name: k for k, name in enumerate(COLUMNS)}
ACCURACIES = ("value_exact", "value_compatible", "approximate", "unit", "counted")
KIND = RecordKind(Quantity, QUANTITY_DECODER, quantity_problem)


def quantity_metrics(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Every quantity metric from totals of shape (..., len(COLUMNS)); NaN where undefined."""
    t = {name: np.asarray(totals, float)[..., k] for k, name in enumerate(COLUMNS)}
    tp, fp, fn, ftp = t["mention.tp"], t["mention.fp"], t["mention.fn"], t["figure.tp"]
    matched = t["matched"]
    mention = prf(tp, fp, fn)
    figure = prf(ftp, tp + fp - ftp, tp + fn - ftp)  # a figure is right when its span and value are
    return {
        "mention_precision": mention[0], "mention_recall": mention[1], "mention_f1": mention[2],
        "figure_precision": figure[0], "figure_recall": figure[1], "figure_f1": figure[2],
        "value_exact": ratio(t["value_exact"], matched), "value_compatible": ratio(t["value_compatible"], matched),
        "approximate": ratio(t["approximate_ok"], matched),
        "unit": ratio(t["unit_ok"], t["unit_given"]),
        "counted": ratio(t["counted_f1"], t["counted_given"]),
        "hedge_loss": ratio(t["hedge_lost"], t["hedged"]),
    }


class _Accuracy(msgspec.Struct):
    value_exact: float | None
    value_compatible: float | None
    approximate: float | None
    unit: float | None
    counted: float | None


class _QuantityCounts(msgspec.Struct):
    gold: int
    predicted: int
    matched: int
    value_exact: int
    hedged: int
    hedge_lost: int
    unit_given: int = 0
    counted_given: int = 0


class QuantityScores(msgspec.Struct):
    """One scheme's entry in ``results.json``, written and read with this shape."""

    scheme: str
    threshold: float
    mention: PRF
    figure: PRF
    accuracy: _Accuracy
    hedge_loss: float | None
    counts: _QuantityCounts
    ci: Intervals | None = None


class QuantitiesTask(Task):
    name = "quantities"
    description = "quantity mentions: span, normalised value and bounds, hedge, unit, what is counted"
    layer = "quantities"
    schemes = SCHEME_NAMES
    prediction_format = ('JSONL, one mention a line: {"doc_id", "start", "end", "low", "high", "low_inclusive", '
                         '"high_inclusive", "approximate", "unit", "counted"}')
    model_method = "predict_quantities"
    items_name = "quantities"
    metrics = (
        Metric("mention_f1"), Metric("mention_precision"), Metric("mention_recall"),
        Metric("figure_f1"), Metric("figure_precision"), Metric("figure_recall"),
        *(Metric(name) for name in ACCURACIES), Metric("hedge_loss", higher_is_better=False),
    )
    headline_metric = "figure_f1"
    scores_schema = QuantityScores
    breakdown_rows = ("mentions",)
    key_rows = ("figures", "hedge loss")

    def require(self, corpus: Corpus) -> None:
        if corpus.quantities is None:
            raise InputError('this gold has no quantity layer (task "quantities" needs a "quantities" list in every '
                             "gold document; see gold/GUIDELINES.md, section 10)")

    # -- predictions

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims=None) -> Predictions:
        no_claims_run(claims, self.name)
        return read_predictions(path, KIND, corpus.documents, corpus.doc_ids, data=data)

    def from_objects(self, items, corpus: Corpus, config, *, claims=None) -> Predictions:
        no_claims_run(claims, self.name)
        return predictions_from_objects(items, KIND, corpus.documents, corpus.doc_ids)

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        return check_predictions(path, KIND, corpus.documents, limit=limit)

    def builder(self, corpus: Corpus, config) -> PredictionsBuilder:
        return PredictionsBuilder(KIND, corpus.documents, corpus.doc_ids)

    # -- scoring

    def compute(self, totals: np.ndarray, scheme: str) -> dict[str, np.ndarray]:
        return quantity_metrics(totals)

    def prepare(self, corpus: Corpus, predictions: Predictions, config):
        doc_ids = corpus.doc_ids
        gold = [corpus.quantities.get(d, []) for d in doc_ids]
        paragraphs = Paragraphs(doc_ids, [corpus.documents[d].text for d in doc_ids])
        outcomes = Outcomes.frame(doc_ids, list(map(len, gold)), predictions.counts, predictions.lines)
        return (Spans.build(gold, None), Spans.flat(predictions.records, predictions.offsets, None), paragraphs,
                outcomes)

    def outcomes(self, prepared) -> Outcomes:
        return prepared[3]

    def score_scheme(self, prepared, scheme: str, config) -> SchemeScore:
        gold, preds, paragraphs, _ = prepared
        rule = SCHEMES[scheme]
        outcome = classify_documents(gold, preds, rule, config.threshold)
        units = Units(groups=paragraphs.doc_ids, sizes=paragraphs.sizes, columns=COLUMNS,
                      counts=_unit_stats(outcome, gold, preds, paragraphs))
        return SchemeScore(units, outcome, {"threshold": rule.resolve_threshold(config.threshold)})

    def entry(self, scheme: str, totals: np.ndarray, values: dict, part: SchemeScore, config) -> QuantityScores:
        m = {k: value(v) for k, v in values.items()}
        t = {name: int(round(totals[k])) for k, name in enumerate(COLUMNS) if name != "counted_f1"}
        return QuantityScores(
            scheme=scheme, threshold=part.facts["threshold"],
            mention=PRF(m["mention_precision"], m["mention_recall"], m["mention_f1"]),
            figure=PRF(m["figure_precision"], m["figure_recall"], m["figure_f1"]),
            accuracy=_Accuracy(**{name: m[name] for name in ACCURACIES}), hedge_loss=m["hedge_loss"],
            counts=_QuantityCounts(gold=t["mention.tp"] + t["mention.fn"], predicted=t["mention.tp"] + t["mention.fp"],
                                   matched=t["matched"], value_exact=t["value_exact"], hedged=t["hedged"],
                                   hedge_lost=t["hedge_lost"], unit_given=t["unit_given"],
                                   counted_given=t["counted_given"]))

    # -- tables

    def rows(self, entry: QuantityScores) -> list[Row]:
        rows = []
        for name, key in (("mentions", "mention"), ("figures", "figure")):
            block = getattr(entry, key)
            rows.append(self.row(name, block.precision, block.recall, block.f1, entry, f"{key}_f1"))
        for name in ACCURACIES:
            rows.append(self.row(f"{name.replace('_', '-')} accuracy", None, None, getattr(entry.accuracy, name),
                                 entry, name, has_pr=False))
        rows.append(self.row("hedge loss", None, None, entry.hedge_loss, entry, "hedge_loss", has_pr=False))
        return rows

    def table(self, entry: QuantityScores, fmt: str) -> str:
        rows = [[row.label, row.shown_pr(row.precision), row.shown_pr(row.recall), fmt_score(row.value),
                 fmt_interval(row.ci, missing="-")] for row in self.rows(entry)]
        return render(rows, ["figure", "P", "R", "F1 / rate", "95% CI"], fmt)

    def summary(self, results, scheme: str) -> list[str]:
        counts = results.scores[scheme].counts
        return [f"{counts.gold} gold mentions, {counts.predicted} predicted, {counts.matched} matched "
                f"({counts.unit_given} giving a unit, {counts.counted_given} what is counted: the accuracies of "
                f"those fields are over these); {counts.hedged} matched gold figures hedged or bounded, "
                f"{counts.hedge_lost} stated as exact"]


def _unit_stats(outcome, gold: Spans, preds: Spans, paragraphs: Paragraphs) -> np.ndarray:
    """stats[unit, column] (``COLUMNS``), each filed under the paragraph of its mention."""
    counts = np.zeros((len(paragraphs), len(COLUMNS)), np.float64)
    g_unit = paragraphs.unit_of(gold.doc, gold.start) if len(gold) else np.zeros(0, np.int64)
    p_unit = paragraphs.unit_of(preds.doc, preds.start) if len(preds) else np.zeros(0, np.int64)
    matched = outcome.rows(MATCHED)
    pairs = list(zip(outcome.gold[matched].tolist(), outcome.pred[matched].tolist()))
    paired_gold = np.zeros(len(gold), bool)
    paired_pred = np.zeros(len(preds), bool)
    if pairs:
        paired_gold[[g for g, _ in pairs]] = True
        paired_pred[[p for _, p in pairs]] = True
    np.add.at(counts[:, _C["mention.tp"]], g_unit[paired_gold], 1)
    np.add.at(counts[:, _C["mention.fn"]], g_unit[~paired_gold], 1)
    np.add.at(counts[:, _C["mention.fp"]], p_unit[~paired_pred], 1)
    for g, p in pairs:
        gq, pq = gold.claims[g], preds.claims[p]
        row = counts[g_unit[g]]
        exact = value_exact(gq, pq)
        row[_C["matched"]] += 1
        row[_C["figure.tp"]] += exact
        row[_C["value_exact"]] += exact
        row[_C["value_compatible"]] += compatible(gq, pq)
        row[_C["approximate_ok"]] += gq.approximate == pq.approximate
        if pq.unit is not None:
            row[_C["unit_given"]] += 1
            row[_C["unit_ok"]] += (gq.unit or "").strip().casefold() == pq.unit.strip().casefold()
        if pq.counted is not None:
            row[_C["counted_given"]] += 1
            row[_C["counted_f1"]] += token_f1(squad_tokens(gq.counted or ""), squad_tokens(pq.counted))
        if not gq.exact:
            row[_C["hedged"]] += 1
            row[_C["hedge_lost"]] += pq.exact
    return counts


TASK = QuantitiesTask()
