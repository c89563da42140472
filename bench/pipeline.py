"""The one pipeline: ``run`` (a model over a corpus) and ``score`` (predictions made elsewhere).

Both end in the same ``assemble`` step, which scores under every scheme of the task and
names the run with its signature, so a run made by ``bench run``, ``bench score``,
``bench.run`` or ``bench.evaluate`` holds the same things and the same inputs always get the
same signature. The command line and the Python API are thin adapters over these functions.

A run that saves (``out``) is written as it goes: each document's predictions are appended
to a partial run (``bench.runs.PartialRun``) as soon as the model returns them, so a failure,
Ctrl-C or a kill loses nothing, and ``resume`` continues it. What a failure on one document
means is the caller's choice: ``stop`` (the default) ends the run, keeping the partial run;
``skip`` scores the document as predicting nothing and records the failure.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from .corpus.cache import cacheable, cached_corpus
from .corpus.hashes import documents_sha256, gold_info, layer_sha256
from .corpus.load import load_corpus
from .corpus.paths import DEFAULT_DOCS, DEFAULT_GOLD
from .corpus.shards import Shard
from .exceptions import FatalError, InputError, warn
from .jsonio import json_sha256, read_bytes
from .model import Model, RunContext
from .protocol import (ModelRun, check_model_args, extra_corpus, guarded, instantiate, items_of, parse_model_args,
                       protocol_of, run_model, trains_on, with_defaults)
from .records import CLAIM_TYPES, Corpus
from .redact import redact
from .registry import resolve
from .runs import (DEFAULT_RESULTS_DIR, FORMAT, Coverage, Failure, GoldInfo, JournalLine, PartialRun, Results,
                   RunContent, ShardInfo, find_run, new_run_id, now, read_run, save_run)
from .signature import System, exact, signature, versions
from .significance import check_settings
from .tasks import get_task
from .tasks.base import EvalConfig

ON_ERROR = ("stop", "skip")


def make_config(*, task: str = "claims", scheme: str | None = None, threshold: float = 0.5,
                align_threshold: float = 0.5, n_bootstrap: int = 1000, seed: int = 0,
                schemes: list[str] | None = None) -> EvalConfig:
    """Settings checked once, for the CLI and the API alike; a bad one is an ``InputError``."""
    chosen = get_task(task)
    scheme = chosen.check_scheme(scheme or chosen.headline)
    for name, found in (("threshold (--iou)", threshold), ("align threshold (--align-threshold)", align_threshold)):
        found = _number(found)
        if isinstance(found, bool) or not isinstance(found, (int, float)) or not 0 < found <= 1:
            raise InputError(f"{name} {found!r}: must be a number in (0, 1]")
    n_bootstrap, seed = _number(n_bootstrap), _number(seed)
    check_settings(n_bootstrap, seed, none="no intervals")
    wanted = None
    if schemes is not None:
        if isinstance(schemes, str) or not all(isinstance(s, str) for s in schemes):
            raise InputError("schemes: expected a list of scheme names")
        wanted = tuple(chosen.check_scheme(s) for s in schemes)
    return EvalConfig(task=chosen, scheme=scheme, threshold=float(_number(threshold)),
                      align_threshold=float(_number(align_threshold)), n_bootstrap=n_bootstrap, seed=seed,
                      types=CLAIM_TYPES, schemes=wanted)


def _number(found):
    """A numpy number as the Python number it holds; anything else as it is."""
    item = getattr(found, "item", None)
    return item() if item is not None and getattr(found, "shape", None) == () else found


@dataclass(slots=True)
class Loaded:
    """The corpus a run is scored on, and what the run records of it."""

    corpus: Corpus
    gold: dict

    def recorded_as(self, paths) -> Loaded:
        """The same corpus, recorded as read from the files ``paths["path"]`` and ``paths["docs_path"]`` name."""
        return Loaded(self.corpus, self.gold | {"path": paths["path"], "docs_path": paths["docs_path"]})


def load(task, *, gold=None, docs=None, limit: int | None = None, cache=None) -> Loaded:
    """The corpus for ``task`` (gold and documents as paths, in memory, a loaded ``Corpus``, or a ``Loaded``
    loaded once and shipped to a worker or to ``bench merge``, whose recorded paths are kept), limited to
    its first documents. ``cache``: a folder where a corpus read from JSONL files is kept for the next
    command (``bench.corpus.cache``)."""
    _check_limit(task, limit)
    if isinstance(gold, Loaded):
        whole = limit is None or limit >= len(gold.corpus.doc_ids)
        if whole and gold.gold["layer"] == task.layer:  # what it records is what this would work out again
            task.require(gold.corpus)
            return gold
        part = gold.corpus if whole else gold.corpus.subset(gold.corpus.doc_ids[:limit])
        task.require(part)
        return Loaded(part, gold_info(part, gold_path=None, docs_path=None, layer=task.layer)).recorded_as(gold.gold)
    hashes = None
    gold = DEFAULT_GOLD if gold is None else gold
    docs = DEFAULT_DOCS if docs is None and isinstance(gold, (str, Path)) else docs
    if cache is not None and cacheable(gold, docs):
        corpus, hashes = cached_corpus(gold, docs, cache, lambda g, d: load_corpus(gold=g, docs=d))
    else:
        corpus = gold if isinstance(gold, Corpus) and docs is None else load_corpus(gold=gold, docs=docs)
    if limit is not None:
        corpus, hashes = corpus.subset(corpus.doc_ids[:limit]), None
    task.require(corpus)
    return Loaded(corpus, gold_info(corpus, gold_path=gold, docs_path=docs, layer=task.layer, hashes=hashes))


def _check_limit(task, limit) -> None:
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(f"--limit {limit!r}: must be at least 1")
    if not task.per_document:
        raise InputError(f"--limit is for per-document tasks, not task {task.name!r}, whose links span documents")


class EmptyShard(InputError):
    """A shard that holds no document of the corpus: nothing to predict, and nothing for ``bench merge`` to expect."""


def shard_of(loaded: Loaded, shard: Shard) -> Loaded:
    """The documents of ``shard`` in ``loaded``, with their gold, recorded as coming from the same files."""
    corpus = loaded.corpus
    ids = shard.of(corpus.doc_ids)
    if not ids:
        raise EmptyShard(f"shard {shard} holds none of the {len(corpus.doc_ids)} documents: there is nothing to run "
                         "(bench merge expects only the shards that hold documents)")
    part = corpus.subset(ids)
    return Loaded(part, gold_info(part, gold_path=None, docs_path=None, layer=loaded.gold["layer"])).recorded_as(
        loaded.gold)


def claims_of_run(loaded: Loaded, spec, results_dir=DEFAULT_RESULTS_DIR):
    """The predicted claims of a claims run, for links end to end (``LinkInputs``), checked to be scored on
    this gold."""
    from .tasks.claims import TASK as CLAIMS
    from .tasks.links import LinkInputs

    run = read_run(find_run(spec, results_dir))
    results = run.results
    corpus = loaded.corpus
    if results.task != "claims":
        raise InputError(f'--claims-run {spec}: a run of task "{results.task}", not a claims run')
    if results.gold.sha256 != layer_sha256(corpus, "claims") or results.gold.docs_sha256 != documents_sha256(corpus):
        raise InputError(f"--claims-run {spec}: scored on other gold or documents than the links gold")
    settings = results.evaluation
    config = make_config(task="claims", threshold=settings["threshold"],
                         align_threshold=settings.get("align_threshold", 0.5), n_bootstrap=0)
    predictions = CLAIMS.read(run.predictions_path, corpus, config, data=run.predictions())
    outcomes = run.outcomes()
    if outcomes is None or "lenient" not in outcomes.schemes:
        raise InputError(f"--claims-run {spec}: the run has no lenient outcomes")
    if not outcomes.fits(corpus, [len(corpus.gold[d]) for d in corpus.doc_ids], predictions.counts):
        raise InputError("does not fit the run's outcomes (the run was changed)", path=run.predictions_path)
    signed = (f"{run.run_id}#{run.predictions_sha256()[:12]},thr={exact(settings['threshold'])},"
              f"align={exact(settings.get('align_threshold', 0.5))}")
    return LinkInputs.of_claims_run(corpus, predictions, outcomes, run_id=run.run_id, signed=signed)


# ---------------------------------------------------------------- assembling a run

def coverage_warnings(predictions, corpus: Corpus, *, what: str = "predictions") -> list[str]:
    """Legal but suspicious coverage: predictions for fewer documents than the gold."""
    predicted, total = predictions.documents_predicted, len(corpus.documents)
    if predicted == 0:
        return [f"{what} hold nothing for any of the {total} documents: every score is 0 or n/a"]
    if predicted < total:
        return [f"{what} cover {predicted} of {total} documents; the other {total - predicted} "
                "count as predicting nothing"]
    return []


# (signature key, EvalConfig field, how a user sets it)
_TUNABLE = (("thr", "threshold", "threshold (--iou)"), ("align", "align_threshold", "align threshold (--align-threshold)"))


def unused_setting_warnings(config: EvalConfig) -> list[str]:
    """Legal but suspicious settings: changed from the default for a task that never reads them."""
    default = EvalConfig(task=config.task, scheme=config.scheme)
    return [f"{shown} {getattr(config, name)} does not apply to task {config.task.name}; it is ignored"
            for key, name, shown in _TUNABLE
            if key not in config.task.signature_settings and getattr(config, name) != getattr(default, name)]


def assemble(*, loaded: Loaded, predictions, config: EvalConfig, system: System, model: str,
             extra: dict | None = None, timing: dict | None = None, warnings: list[str] | None = None,
             failures: list[Failure] | None = None, usage: dict | None = None,
             provenance: dict | None = None, created=None, shard: ShardInfo | None = None) -> RunContent:
    """Everything a run folder holds, scored under every scheme of the task, signed."""
    task, corpus = config.task, loaded.corpus
    found = (list(warnings or []) + list(getattr(predictions, "warnings", [])) + unused_setting_warnings(config)
             + coverage_warnings(predictions, corpus))
    shown = [warn(w) for w in dict.fromkeys(found)]
    started = time.perf_counter()
    scored = task.score(corpus, predictions, config)
    timing = dict(timing or {}) | {"score_s": time.perf_counter() - started}
    shown += [warn(w) for w in task.caveats(corpus, scored.scores[config.scheme]) if w not in shown]
    created = created or now()
    results = Results(
        format=FORMAT,
        task=task.name,
        model=model,
        run_id=new_run_id(model if shard is None else f"{model}-{shard.k}of{shard.n}", created),
        created=created.isoformat(),
        signature=signature(loaded.gold, config, system),
        signatures={scheme: signature(loaded.gold, config, system, scheme=scheme) for scheme in scored.scores},
        gold=GoldInfo(**loaded.gold),
        evaluation=config.to_dict(),
        system=system.to_dict(),
        inputs=dict(extra or {}),
        versions=versions(),
        timing={k: round(v, 4) for k, v in timing.items()},
        scores=scored.scores,
        coverage=Coverage(documents=len(corpus.documents), predicted=predictions.documents_predicted,
                          predictions=predictions.count),
        warnings=shown,
        failures=list(failures or []),
        alignment=predictions.alignment_counts() if predictions.alignment else None,
        usage=usage,
        provenance=provenance,
        shard=shard,
    )
    return RunContent(results=results, predictions=predictions.source, units=scored.units, outcomes=scored.outcomes,
                      alignment=predictions.alignment_bytes() if predictions.alignment else None)


# ---------------------------------------------------------------- score

STDIN = "<stdin>"  # what messages call predictions given as bytes (read from standard input)


def score(predictions, *, gold=None, docs=None, config: EvalConfig, name: str | None = None, claims_run=None,
          results_dir=DEFAULT_RESULTS_DIR, gold_cache=None) -> RunContent:
    """A run of predictions made elsewhere: a path, the bytes of a file (standard input), in-memory records,
    or (links) one mapping. ``gold_cache``: a folder keeping the checked corpus for the next command."""
    task = config.task
    started = time.perf_counter()
    loaded = load(task, gold=gold, docs=docs, cache=gold_cache)
    if claims_run is not None and task.per_document:
        raise InputError(f'--claims-run is for task links, not task "{task.name}"')
    claims = None if claims_run is None else claims_of_run(loaded, claims_run, results_dir)
    if isinstance(predictions, (str, Path)):
        read = task.read(predictions, loaded.corpus, config, data=read_bytes(predictions), claims=claims)
        default_name = Path(predictions).stem
    elif isinstance(predictions, (bytes, bytearray)):
        read = task.read(STDIN, loaded.corpus, config, data=bytes(predictions), claims=claims)
        default_name = "stdin"
    else:
        read = task.from_objects(predictions, loaded.corpus, config, claims=claims)
        default_name = "predictions"
    name = default_name if name is None else name
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"name {name!r}: expected a non-empty string")
    system = System(model=name, predictions=read.digest[:12], claims=None if claims is None else claims.signed)
    extra = {"predictions_file": str(predictions) if isinstance(predictions, (str, Path)) else (
                 STDIN if isinstance(predictions, (bytes, bytearray)) else None),
             "claims_run": None if claims is None else claims.run_id}
    return assemble(loaded=loaded, predictions=read, config=config, system=system, model=name, extra=extra,
                    timing={"load_s": time.perf_counter() - started})


# ---------------------------------------------------------------- run

@dataclass(slots=True)
class RunOutcome:
    """A finished run: what it holds, where it was saved (None in memory), and what failed."""

    content: RunContent
    folder: Path | None = None
    failures: list[Failure] = field(default_factory=list)
    documents: int = 0
    predictions: object = None  # what was scored (bench.tasks.predictions.Predictions, or links)
    model: ModelRun | None = None

    @property
    def failed_share(self) -> float:
        return len(self.failures) / self.documents if self.documents else 0.0


class RunStopped(InputError):
    """A model failure that ended a run; the partial run it leaves can be resumed."""

    def __init__(self, message: str, partial: Path | None):
        if partial is not None:
            message += f"; what was done is kept in {partial}: continue it with the same command and --resume {partial}"
        super().__init__(message)
        self.partial = partial


def run(*, model, model_args=None, gold=None, docs=None, config: EvalConfig, train_gold=None, train_docs=None,
        limit: int | None = None, timeout: float | None = None, progress: bool = True, claims_run=None,
        on_error: str = "stop", resume=None, out=None, results_dir=DEFAULT_RESULTS_DIR,
        on_start=None, shard=None) -> RunOutcome:
    """Run ``model`` over the corpus under the evaluation protocol and score it (see the module docstring).

    ``model`` is a name, ``module:Class`` or ``file.py:Class``; ``model_args`` a mapping, or
    ``key=value`` strings as the command line gives them. ``on_start(path)`` is told where the
    partial run is kept, before any document is predicted. ``shard`` (``"K/N"``) predicts and
    scores the documents of that shard only, trained as the whole corpus would be, and saves
    a shard run for ``bench merge``.
    """
    task = config.task
    shard = None if shard is None else Shard.parse(shard)
    if shard is not None and not task.per_document:
        raise InputError(f"--shard is for per-document tasks, not task {task.name!r}, whose links span documents")
    if on_error not in ON_ERROR:
        raise InputError(f"--on-error {on_error!r}: expected one of {', '.join(ON_ERROR)}")
    if (train_gold is None) != (train_docs is None) and not isinstance(train_gold, Corpus):
        raise InputError("--train-gold and --train-docs go together")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(_number(timeout), (int, float))
                                or not _number(timeout) > 0):
        raise InputError(f"--timeout {timeout!r}: must be a positive number of seconds")
    if resume is not None and out is None:
        raise InputError("--resume continues a saved partial run: give the folder it is in (--out)")
    resolved, given = model_and_args(model, model_args)
    cls = resolved.cls
    started = time.perf_counter()
    whole = load(task, gold=gold, docs=docs, limit=limit)
    loaded = whole if shard is None else shard_of(whole, shard)  # what is predicted and scored
    corpus = loaded.corpus
    train = None if train_gold is None else (
        train_gold if isinstance(train_gold, Corpus) and train_docs is None else load_corpus(gold=train_gold,
                                                                                              docs=train_docs))
    if claims_run is not None and task.per_document:
        raise InputError(f'--claims-run is for task links, not task "{task.name}"')
    claims = None if claims_run is None else claims_of_run(loaded, claims_run, results_dir)
    inputs = task.model_claims(corpus, claims, config)
    load_s = time.perf_counter() - started
    shown_args = {k: redact(v) for k, v in given.items()}
    args = {k: redact(v) for k, v in with_defaults(cls, given).items() if k not in cls.neutral_args}
    train_id = protocol_of(cls, task, train, extra_corpus(cls, task, whole.corpus))[1]
    key = {"task": task.name, "model": resolved.spec, "code": resolved.code, "args": json_sha256(args),
           "train": train_id, "settings": config.to_dict(), "gold": whole.gold["sha256"],
           "docs": whole.gold["docs_sha256"], "version": whole.gold["version"], "limit": limit,
           "on_error": on_error, "claims": None if claims is None else claims.signed}
    if shard is not None:
        key["shard"] = str(shard)
    partial = None
    if out is not None and task.per_document:
        named = cls.name if shard is None else f"{cls.name}-{shard.k}of{shard.n}"
        partial = _partial(out, resume, named, key, task.name, len(corpus.documents))
        if on_start is not None:
            on_start(partial.folder)
    builder = task.builder(corpus, config) if task.per_document else None
    failures: dict[str, Failure] = {}
    linked = []  # the links a links model gave (one output for the corpus)
    if partial is not None:
        for line in partial.done.values():
            if line.error is None:
                builder.add_document(line.doc, line.items, where=f'{partial.folder}: document "{line.doc}"')

    def on_document(doc_id: str, output, error: InputError | None) -> None:
        if not task.per_document:
            if error is not None:
                raise error
            linked.append(task.from_objects(output, corpus, config, claims=inputs, where=f'model "{cls.name}"'))
            return
        if error is None:
            try:
                items = items_of(output, corpus.documents[doc_id], model=cls.name, what=task.items_name)
                given = builder.add_document(doc_id, items, where=f'model "{cls.name}", document "{doc_id}", item')
            except InputError as exc:
                error = exc
            else:
                if partial is not None:
                    partial.append(JournalLine(doc=doc_id, items=given))
                return
        failures[doc_id] = Failure(doc_id=doc_id, error=error.message)
        if partial is not None:
            partial.append(JournalLine(doc=doc_id, error=error.message))
        if on_error == "stop" or isinstance(error, FatalError):
            raise RunStopped(error.message, None if partial is None else partial.folder)

    todo = [d for d in corpus.doc_ids if partial is None or d not in _done(partial)]
    context = RunContext(progress=progress)
    try:
        found = run_model(cls, whole.corpus, task=task, model_args=given, context=context, train=train,
                          timeout=timeout, inputs=inputs, doc_ids=todo, on_document=on_document)
    except BaseException as exc:
        if partial is not None:
            partial.close()
            if not isinstance(exc, RunStopped):
                exc.partial = partial.folder  # where the caller says the work is kept
        raise
    finally:
        context.close()
    predictions = linked[0] if not task.per_document else builder.finish(
        place=lambda n, doc_id: f'model "{cls.name}", document "{doc_id}"')
    model_warnings = list(found.warnings)
    failed = [failures[d] for d in corpus.doc_ids if d in failures]
    signed = args | found.fingerprint
    system = System(model=cls.name, code=resolved.code, args=signed, train=found.train,
                    claims=None if claims is None else claims.signed, skipped=skipped_field(failed),
                    shard=None if shard is None else str(shard))
    extra = {"model_spec": resolved.spec, "model_args": shown_args, "protocol": found.protocol, "limit": limit,
             "on_error": on_error, "claims_run": None if claims is None else claims.run_id}
    provenance = found.provenance or {}
    usage = provenance.pop("usage", None)
    shard_info = None if shard is None else ShardInfo(
        k=shard.k, n=shard.n, corpus=GoldInfo(**whole.gold),
        key=json_sha256({name: found for name, found in key.items() if name != "shard"}),
        schemes=None if config.schemes is None else list(config.schemes), model_warnings=model_warnings)
    content = assemble(loaded=loaded, predictions=predictions, config=config, system=system, model=cls.name,
                       extra=extra, timing={"load_s": load_s, **found.timing},
                       warnings=model_warnings + nothing_returned(task, predictions, failed, cls.name, corpus),
                       failures=failed, usage=usage, provenance=provenance or None, shard=shard_info)
    folder = None
    if partial is not None:
        folder = partial.finish(content)
    elif out is not None:
        folder = save_run(out, content)
    return RunOutcome(content, folder, failed, len(corpus.documents), predictions, found)


def skipped_field(failed: list[Failure]) -> str | None:
    """The signature's ``skipped`` field: how many documents failed, and a hash of their ids."""
    if not failed:
        return None
    ids = hashlib.sha256("\n".join(f.doc_id for f in failed).encode("utf-8")).hexdigest()[:12]
    return f"{len(failed)}#{ids}"


