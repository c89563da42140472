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
  are n/a for predictions that never give the field;
- hedge-loss rate: of the matched gold figures that are hedged or bounded (anything but an
  exact, unhedged value), the share the system states as an exact, unhedged value.

Values are compared with a relative tolerance of 1e-9 (so "a third" written as
0.3333333333333333 or 1/3 agree). Every statistic is filed under the paragraph of the
mention it is about, and intervals and paired tests resample those paragraph units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import msgspec
import numpy as np

from ..align import squad_tokens, token_f1
from ..records import Corpus, Quantity
from ..corpus import nfc_hint
from ..errors import InputError
from ..jsonio import decode_lines, decode_one, line_number, line_problems, read_bytes, to_jsonl
from ..matching import MATCHED, SCHEMES, Spans, classify_documents
from ..checks import QUANTITY_DECODER, explain, quantity_problem, record_from_object
from ..significance import Paragraphs, Units, ratio
from ..tables import fmt_interval, fmt_score, notes, render
from .base import Row, Scored, Task, ci_of, outcome_arrays, outcome_index
from .schema import PRF, Intervals, check_entries

SCHEME_NAMES = ("lenient", "strict")
COLUMNS = ("mention.tp", "mention.fp", "mention.fn", "figure.tp", "matched", "value_exact", "value_compatible",
           "approximate_ok", "unit_ok", "unit_given", "counted_f1", "counted_given", "hedged", "hedge_lost")
_C = {name: k for k, name in enumerate(COLUMNS)}
ACCURACIES = ("value_exact", "value_compatible", "approximate", "unit", "counted")
REL_TOL = 1e-9


# ---------------------------------------------------------------- values

def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def value_exact(gold: Quantity, pred: Quantity) -> bool:
    return (_same(gold.low, pred.low) and _same(gold.high, pred.high)
            and gold.low_inclusive == pred.low_inclusive and gold.high_inclusive == pred.high_inclusive)


def compatible(gold: Quantity, pred: Quantity) -> bool:
    """The two intervals share a value (open ends respected; None is unbounded)."""
    low, low_in = _max_low(gold, pred)
    high, high_in = _min_high(gold, pred)
    if low is None or high is None:
        return True
    if _same(low, high):
        return low_in and high_in
    return low < high


def _max_low(a: Quantity, b: Quantity) -> tuple[float | None, bool]:
    if a.low is None:
        return b.low, b.low_inclusive
    if b.low is None or a.low > b.low:
        return a.low, a.low_inclusive
    if _same(a.low, b.low):
        return a.low, a.low_inclusive and b.low_inclusive
    return b.low, b.low_inclusive


def _min_high(a: Quantity, b: Quantity) -> tuple[float | None, bool]:
    if a.high is None:
        return b.high, b.high_inclusive
    if b.high is None or a.high < b.high:
        return a.high, a.high_inclusive
    if _same(a.high, b.high):
        return a.high, a.high_inclusive and b.high_inclusive
    return b.high, b.high_inclusive


