"""Score predictions for a task and assemble a run: results, unit statistics, outcomes.

The CLI (``bench run``, ``bench score``) and the Python API (``bench.evaluate``) both end
here, so a run saved by either holds the same things.
"""

from __future__ import annotations

import time

from .records import Corpus
from .errors import warn
from .fingerprint import EvalConfig, System, signature, versions
from .runs import FORMAT, Coverage, GoldInfo, Results, RunContent, new_run_id, now


def coverage_warnings(predictions, corpus: Corpus, *, what: str = "predictions") -> list[str]:
    """Legal but suspicious coverage: predictions for fewer documents than the gold."""
    predicted, total = predictions.documents_predicted, len(corpus.documents)
    if predicted == 0:
        return [warn(f"{what} hold no claim for any of the {total} documents: every score is 0 or n/a")]
    if predicted < total:
        return [warn(f"{what} cover {predicted} of {total} documents; the other {total - predicted} "
                     "count as predicting nothing")]
    return []


# (signature key, EvalConfig field, how a user sets it)
_TUNABLE = (("thr", "threshold", "threshold (--iou)"), ("align", "align_threshold", "align threshold (--align-threshold)"))


def unused_setting_warnings(task, config: EvalConfig) -> list[str]:
    """Legal but suspicious settings: changed from the default for a task that never reads them."""
    default = EvalConfig()
    return [warn(f"{shown} {getattr(config, name)} does not apply to task {task.name}; it is ignored")
            for key, name, shown in _TUNABLE
            if key not in task.signature_settings and getattr(config, name) != getattr(default, name)]


def scored_system(name: str, data: bytes, predictions) -> System:
    """What produced predictions scored from a file or from records: their hash and, for links
    end to end, the claims run they link (both change the numbers, so both are in the signature)."""
    from .fingerprint import bytes_sha256

    return System(model=name, predictions=bytes_sha256(data)[:12], claims=getattr(predictions, "claims_signed", None))


def build_run(*, task, corpus: Corpus, predictions, config: EvalConfig, system: System, gold: dict,
              model: str, extra_config: dict | None = None, timing: dict | None = None,
              warnings: list[str] | None = None, usage: dict | None = None,
              provenance: dict | None = None) -> RunContent:
    """Everything a run folder holds, scored under every scheme of ``task``."""
    warnings = (list(warnings or []) + [warn(w) for w in getattr(predictions, "warnings", [])]
                + unused_setting_warnings(task, config) + coverage_warnings(predictions, corpus))
    started = time.perf_counter()
    scored = task.score(corpus, predictions, config)
    timing = dict(timing or {}) | {"score_s": time.perf_counter() - started}
    created = now()
    results = Results(
        format=FORMAT,
        task=task.name,
        model=model,
        run_id=new_run_id(model, created),
        created=created.isoformat(),
        signature=signature(gold, config, system),
        signatures={scheme: signature(gold, config, system, scheme=scheme) for scheme in scored.scores},
        gold=GoldInfo(**gold),
        settings=config.to_dict(),
        system=system.to_dict(),
        config=dict(extra_config or {}),
        versions=versions(),
        timing={k: round(v, 4) for k, v in timing.items()},
        scores=scored.scores,
        coverage=Coverage(documents=len(corpus.documents), predicted=predictions.documents_predicted,
                          predictions=predictions.count),
        warnings=warnings,
        alignment=predictions.alignment_counts() if predictions.alignment else None,
        usage=usage,
        provenance=provenance,
    )
    return RunContent(results=results, predictions=predictions.source, units=scored.units,
                      outcomes=scored.outcomes,
                      alignment=predictions.alignment_bytes() if predictions.alignment else None)


def make_config(*, task: str = "claims", scheme: str | None = None, threshold: float = 0.5,
                align_threshold: float = 0.5, n_bootstrap: int = 1000, seed: int = 0) -> EvalConfig:
    """Settings checked once, for the CLI and the API alike; a bad one is an ``InputError``."""
    from .records import CLAIM_TYPES
    from .errors import InputError
    from .significance import check_settings
    from .tasks import get_task

    chosen = get_task(task)
    scheme = chosen.check_scheme(scheme or chosen.headline)
    for name, value in (("threshold (--iou)", threshold), ("align threshold (--align-threshold)", align_threshold)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise InputError(f"{name} {value!r}: must be a number in (0, 1]")
    check_settings(n_bootstrap, seed, none="no intervals")
    return EvalConfig(task=task, scheme=scheme, threshold=float(threshold), align_threshold=float(align_threshold),
                      n_bootstrap=n_bootstrap, seed=seed, types=CLAIM_TYPES)
