"""The ``claims`` task (the default): find the checkable claims, of which type, by whom.

Gold layer: the claims of every gold document. Predictions: claims with offsets or free
text (``bench.tasks.predictions``). Scorer: the matching schemes of ``bench.matching`` with
the counts of ``bench.scoring``; intervals and the paired test resample paragraph units.
The ``text`` scheme compares the claims' texts; it is computed when some predictions are free
text, or when asked for (``--schemes``), since for offsets it only repeats ``lenient``.
"""

from __future__ import annotations

import dataclasses

import msgspec
import numpy as np

from ..checks import CLAIM_DECODER, claim_problem
from ..formulas import value
from ..matching import SCHEMES, Spans
from ..records import CLAIM_TYPES, Claim, Corpus
from ..significance import Units
from ..scoring import ATTRIBUTION_COLUMNS, Prepared, claim_metrics, prepare_spans, score_prepared, type_index
from ..tables import fmt_interval, fmt_score, render
from .base import Metric, Row, SchemeScore, Task, no_claims_run
from .outcomes import Outcomes
from .predictions import (Predictions, PredictionsBuilder, RecordKind, check_predictions, predictions_from_objects,
                          read_predictions)
from .schema import PRF, Intervals, PRFCounts

KIND = RecordKind(Claim, CLAIM_DECODER, lambda claim, text: claim_problem(claim, text, free_text=True),
                  free_text=True)
_A = {name: len(CLAIM_TYPES) * 3 + k for k, name in enumerate(ATTRIBUTION_COLUMNS)}


def read_claims(path, documents, *, threshold: float = 0.5, data: bytes | None = None) -> Predictions:
    """The claims of a predictions file over ``documents`` (``{doc_id: Document}``), every line checked."""
    return read_predictions(path, KIND, documents, sorted(documents), threshold=threshold, data=data)


def claims_from_objects(items, documents, *, threshold: float = 0.5, where: str = "predictions") -> Predictions:
    """Claims given in memory over ``documents``, checked exactly as file lines are."""
    return predictions_from_objects(items, KIND, documents, sorted(documents), threshold=threshold, where=where)


class _Counts(PRFCounts):
    support: int


class _Attribution(msgspec.Struct):
    claimant_accuracy: float | None
    attribution_accuracy: float | None
    joint: PRFCounts | None
    n_matched: int
    threshold: float
    # since run format 4 (earlier runs read without them)
    claimant_coverage: float | None = None
    claimant_token_f1: float | None = None
    attribution_coverage: float | None = None


class ClaimScores(msgspec.Struct):
    """One scheme's entry in ``results.json``, written and read with this shape."""

    scheme: str
    threshold: float
    per_type: dict[str, _Counts]
    micro: _Counts
    macro: PRF
    attribution: _Attribution
    ci: Intervals | None = None


def _counts(tp: float, fp: float, fn: float, p, r, f1) -> _Counts:
    return _Counts(precision=value(p), recall=value(r), f1=value(f1), tp=int(tp), fp=int(fp), fn=int(fn),
                   support=int(tp + fn))