def describe(q: Quantity) -> str:
    """A figure as a reader says it: "~1,730", "≤ 1,000", "> 0.5", "2,000+"."""
    def num(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"

    hedge = "~" if q.approximate else ""
    if q.low is not None and q.high is not None and _same(q.low, q.high):
        core = num(q.low)
    elif q.low is not None and q.high is not None:
        core = f"{num(q.low)}–{num(q.high)}"
    elif q.low is not None:
        core = f"{'≥' if q.low_inclusive else '>'} {num(q.low)}"
    elif q.high is not None:
        core = f"{'≤' if q.high_inclusive else '<'} {num(q.high)}"
    else:
        core = "?"
    unit = "" if q.unit in (None, "count") else f" {q.unit}"
    return f"{hedge}{core}{unit}"


# ---------------------------------------------------------------- predictions

@dataclass(slots=True)
class QuantityPredictions:
    by_doc: dict[str, list[Quantity]]
    lines: dict[str, list[int]]
    source: bytes
    count: int = 0
    alignment: list = field(default_factory=list)

    @property
    def documents_predicted(self) -> int:
        return sum(1 for mentions in self.by_doc.values() if mentions)


def _explain(obj: object) -> str | None:
    return explain(obj, Quantity)


def _problem(q: Quantity, texts: dict[str, str]) -> str | None:
    if q.doc_id is None:
        return 'missing field "doc_id"'
    text = texts.get(q.doc_id)
    if text is None:
        return f'unknown doc_id "{q.doc_id}"{nfc_hint(q.doc_id, texts)}'
    return quantity_problem(q, text)


def _empty(documents) -> tuple[dict, dict]:
    return {d: [] for d in documents}, {d: [] for d in documents}


# ---------------------------------------------------------------- the task

class QuantitiesTask(Task):
    name = "quantities"
    description = "quantity mentions: span, normalised value and bounds, hedge, unit, what is counted"
    layer = "quantities"
    schemes = SCHEME_NAMES
    prediction_format = ('JSONL, one mention a line: {"doc_id", "start", "end", "low", "high", "low_inclusive", '
                         '"high_inclusive", "approximate", "unit", "counted"}')
    model_method = "predict_quantities"
    items_name = "quantities"

    def require(self, corpus: Corpus) -> None:
        if corpus.quantities is None:
            raise InputError('this gold has no quantity layer (task "quantities" needs a "quantities" list in every '
                             "gold document; see gold/GUIDELINES.md, section 10)")

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims_run: str | None = None) -> QuantityPredictions:
        self.no_claims_run(claims_run, self.name)
        data = read_bytes(path) if data is None else data
        records, numbers = decode_lines(path, QUANTITY_DECODER, _explain, data=data)
        if not records:
            raise InputError("empty file: no predictions", path=path)
        texts = {d: doc.text for d, doc in corpus.documents.items()}
        by_doc, lines = _empty(corpus.documents)
        for index, q in enumerate(records):
            problem = _problem(q, texts)
            if problem:
                raise InputError(problem, path=path, line=line_number(numbers, index))
            by_doc[q.doc_id].append(q)
            lines[q.doc_id].append(line_number(numbers, index))
        return QuantityPredictions(by_doc, lines, data, len(records))

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        texts = {d: doc.text for d, doc in corpus.documents.items()}
        return line_problems(path, lambda raw: _problem(decode_one(raw, QUANTITY_DECODER, _explain), texts),
                             limit=limit)

    def from_objects(self, items, corpus: Corpus, config, *, where: str = "predictions",
                     doc_id: str | None = None, claims_run: str | None = None) -> QuantityPredictions:
        self.no_claims_run(claims_run, self.name)
        texts = {d: doc.text for d, doc in corpus.documents.items()}
        by_doc, lines = _empty(corpus.documents)
        given = []
        for index, item in enumerate(items):
            try:
                q = record_from_object(item, Quantity, doc_id=doc_id)
                problem = _problem(q, texts)
                if problem:
                    raise InputError(problem)
            except InputError as exc:
                raise InputError(f"{where}[{index}]: {exc.message}") from None
            given.append(q)
            by_doc[q.doc_id].append(q)
            lines[q.doc_id].append(len(given))
        return QuantityPredictions(by_doc, lines, to_jsonl(given), len(given))

    def merge(self, parts: list[QuantityPredictions], corpus: Corpus) -> QuantityPredictions:
        by_doc, lines = _empty(corpus.documents)
        chunks, offset = [], 0
        for part in parts:
            for doc_id, mentions in part.by_doc.items():
                by_doc[doc_id].extend(mentions)
                lines[doc_id].extend(n + offset for n in part.lines[doc_id])
            chunks.append(part.source)
            offset += part.count
        return QuantityPredictions(by_doc, lines, b"".join(chunks), offset)

    # -- scoring

    def metrics(self, scheme: str):
        return quantity_metrics

    def score(self, corpus: Corpus, predictions: QuantityPredictions, config) -> Scored:
        doc_ids = corpus.doc_ids
        paragraphs = Paragraphs(doc_ids, [corpus.documents[d].text for d in doc_ids])
        gold = Spans.build([corpus.quantities.get(d, []) for d in doc_ids], None)
        preds = Spans.build([predictions.by_doc.get(d, []) for d in doc_ids], None)
        outcomes = outcome_index(doc_ids, corpus.quantities, predictions.by_doc, predictions.lines)
        scores, units = {}, {}
        order = [config.scheme] + [s for s in self.schemes if s != config.scheme]
        for scheme in order:
            outcome = classify_documents(gold, preds, SCHEMES[scheme], config.threshold)
            counts = _unit_stats(outcome, gold, preds, paragraphs)
            units[scheme] = Units(groups=doc_ids, sizes=paragraphs.sizes, columns=COLUMNS, counts=counts)
            entry = _entry(counts.sum(axis=0), scheme, SCHEMES[scheme].resolve_threshold(config.threshold))
            entry["ci"] = self.intervals(units[scheme], scheme, config.n_bootstrap, config.seed)
            scores[scheme] = entry
            outcomes |= outcome_arrays(outcome, scheme)
        return Scored(scores, units, outcomes)

    def check_scores(self, scores: dict) -> str | None:
        return check_entries(scores, QuantityScores)

    def rows(self, entry: dict) -> list[Row]:
        rows = []
        for name, key in (("mentions", "mention"), ("figures", "figure")):
            block = entry[key]
            rows.append(Row(name, block["precision"], block["recall"], block["f1"], ci_of(entry, f"{key}_f1"),
                            f"{key}_f1"))
        for name in ACCURACIES:
            label = f"{name.replace('_', '-')} accuracy"
            rows.append(Row(label, None, None, entry["accuracy"][name], ci_of(entry, name), name, has_pr=False))
        rows.append(Row("hedge loss (lower is better)", None, None, entry["hedge_loss"], ci_of(entry, "hedge_loss"),
                        "hedge_loss", has_pr=False))
        return rows

    def table(self, entry: dict, fmt: str) -> str:
        rows = []
        for row in self.rows(entry):
            rows.append([row.name, row.shown_pr(row.precision), row.shown_pr(row.recall), fmt_score(row.value),
                         fmt_interval(row.ci, missing="-")])
        return render(rows, ["figure", "P", "R", "F1 / rate", "95% CI"], fmt)

    def report(self, results: dict, scheme: str, fmt: str) -> str:
        entry = results["scores"][scheme]
        counts = entry["counts"]
        head = notes([f"{results['model']} | task quantities | scheme {scheme}", ""], fmt)
        tail = ["", f"{counts['gold']} gold mentions, {counts['predicted']} predicted, {counts['matched']} matched; "
                    f"{counts['hedged']} matched gold figures hedged or bounded, {counts['hedge_lost']} stated as exact",
                results["signatures"][scheme]]
        return "\n".join([*head, self.table(entry, fmt), *notes(tail, fmt)])


