"""``bench merge``: shard runs put back together into the run one process would have made.

A shard run (``bench run --shard K/N``) predicted the documents of its shard with the model
trained as for the whole corpus, and records which shard of which corpus it is. Merging checks
that the runs are the complete, disjoint set of shards of one corpus made with the same
settings, then rebuilds the predictions of the whole corpus from theirs, document by document,
and scores them in the one pipeline (``bench.pipeline.assemble``). Scores are sums of
per-document statistics, so the scores, intervals, outcomes and signature are those of the
unsharded run; timing is the shards' summed.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import msgspec

from .corpus.hashes import documents_sha256
from .corpus.paths import resolve_recorded
from .corpus.shards import shard_index
from .exceptions import InputError
from .pipeline import Loaded, assemble, load, make_config, nothing_returned, skipped_field
from .runs import DEFAULT_RESULTS_DIR, PREDICTIONS_FILE, Run, RunContent, find_run, read_run
from .signature import System
from .version import __version__

# (what a message calls it, how to read it off a shard run): what every shard of one run shares
SHARED = (
    ("task", lambda run: run.results.task),
    ("corpus (gold or documents)", lambda run: _corpus_key(run.results.shard.corpus)),
    ("model", lambda run: (run.results.model, run.results.system.get("code"))),
    ("model arguments", lambda run: run.results.system.get("args")),
    ("training", lambda run: run.results.system.get("train")),
    ("evaluation settings", lambda run: (run.results.evaluation, run.results.shard.schemes)),
    ("run settings (limit, on-error, claims run)", lambda run: {k: v for k, v in run.results.inputs.items()
                                                               if k != "model_args"}),
    ("ClaimBench version", lambda run: run.results.versions.get("claimbench")),
    ("settings", lambda run: run.results.shard.key),
)

_ROW = msgspec.json.Decoder(dict)


def _corpus_key(info) -> tuple:
    return info.version, info.sha256, info.docs_sha256, info.documents


def read_shards(specs, results_dir=DEFAULT_RESULTS_DIR) -> list[Run]:
    """The shard runs named, checked to be one complete set: the same N, each shard once, the same settings."""
    if isinstance(specs, (str, Path)) or not specs:
        raise InputError("bench merge: give the shard runs to merge (bench run ... --shard K/N made them)")
    runs, seen = [], {}
    for spec in specs:
        run = read_run(find_run(spec, results_dir))
        shard = run.results.shard
        if shard is None:
            raise InputError("is not a shard run (it was made without --shard): there is nothing to merge",
                             path=run.folder)
        first = runs[0] if runs else run
        if shard.n != first.results.shard.n:
            raise InputError(f"is shard {shard.k}/{shard.n}, but {first.folder} is a shard of "
                             f"{first.results.shard.n}: shards of one run split the corpus the same way",
                             path=run.folder)
        if shard.k in seen:
            raise InputError(f"shard {shard.k}/{shard.n} is given twice ({seen[shard.k]} and {run.folder})")
        for what, read in SHARED:
            if read(run) != read(first):
                raise InputError(f"shard {shard.k}/{shard.n} ({run.folder}) and shard {first.results.shard.k}/"
                                 f"{shard.n} ({first.folder}) differ in their {what}: they are not shards of one run")
        seen[shard.k] = run.folder
        runs.append(run)
    made_with = runs[0].results.versions.get("claimbench")
    if made_with != __version__:
        raise InputError(f"the shards were made with ClaimBench {made_with}; this is {__version__}, which may score "
                         "them otherwise: merge them with the version that made them")
    return sorted(runs, key=lambda run: run.results.shard.k)


def whole_corpus(runs: list[Run], *, gold=None, docs=None) -> Loaded:
    """The corpus the shards split: where they recorded it (or ``gold``/``docs``), checked by its hashes."""
    first = runs[0].results
    info, task = first.shard.corpus, runs[0].task
    if gold is None:
        if "<memory>" in (info.path, info.docs_path):
            raise InputError("the shards were made on a corpus in memory: give its files with --gold and --docs")
        gold, docs = resolve_recorded(info.path), resolve_recorded(info.docs_path)
    loaded = load(task, gold=gold, docs=docs, limit=first.inputs.get("limit"))
    found = loaded.gold
    if (found["sha256"], found["docs_sha256"]) != (info.sha256, info.docs_sha256):
        what = "gold" if found["sha256"] != info.sha256 else "documents"
        raise InputError(f"the {what} at {found['path'] if what == 'gold' else found['docs_path']} are not those the "
                         "shards were made on (their hash differs): give the corpus they split with --gold and --docs")
    loaded = loaded.recorded_as({"path": info.path, "docs_path": info.docs_path})  # found elsewhere, maybe
    by_shard = defaultdict(list)  # each id's shard worked out once, not once per shard run
    for doc_id in loaded.corpus.doc_ids:
        by_shard[shard_index(doc_id, first.shard.n) + 1].append(doc_id)
    missing = sorted(set(by_shard) - {run.results.shard.k for run in runs})
    if missing:
        shown = ", ".join(f"{k}/{first.shard.n}" for k in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InputError(f"{len(missing)} shard(s) of {first.shard.n} missing ({shown}): every shard that holds a "
                         "document is needed")
    for run in runs:
        ids = by_shard.get(run.results.shard.k, [])
        if not ids or documents_sha256(loaded.corpus.subset(ids)) != run.results.gold.docs_sha256:
            raise InputError("does not hold the documents of its shard of this corpus (the run was changed)",
                             path=run.folder)
    return loaded


def merge(specs, *, gold=None, docs=None, results_dir=DEFAULT_RESULTS_DIR) -> RunContent:
    """The run one process would have made, from its shard runs (see the module docstring)."""
    runs = read_shards(specs, results_dir)
    loaded = whole_corpus(runs, gold=gold, docs=docs)
    first = runs[0].results
    task, corpus = runs[0].task, loaded.corpus
    settings = first.evaluation
    config = make_config(task=first.task, scheme=settings["scheme"], threshold=settings["threshold"],
                         align_threshold=settings["align_threshold"], n_bootstrap=settings["n_bootstrap"],
                         seed=settings["seed"], schemes=first.shard.schemes)
    builder = task.builder(corpus, config)
    failures, warnings, timing = {}, [], defaultdict(float)
    for run in runs:
        shard, rows = run.results.shard, defaultdict(list)
        for line in run.predictions().splitlines():
            if line.strip():
                row = _ROW.decode(line)
                rows[row.get("doc_id")].append(row)
        for doc_id, items in rows.items():
            if not isinstance(doc_id, str) or doc_id not in corpus.documents or shard_index(doc_id, shard.n) != shard.k - 1:
                raise InputError(f'holds predictions for document "{doc_id}", not in its shard', path=run.folder)
            builder.add_document(doc_id, items, where=f'{run.folder / PREDICTIONS_FILE}: document "{doc_id}", item')
        failures |= {f.doc_id: f for f in run.results.failures}
        warnings += shard.model_warnings
        for name, seconds in run.results.timing.items():
            if name != "score_s":
                timing[name] += seconds
    predictions = builder.finish(place=lambda n, doc_id: f'model "{first.model}", document "{doc_id}"')
    failed = [failures[d] for d in corpus.doc_ids if d in failures]
    system = System(**{k: v for k, v in first.system.items() if k not in ("shard", "skipped")},
                    skipped=skipped_field(failed))
    warnings += nothing_returned(task, predictions, failed, first.model, corpus)
    content = assemble(loaded=loaded, predictions=predictions, config=config, system=system, model=first.model,
                       extra=dict(first.inputs), timing=dict(timing), warnings=list(dict.fromkeys(warnings)),
                       failures=failed, usage=_summed([run.results.usage for run in runs]),
                       provenance=_provenance(runs))
    content.results.versions = first.versions | {"claimbench": __version__}  # what made the predictions
    return content


def _summed(usages: list):
    """Usage of the shards added up: numbers summed, anything else kept when the shards agree."""
    given = [u for u in usages if u is not None]
    if not given:
        return None
    if all(isinstance(u, dict) for u in given):
        return {key: _summed([u.get(key) for u in given]) for key in dict.fromkeys(k for u in given for k in u)}
    if all(isinstance(u, (int, float)) and not isinstance(u, bool) for u in given):
        return sum(given)
    return given[0] if all(u == given[0] for u in given) else given


def _provenance(runs: list[Run]):
    found = [run.results.provenance for run in runs]
    if all(p == found[0] for p in found):
        return found[0]
    return {"shards": {f"{run.results.shard.k}/{run.results.shard.n}": p for run, p in zip(runs, found)}}
