"""Score one set of predictions under every scheme and assemble a run's results."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .claims import Claim, Corpus
from .fingerprint import EvalConfig, signature, versions
from .predictions import AlignmentRecord, alignment_counts, prediction_rows
from .runs import ALIGNMENT_FILE, ERRORS_FILE, PREDICTIONS_FILE, RESULTS_FILE, UNITS_FILE, jsonl, new_run_id, now, results_json, write_run
from .scoring import SCHEMES, score
from .significance import bootstrap_ci


def score_all(corpus: Corpus, predictions: Mapping[str, Sequence[Claim]], config: EvalConfig):
    """Scores, unit counts and error rows for every scheme, headline scheme first."""
    schemes = [config.scheme] + [s for s in SCHEMES if s != config.scheme]
    scores, units, errors = {}, {}, []
    for scheme in schemes:
        result = score(
            gold=corpus.gold,
            predictions=predictions,
            documents=corpus.documents,
            scheme=scheme,
            threshold=config.threshold,
            claimants=corpus.claimants,
            types=config.types,
        )
        entry = result.to_dict()
        entry["ci"] = bootstrap_ci(result.units, n=config.n_bootstrap, seed=config.seed)
        scores[scheme] = entry
        units[scheme] = result.units.to_dict()
        for doc in result.documents:
            gold, preds = corpus.gold.get(doc.doc_id, []), predictions.get(doc.doc_id, [])
            errors.append({
                "doc_id": doc.doc_id,
                "scheme": scheme,
                "outcomes": [
                    {
                        "kind": o.kind,
                        "gold": None if o.gold is None else gold[o.gold].to_dict(),
                        "pred": None if o.pred is None else preds[o.pred].to_dict(),
                        "similarity": o.similarity,
                    }
                    for o in doc.outcomes
                ],
            })
    return scores, units, errors


def build_run(*, model: str, corpus: Corpus, predictions: Mapping[str, Sequence[Claim]], config: EvalConfig,
              gold: dict, extra_config: dict | None = None, timing: dict | None = None,
              alignment: Sequence[AlignmentRecord] | None = None) -> tuple[str, dict, dict[str, str]]:
    """The run id, its results and the files of its folder.

    ``alignment`` (from reading a predictions file) keeps free-text lines free text in the
    saved predictions, so rescoring the run aligns them again to the same places.
    """
    started = time.perf_counter()
    scores, units, errors = score_all(corpus, predictions, config)
    timing = dict(timing or {}) | {"score_s": round(time.perf_counter() - started, 4)}
    created = now()
    run_id = new_run_id(model, created)
    results = {
        "model": model,
        "run_id": run_id,
        "created": created.isoformat(),
        "signature": signature(gold, config),
        "signatures": {scheme: signature(gold, config, scheme=scheme) for scheme in scores},
        "gold": gold,
        "config": config.to_dict() | (extra_config or {}),
        "versions": versions(),
        "timing": {k: round(v, 4) for k, v in timing.items()},
        "scores": scores,
    }
    files = {
        PREDICTIONS_FILE: jsonl(prediction_rows(predictions, alignment)),
        ERRORS_FILE: jsonl(errors),
        UNITS_FILE: json.dumps(units, separators=(",", ":")) + "\n",
    }
    if alignment is not None:
        results["alignment"] = alignment_counts(alignment)
        files[ALIGNMENT_FILE] = jsonl(record.to_dict() for record in alignment)
    return run_id, results, files


def save_run(out_dir: Path, run_id: str, results: dict, files: dict[str, str]) -> Path:
    """Write the run; the folder name finally chosen is the run id stored inside it."""
    return write_run(Path(out_dir), run_id, lambda final_id: files | {RESULTS_FILE: results_json(results | {"run_id": final_id})})