def _unit_stats(outcome, gold: Spans, preds: Spans, paragraphs: Paragraphs) -> np.ndarray:
    """stats[unit, column] (``COLUMNS``), each filed under the paragraph of its mention."""
    counts = np.zeros((len(paragraphs), len(COLUMNS)), np.float64)
    g_unit = paragraphs.unit_of(gold.doc, gold.start) if len(gold) else np.zeros(0, np.int64)
    p_unit = paragraphs.unit_of(preds.doc, preds.start) if len(preds) else np.zeros(0, np.int64)
    matched = outcome.rows(MATCHED)
    pairs = list(zip(outcome.gold[matched].tolist(), outcome.pred[matched].tolist()))
    paired_gold = {g for g, _ in pairs}
    paired_pred = {p for _, p in pairs}
    for g in range(len(gold)):
        counts[g_unit[g], _C["mention.tp" if g in paired_gold else "mention.fn"]] += 1
    for p in range(len(preds)):
        if p not in paired_pred:
            counts[p_unit[p], _C["mention.fp"]] += 1
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


def quantity_metrics(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Every quantity metric from totals of shape (..., len(COLUMNS)); NaN where undefined."""
    t = {name: np.asarray(totals, float)[..., k] for k, name in enumerate(COLUMNS)}
    tp, fp, fn, ftp = t["mention.tp"], t["mention.fp"], t["mention.fn"], t["figure.tp"]
    n_pred, n_gold, matched = tp + fp, tp + fn, t["matched"]

    def given(num, den, n_given):
        return np.where(n_given > 0, ratio(num, den), np.nan)

    return {
        "mention_precision": ratio(tp, n_pred), "mention_recall": ratio(tp, n_gold),
        "mention_f1": ratio(2 * tp, 2 * tp + fp + fn),
        "figure_precision": ratio(ftp, n_pred), "figure_recall": ratio(ftp, n_gold),
        "figure_f1": ratio(2 * ftp, n_pred + n_gold),
        "value_exact": ratio(t["value_exact"], matched), "value_compatible": ratio(t["value_compatible"], matched),
        "approximate": ratio(t["approximate_ok"], matched),
        "unit": given(t["unit_ok"], matched, t["unit_given"]),
        "counted": given(t["counted_f1"], matched, t["counted_given"]),
        "hedge_loss": ratio(t["hedge_lost"], t["hedged"]),
    }


def _entry(totals: np.ndarray, scheme: str, threshold: float) -> dict:
    m = {k: (None if np.isnan(v) else float(v)) for k, v in quantity_metrics(totals).items()}
    t = {name: totals[k] for k, name in enumerate(COLUMNS)}
    return {
        "scheme": scheme,
        "threshold": threshold,
        "mention": {"precision": m["mention_precision"], "recall": m["mention_recall"], "f1": m["mention_f1"]},
        "figure": {"precision": m["figure_precision"], "recall": m["figure_recall"], "f1": m["figure_f1"]},
        "accuracy": {name: m[name] for name in ACCURACIES},
        "hedge_loss": m["hedge_loss"],
        "counts": {"gold": int(t["mention.tp"] + t["mention.fn"]), "predicted": int(t["mention.tp"] + t["mention.fp"]),
                   "matched": int(t["matched"]), "value_exact": int(t["value_exact"]), "hedged": int(t["hedged"]),
                   "hedge_lost": int(t["hedge_lost"])},
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


class QuantityScores(msgspec.Struct):
    scheme: str
    threshold: float
    mention: PRF
    figure: PRF
    accuracy: _Accuracy
    hedge_loss: float | None
    counts: _QuantityCounts
    ci: Intervals | None = None


TASK = QuantitiesTask()