def nothing_returned(task, predictions, failed: list[Failure], model: str, corpus: Corpus) -> list[str]:
    if task.per_document and predictions.count == 0 and not failed:
        return [f'model "{model}" returned nothing for all {len(corpus.documents)} documents']
    return []


def dry_run(*, model, model_args=None, gold=None, docs=None, config: EvalConfig, limit: int | None = None
            ) -> list[dict]:
    """What ``run`` would send for each document, from a model that sends requests (``Model.dry_run``):
    nothing is sent, trained or saved."""
    task = config.task
    resolved, given = model_and_args(model, model_args)
    cls = resolved.cls
    corpus = load(task, gold=gold, docs=docs, limit=limit).corpus
    refused = f'--dry-run: model "{cls.name}" sends no requests, so there is nothing to show without running it'
    if cls.dry_run is Model.dry_run:
        raise InputError(refused)
    if trains_on(cls, task):
        raise InputError(f'--dry-run: model "{cls.name}" is trained for each fold, so what it would send is not '
                         "known before it runs")
    context = RunContext(progress=False)
    try:
        instance = instantiate(cls, given, context)
        documents = [corpus.documents[d] for d in corpus.doc_ids]
        rows = guarded(lambda: instance.dry_run(documents), model=cls.name, what="in its dry run")
    finally:
        context.close()
    if rows is None:
        raise InputError(refused)
    if isinstance(rows, (str, bytes, dict)) or not all(isinstance(row, dict) for row in rows):
        raise InputError(f'model "{cls.name}": dry_run() must return a list of dicts, one a document')
    return list(rows)