class ClaimsTask(Task):
    name = "claims"
    description = "checkable claims: span, type, claimant, attribution"
    layer = "claims"
    schemes = tuple(SCHEMES)  # lenient first: the headline
    prediction_format = ('JSONL, one claim a line: {"doc_id", "start", "end", "type"} plus optional "claimant", '
                         '"attribution", "text", "score", "id", "meta"; or {"doc_id", "text", "type"} (free text)')
    model_method = "predict"
    signature_settings = ("thr", "align", "types")
    metrics = (
        Metric("f1"), Metric("precision"), Metric("recall"),
        Metric("micro_f1"), Metric("micro_precision"), Metric("micro_recall"),
        Metric("macro_f1"), Metric("macro_precision"), Metric("macro_recall"),
        Metric("claimant_accuracy"), Metric("claimant_coverage"), Metric("claimant_token_f1"),
        Metric("attribution_accuracy"), Metric("attribution_coverage"),
        Metric("joint_f1"), Metric("joint_precision"), Metric("joint_recall"),
    )
    headline_metric = "micro_f1"
    scores_schema = ClaimScores
    breakdown_rows = CLAIM_TYPES
    key_rows = ("claimant accuracy", "joint")

    # -- predictions

    def read(self, path, corpus: Corpus, config, *, data: bytes | None = None,
             claims=None) -> Predictions:
        no_claims_run(claims, self.name)
        return read_predictions(path, KIND, corpus.documents, corpus.doc_ids, threshold=config.align_threshold,
                                data=data)

    def from_objects(self, items, corpus: Corpus, config, *, claims=None) -> Predictions:
        no_claims_run(claims, self.name)
        return predictions_from_objects(items, KIND, corpus.documents, corpus.doc_ids,
                                        threshold=config.align_threshold)

    def check_file(self, path, corpus: Corpus, config, *, limit: int = 20) -> list[str]:
        return check_predictions(path, KIND, corpus.documents, limit=limit)

    def builder(self, corpus: Corpus, config) -> PredictionsBuilder:
        return PredictionsBuilder(KIND, corpus.documents, corpus.doc_ids, threshold=config.align_threshold)

    # -- scoring

    def compute(self, totals: np.ndarray, scheme: str) -> dict[str, np.ndarray]:
        return claim_metrics(totals, len(CLAIM_TYPES))

    def schemes_for(self, predictions: Predictions, config) -> tuple[str, ...]:
        if config.schemes is None and not predictions.alignment:  # offsets only: "text" would repeat lenient
            config = dataclasses.replace(config, schemes=tuple(s for s in self.schemes if s != "text"))
        return super().schemes_for(predictions, config)

    def prepare(self, corpus: Corpus, predictions: Predictions, config) -> tuple[Prepared, Outcomes]:
        at = type_index(config.types)
        doc_ids = corpus.doc_ids
        gold = Spans.build([corpus.gold.get(d, ()) for d in doc_ids], at)
        preds = Spans.flat(predictions.records, predictions.offsets, at, unplaced=True)
        prepared = prepare_spans(gold=gold, predictions=preds, doc_ids=doc_ids,
                                 texts=[corpus.documents[d].text for d in doc_ids], claimants=corpus.claimants,
                                 types=config.types)
        return prepared, Outcomes.frame(doc_ids, [len(corpus.gold.get(d, ())) for d in doc_ids],
                                        predictions.counts, predictions.lines)

    def outcomes(self, prepared: tuple[Prepared, Outcomes]) -> Outcomes:
        return prepared[1]

    def score_scheme(self, prepared: tuple[Prepared, Outcomes], scheme: str, config) -> SchemeScore:
        result = score_prepared(prepared[0], scheme=scheme, threshold=config.threshold)
        return SchemeScore(result.units, result.outcome, {"threshold": result.threshold,
                                                          "attribution_threshold": result.attribution_threshold})

    def entry(self, scheme: str, totals: np.ndarray, values: dict, part: SchemeScore, config) -> ClaimScores:
        counts = totals[:len(CLAIM_TYPES) * 3].reshape(len(CLAIM_TYPES), 3)
        per_type = {t: _counts(*counts[k], values["precision"][k], values["recall"][k], values["f1"][k])
                    for k, t in enumerate(CLAIM_TYPES)}
        tp, fp, fn = counts.sum(axis=0)
        micro = _counts(tp, fp, fn, values["micro_precision"], values["micro_recall"], values["micro_f1"])
        joint = None
        if totals[_A["claimant_named"]] > 0:
            jtp = totals[_A["joint_tp"]]
            joint = PRFCounts(precision=value(values["joint_precision"]), recall=value(values["joint_recall"]),
                              f1=value(values["joint_f1"]), tp=int(jtp), fp=int(tp + fp - jtp), fn=int(tp + fn - jtp))
        attribution = _Attribution(
            claimant_accuracy=value(values["claimant_accuracy"]), claimant_coverage=value(values["claimant_coverage"]),
            claimant_token_f1=value(values["claimant_token_f1"]),
            attribution_accuracy=value(values["attribution_accuracy"]),
            attribution_coverage=value(values["attribution_coverage"]), joint=joint,
            n_matched=int(totals[_A["matched"]]), threshold=part.facts["attribution_threshold"])
        return ClaimScores(scheme=scheme, threshold=part.facts["threshold"], per_type=per_type, micro=micro,
                           macro=PRF(value(values["macro_precision"]), value(values["macro_recall"]),
                                     value(values["macro_f1"])),
                           attribution=attribution)

    def caveats(self, corpus: Corpus, entry: ClaimScores) -> list[str]:
        """Without an alias table, claimants spelled differently ("Putin", "Vladimir Putin") disagree."""
        a = entry.attribution
        given = round(a.n_matched * (a.claimant_coverage or 0))
        if corpus.claimants or a.claimant_accuracy is None or given < 10 or a.claimant_accuracy >= 0.5:
            return []
        return [f"claimant accuracy is {a.claimant_accuracy:.3f} against a gold without an alias table "
                "(claimants.json): names are compared after normalisation only, so spellings of one claimant "
                '("Putin", "Vladimir Putin") disagree; the token F1 of the names '
                f"({a.claimant_token_f1:.3f}) is the softer measure, and an alias table makes the accuracy count "
                "them as one"]

    # -- tables

    def rows(self, entry: ClaimScores) -> list[Row]:
        rows = []
        for k, name in enumerate(CLAIM_TYPES):  # intervals are stored in this order, whatever the dict's
            counts = entry.per_type.get(name)
            if counts is not None:
                rows.append(self.row(name, counts.precision, counts.recall, counts.f1, entry, "f1", k))
        micro, macro, a = entry.micro, entry.macro, entry.attribution
        rows.append(self.row("micro", micro.precision, micro.recall, micro.f1, entry, "micro_f1"))
        rows.append(self.row("macro", macro.precision, macro.recall, macro.f1, entry, "macro_f1"))
        rows.append(self.row("claimant accuracy", None, None, a.claimant_accuracy, entry, "claimant_accuracy",
                             has_pr=False))
        rows.append(self.row("claimant token F1", None, None, a.claimant_token_f1, entry, "claimant_token_f1",
                             has_pr=False))
        rows.append(self.row("attribution accuracy", None, None, a.attribution_accuracy, entry,
                             "attribution_accuracy", has_pr=False))
        joint = a.joint
        rows.append(self.row("joint", None if joint is None else joint.precision,
                             None if joint is None else joint.recall, None if joint is None else joint.f1, entry,
                             "joint_f1"))
        return rows

    def legacy_units(self, units: Units) -> Units:
        """Units of a run saved before format 4, which had no attribution statistics: zeros for them."""
        if units.columns[len(CLAIM_TYPES) * 3:]:
            return units
        counts = units.counts
        zeros = np.zeros((len(counts), len(ATTRIBUTION_COLUMNS)), counts.dtype)
        return Units(units.groups, units.sizes, (*units.columns, *ATTRIBUTION_COLUMNS),
                     np.concatenate([counts, zeros], axis=1))

    def chart_rows(self, entry: ClaimScores) -> list[Row]:
        return [row for row in self.rows(entry) if row.name in CLAIM_TYPES or row.name == "micro"]

    def table(self, entry: ClaimScores, fmt: str) -> str:
        rows = []
        for row in self.rows(entry):
            counts = entry.per_type.get(row.name) or {"micro": entry.micro, "joint": entry.attribution.joint}.get(
                row.name)
            tail = [counts.tp + counts.fn, counts.tp, counts.fp, counts.fn] if counts else ["", "", "", ""]
            rows.append([row.name, row.shown_pr(row.precision), row.shown_pr(row.recall), fmt_score(row.value),
                         fmt_interval(row.ci, missing="-"), *tail])
        return render(rows, ["row", "P", "R", "F1 / acc.", "95% CI", "support", "tp", "fp", "fn"], fmt)

    def summary(self, results, scheme: str) -> list[str]:
        a = results.scores[scheme].attribution

        def share(x):
            return "n/a" if x is None else f"{x:.0%}"

        return [f"attribution over {a.n_matched} lenient matches (IoU >= {a.threshold:g}): a claimant given for "
                f"{share(a.claimant_coverage)} of them, an attribution form for {share(a.attribution_coverage)}; "
                "accuracies are over the matches that give the field"]


TASK = ClaimsTask()
