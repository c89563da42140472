"""The ``claims`` task (the default): find the checkable claims, of which type, by whom.

Gold layer: the claims of every gold document. Predictions: claims with offsets or free
text (``bench.predictions``). Scorer: the matching schemes of ``bench.matching`` with the
counts of ``bench.scoring``; intervals and the paired test resample paragraph units.
"""

from __future__ import annotations

from typing import Any


import msgspec
import numpy as np

from ..claims import CLAIM_TYPES, Corpus
from ..jsonio import paused_gc
from ..matching import OUTCOMES, SCHEMES
from ..predictions import ClaimPredictions, check_predictions, merge, predictions_from_objects, read_predictions
from ..scoring import claim_metrics, score
from ..significance import Paragraphs
from ..tables import fmt_interval, fmt_score, notes, render
from .base import Row, Scored, Task, ci_of


class _Counts(msgspec.Struct):
    precision: float | None
    recall: float | None
    f1: float | None
    tp: int
    fp: int
    fn: int
    support: int


class _Macro(msgspec.Struct):
    precision: float | None
    recall: float | None
    f1: float | None


class _Attribution(msgspec.Struct):
    claimant_accuracy: float | None
    attribution_accuracy: float | None
    joint: _Counts | None
    n_matched: int
    threshold: float


class Intervals(msgspec.Struct):
    """Bootstrap intervals: per metric a [low, high] pair, a list of them (one per type), or None."""

    level: float
    n: int
    seed: int
    metrics: dict[str, list[Any] | None]

    def __post_init__(self):
        for name, value in self.metrics.items():
            pairs = value if value and isinstance(value[0], (list, type(None))) else [value]
            for pair in pairs:
                if pair is not None and not (len(pair) == 2 and all(type(x) in (int, float) for x in pair)):
                    raise msgspec.ValidationError(f"interval of {name} is not a pair of numbers")


class ClaimScores(msgspec.Struct):
    """The shape of one scheme's entry in ``results.json``; a tampered file fails here."""

    scheme: str
    threshold: float
    per_type: dict[str, _Counts]
    micro: _Counts
    macro: _Macro
    attribution: _Attribution
    ci: Intervals | None = None