def _done(partial: PartialRun) -> set[str]:
    return {doc for doc, line in partial.done.items() if line.error is None}


def _partial(out, resume, model_name: str, key: dict, task: str, documents: int) -> PartialRun:
    if resume is None:
        return PartialRun.start(out, new_run_id(model_name, now()), task=task, documents=documents, key=key)
    partial = PartialRun.open(resume)
    differ = [name for name in sorted(set(key) | set(partial.header.key))
              if partial.header.key.get(name) != key.get(name)]
    if differ:
        raise InputError(f"was made with other settings ({', '.join(differ)} differ), so it cannot be resumed by "
                         "this command: run it with the settings it was started with, or start afresh without "
                         "--resume", path=partial.folder)
    return partial


def model_and_args(model, model_args) -> tuple:
    """The model named (``Resolved``) and its arguments checked against its constructor: a mapping, or
    ``key=value`` strings as the command line gives them."""
    resolved = resolve(model) if not isinstance(model, type) else _class_model(model)
    given = (parse_model_args(resolved.cls, list(model_args)) if isinstance(model_args, (list, tuple))
             else check_model_args(resolved.cls, model_args or {}))
    return resolved, given


def _class_model(cls):
    """A model class given directly in Python: signed by the hash of its source file."""
    from .model import Model
    from .registry import Resolved, _source_hash

    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise InputError(f"model {cls!r}: expected a name, module:Class, path/to/file.py:Class or a Model subclass")
    if not cls.name:
        cls.name = cls.__name__
    return Resolved(cls, f"{cls.__module__}:{cls.__qualname__}", _source_hash(cls))

