"""The ``claims`` task (the default): find the checkable claims, of which type, by whom.

Gold layer: the claims of every gold document. Predictions: claims with offsets or free
text (``bench.predictions``). Scorer: the matching schemes of ``bench.matching`` with the
counts of ``bench.scoring``; intervals and the paired test resample paragraph units.
"""

from __future__ import annotations

import msgspec
import numpy as np

from ..records import CLAIM_TYPES, Corpus
from ..jsonio import paused_gc
from ..matching import OUTCOMES, SCHEMES
from ..predictions import ClaimPredictions, check_predictions, merge, predictions_from_objects, read_predictions
from ..scoring import claim_metrics, prepare, score_prepared
from ..tables import fmt_interval, fmt_score, notes, render
from .base import Row, Scored, Task, ci_of, outcome_arrays, outcome_index
from .schema import PRF, Intervals, PRFCounts, check_entries


class _Counts(PRFCounts):
    support: int


class _Attribution(msgspec.Struct):
    claimant_accuracy: float | None
    attribution_accuracy: float | None
    joint: _Counts | None
    n_matched: int
    threshold: float


class ClaimScores(msgspec.Struct):
    """The shape of one scheme's entry in ``results.json``; a tampered file fails here."""

    scheme: str
    threshold: float
    per_type: dict[str, _Counts]
    micro: _Counts
    macro: PRF
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
    signature_settings = ("thr", "align", "types")

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims_run: str | None = None) -> ClaimPredictions:
        self.no_claims_run(claims_run, self.name)
        return read_predictions(path, corpus.documents, threshold=config.align_threshold, data=data)

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        return check_predictions(path, corpus.documents, threshold=config.align_threshold, limit=limit)

    def from_objects(self, items, corpus: Corpus, config, *, where: str = "predictions",
                     doc_id: str | None = None, claims_run: str | None = None) -> ClaimPredictions:
        self.no_claims_run(claims_run, self.name)
        return predictions_from_objects(items, corpus.documents, threshold=config.align_threshold, where=where,
                                        doc_id=doc_id)

    def merge(self, parts: list[ClaimPredictions], corpus: Corpus) -> ClaimPredictions:
        return merge(parts, corpus.documents)

    def metrics(self, scheme: str):
        n_types = len(CLAIM_TYPES)
        return lambda totals: claim_metrics(totals, n_types)

    @paused_gc()
    def score(self, corpus: Corpus, predictions: ClaimPredictions, config) -> Scored:
        prepared = prepare(gold=corpus.gold, predictions=predictions.by_doc, documents=corpus.documents,
                           claimants=corpus.claimants, types=config.types)
        doc_ids = prepared.doc_ids
        order = [config.scheme] + [s for s in self.schemes if s != config.scheme]
        scores, units = {}, {}
        outcomes = outcome_index(doc_ids, corpus.gold, predictions.by_doc, predictions.lines)
        for scheme in order:
            result = score_prepared(prepared, scheme=scheme, threshold=config.threshold)
            entry = result.to_dict()
            entry["ci"] = self.intervals(result.units, scheme, config.n_bootstrap, config.seed)
            scores[scheme], units[scheme] = entry, result.units
            outcomes |= outcome_arrays(result.outcome, scheme)
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


TASK = ClaimsTask()