class ClaimsTask(Task):
    name = "claims"
    description = "checkable claims: span, type, claimant, attribution"
    layer = "claims"
    schemes = tuple(SCHEMES)  # lenient first: the headline
    prediction_format = ('JSONL, one claim a line: {"doc_id", "start", "end", "type"} plus optional "claimant", '
                         '"attribution", "text", "score", "id", "meta"; or {"doc_id", "text", "type"} (free text)')
    model_method = "predict"

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims_run: str | None = None) -> ClaimPredictions:
        self.no_claims_run(claims_run, self.name)
        return read_predictions(path, corpus.documents, threshold=config.align_threshold, data=data)

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        return check_predictions(path, corpus.documents, threshold=config.align_threshold, limit=limit)

    def from_objects(self, items, corpus: Corpus, config, *, where: str = "predictions",
                     doc_id: str | None = None) -> ClaimPredictions:
        return predictions_from_objects(items, corpus.documents, threshold=config.align_threshold, where=where,
                                        doc_id=doc_id)

    def merge(self, parts: list[ClaimPredictions], corpus: Corpus) -> ClaimPredictions:
        return merge(parts, corpus.documents)

    def metrics(self, scheme: str):
        n_types = len(CLAIM_TYPES)
        return lambda totals: claim_metrics(totals, n_types)

    @paused_gc()
    def score(self, corpus: Corpus, predictions: ClaimPredictions, config) -> Scored:
        doc_ids = corpus.doc_ids
        paragraphs = Paragraphs(doc_ids, [corpus.documents[d].text for d in doc_ids])
        order = [config.scheme] + [s for s in self.schemes if s != config.scheme]
        scores, units = {}, {}
        outcomes: dict[str, np.ndarray] = {
            "doc_ids": np.array(doc_ids, dtype=str),
            "gold_offsets": np.cumsum([0] + [len(corpus.gold.get(d, ())) for d in doc_ids]).astype(np.int64),
            "pred_offsets": np.cumsum([0] + [len(predictions.by_doc.get(d, ())) for d in doc_ids]).astype(np.int64),
            "pred_line": np.array([n for d in doc_ids for n in predictions.lines.get(d, ())], dtype=np.int64),
        }
        for scheme in order:
            result = score(gold=corpus.gold, predictions=predictions.by_doc, documents=corpus.documents,
                           scheme=scheme, threshold=config.threshold, claimants=corpus.claimants,
                           types=config.types, paragraphs=paragraphs)
            entry = result.to_dict()
            entry["ci"] = self.intervals(result.units, scheme, config.n_bootstrap, config.seed)
            scores[scheme], units[scheme] = entry, result.units
            outcomes |= _outcome_arrays(result.outcome, scheme)
        return Scored(scores, units, outcomes)

    def check_scores(self, scores: dict) -> str | None:
        return check_entries(scores, ClaimScores)

    def rows(self, entry: dict) -> list[Row]:
        rows = []
        for k, name in enumerate(CLAIM_TYPES):  # intervals are stored in this order, whatever the dict's
            counts = entry["per_type"].get(name)
            if counts is not None:
                rows.append(Row(name, counts["precision"], counts["recall"], counts["f1"], ci_of(entry, "f1", k),
                                "f1", k))
        micro, macro = entry["micro"], entry["macro"]
        rows.append(Row("micro", micro["precision"], micro["recall"], micro["f1"], ci_of(entry, "micro_f1"),
                        "micro_f1"))
        rows.append(Row("macro", macro["precision"], macro["recall"], macro["f1"], ci_of(entry, "macro_f1"),
                        "macro_f1"))
        return rows

    def table(self, entry: dict, fmt: str) -> str:
        rows = []
        for row in self.rows(entry):
            counts = entry["per_type"].get(row.name) or (entry["micro"] if row.name == "micro" else None)
            tail = [counts["support"], counts["tp"], counts["fp"], counts["fn"]] if counts else ["", "", "", ""]
            rows.append([row.name, fmt_score(row.precision), fmt_score(row.recall), fmt_score(row.value),
                         fmt_interval(row.ci, missing="-"), *tail])
        return render(rows, ["type", "P", "R", "F1", "F1 95% CI", "support", "tp", "fp", "fn"], fmt)

    def report(self, results: dict, scheme: str, fmt: str) -> str:
        entry = results["scores"][scheme]
        head = notes([f"{results['model']} | task claims | scheme {scheme}", ""], fmt)
        attribution = entry["attribution"]
        joint = attribution.get("joint") or {}
        tail = [
            "",
            f"attribution over {attribution['n_matched']} lenient matches: "
            f"claimant accuracy {fmt_score(attribution['claimant_accuracy'])}, "
            f"attribution-form accuracy {fmt_score(attribution['attribution_accuracy'])}, "
            f"joint span+type+claimant F1 {fmt_score(joint.get('f1'))}",
            results["signatures"][scheme],
        ]
        return "\n".join([*head, self.table(entry, fmt), *notes(tail, fmt)])


def check_entries(scores: dict, schema: type) -> str | None:
    """The first scheme whose entry does not fit ``schema``, in words."""
    if not scores:
        return "no scores"
    for scheme, entry in scores.items():
        try:
            msgspec.convert(entry, schema)
        except msgspec.ValidationError as exc:
            return f'scheme "{scheme}": {exc}'
    return None


def _outcome_arrays(outcome, scheme: str) -> dict[str, np.ndarray]:
    """Per gold claim its outcome and partner prediction; per prediction its outcome (indices in scoring order)."""
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


OUTCOME_CODES: dict[str, int] = {kind: code for code, kind in enumerate(OUTCOMES)}
TASK = ClaimsTask()
