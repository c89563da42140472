"""Run a model over documents under the benchmark's evaluation protocol, one document at a time.

The runner, not the model, decides what a model sees: an untrained model predicts each
document on its own; a trainable one is trained afresh for every document on the gold of
the other documents only (leave-one-document-out), or once on a separate training corpus
that shares no document with the evaluated one, so it never sees the gold it is scored on.

A model is guarded: whatever it raises (``sys.exit`` included) becomes one line naming the
model and the document; ``timeout`` bounds the time of one call. Each document's output, or
its failure, is handed to ``on_document`` as soon as it is there (in the calling thread), so
the caller keeps what is done whatever happens next; the caller decides what a failure means.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .exceptions import InputError, show
from .jsonio import json_sha256
from .model import Model, RunContext
from .records import Corpus, Document

NO_TRAINING = "none (untrained model)"
LEAVE_ONE_OUT = "leave-one-document-out"
SEPARATE_TRAINING = "trained once on a separate corpus"


@dataclass(slots=True)
class ModelRun:
    """What a run records of the model: its protocol, training, time, warnings, provenance and fingerprint."""

    protocol: str
    train: str | None = None  # what the signature names: "loo", a training corpus hash, or None
    timing: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    provenance: dict | None = None
    fingerprint: dict = field(default_factory=dict)


def constructor(cls: type[Model]) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(cls)
    return {name: p for name, p in signature.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def parse_model_args(cls: type[Model], pairs: list[str]) -> dict[str, object]:
    """``key=value`` strings checked against the model's constructor and converted to its types."""
    params = constructor(cls)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls).parameters.values())
    args: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InputError(f'--model-arg "{pair}": expected key=value')
        if key not in params and not accepts_any:
            known = ", ".join(params) or "none"
            raise InputError(f'--model-arg "{pair}": model "{cls.name}" takes no argument "{key}" (it takes: {known})')
        args[key] = _convert(raw, params.get(key), pair)
    return args


def check_model_args(cls: type[Model], args: Mapping) -> dict[str, object]:
    """Arguments given in Python: names the constructor takes, values JSON can hold (numpy numbers as numbers)."""
    from .checks import builtin

    if not isinstance(args, Mapping):
        raise InputError(f"model_args: expected a mapping of argument names to values, got {type(args).__name__}")
    params = constructor(cls)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls).parameters.values())
    out = {}
    for key, found in args.items():
        if not isinstance(key, str) or (key not in params and not accepts_any):
            raise InputError(f'model_args: model "{cls.name}" takes no argument {show(key)} '
                             f'(it takes: {", ".join(params) or "none"})')
        found = builtin(found, key)
        if isinstance(found, float) and not math.isfinite(found):
            raise InputError(f'model_args: {key}={found!r}: expected a finite number')
        out[key] = found
    return out


def with_defaults(cls: type[Model], args: Mapping[str, object]) -> dict[str, object]:
    """The model's arguments as it runs with them: every constructor default filled in, so spelling
    out a default changes nothing, and changing one in the code changes the signature."""
    filled = {name: p.default for name, p in constructor(cls).items()
              if p.default is not inspect.Parameter.empty and _jsonable(p.default)}
    return filled | dict(args)


def _jsonable(found: object) -> bool:
    return found is None or isinstance(found, (str, int, float, bool))


def _convert(raw: str, param: inspect.Parameter | None, pair: str) -> object:
    kind = None
    if param is not None:
        if param.default is not inspect.Parameter.empty and param.default is not None:
            kind = type(param.default)
        elif isinstance(param.annotation, type):
            kind = param.annotation
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise InputError(f'--model-arg "{pair}": expected true or false')
    if kind in (int, float):
        try:
            found = kind(raw)
        except ValueError:
            raise InputError(f'--model-arg "{pair}": expected {kind.__name__}') from None
        if not math.isfinite(found):  # NaN and infinities have no JSON, so no distinct signature
            raise InputError(f'--model-arg "{pair}": expected a finite number')
        return found
    return raw


class _Timeout(BaseException):
    """Raised inside a model call that ran past its time limit (not an Exception: models cannot catch it by accident)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guarded(call: Callable[[], object], *, model: str, what: str, timeout: float | None = None) -> object:
    """``call()`` with every way a model can fail turned into one ``InputError`` line.

    (What a model prints is sent to stderr by the CLI, at the file-descriptor level, for the
    whole time models run: ``contextlib.redirect_stdout`` is process-wide and not safe in threads.)
    """
    try:
        with _time_limit(timeout):
            return call()
    except InputError:
        raise
    except _Timeout:
        raise InputError(f'model "{model}" took longer than {timeout:g} s {what} (--timeout)') from None
    except SystemExit as exc:
        raise InputError(f'model "{model}" called sys.exit({show(exc.code)}) {what}') from None
    except KeyboardInterrupt:
        raise
    except RecursionError:
        raise InputError(f'model "{model}" failed {what}: RecursionError') from None
    except Exception as exc:
        raise InputError(f'model "{model}" failed {what}: {type(exc).__name__}: {exc}') from None


def instantiate(cls: type[Model], args: Mapping[str, object], context: RunContext) -> Model:
    model = guarded(lambda: cls(**args), model=cls.name, what="to be created")
    if not isinstance(model, Model):
        raise InputError(f'model "{cls.name}": the class did not create a Model')
    model.progress = context.progress
    model.context = context
    return model


def items_of(output: object, document: Document, *, model: str, what: str = "claims") -> list:
    """The list a model returned for one document, or one line saying what is wrong with its output."""
    where = f'model "{model}", document "{document.doc_id}"'
    if not isinstance(output, Mapping):
        raise InputError(f"{where}: must return a mapping of doc_id to {what}, got {type(output).__name__}")
    for key in output:
        if key != document.doc_id:
            raise InputError(f"{where}: returned {what} for another document {show(key)}")
    if document.doc_id not in output:
        raise InputError(f"{where}: returned nothing for this document "
                         f"(return {{doc_id: []}} when a document has no {what})")
    items = output[document.doc_id]
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise InputError(f"{where}: the {what} of a document must be a list, got {type(items).__name__}")
    return list(items)


def check_disjoint(train: Corpus, corpus: Corpus) -> None:
    """A separate training corpus must not contain a document that is evaluated."""
    texts = {doc.text: doc_id for doc_id, doc in train.documents.items()}
    for doc_id, doc in corpus.documents.items():
        if doc_id in train.documents or doc.text in texts:
            raise InputError(f'the training corpus contains the evaluated document "{doc_id}": '
                             "train and evaluate on disjoint documents")


def training_hash(train: Corpus) -> str:
    """What the signature names for a separate training corpus: a hash of its documents and gold."""
    payload = {d: [doc.text, [c.to_dict() for c in train.gold.get(d, [])]] for d, doc in train.documents.items()}
    return json_sha256(payload)[:12]


def trains_on(cls: type[Model], task) -> bool:
    return cls.is_trainable() and task.name in (cls.trains if cls.trains is not None else cls.tasks)


def protocol_of(cls: type[Model], task, train: Corpus | None, extra: Corpus | None = None) -> tuple[str, str | None]:
    """(protocol, what the signature names of the training) for ``cls`` on ``task``; ``extra`` is the
    development data it learns from besides (``extra_corpus``), named with its hash."""
    if not trains_on(cls, task):
        return NO_TRAINING, None
    suffix = "" if extra is None else f"+{'+'.join(cls.extra_training)}#{training_hash(extra)}"
    if train is not None:
        return SEPARATE_TRAINING, training_hash(train) + suffix
    if not task.per_document:
        raise InputError(f'task "{task.name}" links claims across documents: train model "{cls.name}" on a '
                         "separate corpus (--train-gold, --train-docs)")
    return LEAVE_ONE_OUT, "loo" + suffix


def extra_corpus(cls: type[Model], task, evaluated: Corpus) -> Corpus | None:
    """The shipped corpora ``cls`` also learns from, less every document of ``evaluated`` (by id or text):
    a model never trains on a document it is scored on, whatever corpus is evaluated."""
    if not cls.extra_training or not trains_on(cls, task):
        return None
    from .corpus.load import load_corpus
    from .corpus.paths import CORPORA

    texts = {doc.text for doc in evaluated.documents.values()}
    documents, gold = {}, {}
    for name in cls.extra_training:
        if name not in CORPORA:
            raise InputError(f'model "{cls.name}" learns from "{name}", which is not a shipped corpus '
                             f'({", ".join(CORPORA)})')
        gold_path, docs_path = CORPORA[name]
        corpus = load_corpus(gold=gold_path, docs=docs_path)
        for doc_id, doc in corpus.documents.items():
            if doc_id not in evaluated.documents and doc.text not in texts:
                documents[doc_id], gold[doc_id] = doc, corpus.gold[doc_id]
    return Corpus(documents=documents, gold=gold)


# What the runner hands over for each document: (doc_id, output) or (doc_id, InputError).
OnDocument = Callable[[str, object, InputError | None], None]


def run_model(cls: type[Model], corpus: Corpus, *, task, model_args: Mapping[str, object] | None = None,
              context: RunContext, train: Corpus | None = None, timeout: float | None = None, inputs=None,
              doc_ids: Sequence[str] | None = None, on_document: OnDocument) -> ModelRun:
    """Predict ``doc_ids`` of ``corpus`` (default: all) for ``task``, handing each output to ``on_document``.

    A trainable model is trained once on ``train`` when given (which must share no document
    with ``corpus``), else afresh for each document on all the others (leave-one-document-out).
    ``inputs`` are what a links model links (the gold claims, or a run's). A model's failure
    on one document (training for it included) is handed over as that document's error; a
    failure that concerns no single document (creating or training the model once) is raised.
    """
    if task.name not in cls.tasks:
        raise InputError(f'model "{cls.name}" does not do task "{task.name}" (it does: {", ".join(cls.tasks)})')
    args = dict(model_args or {})
    name = cls.name
    todo = list(corpus.doc_ids if doc_ids is None else doc_ids)
    timing = {"fit_s": 0.0, "predict_s": 0.0}
    warnings: list[str] = []
    extra = extra_corpus(cls, task, corpus)
    protocol, train_id = protocol_of(cls, task, train, extra)
    if protocol == NO_TRAINING:
        model = instantiate(cls, args, context)
        if train is not None:
            warnings.append(f'model "{name}" does not train: --train-gold and --train-docs are ignored')
    elif protocol == SEPARATE_TRAINING:
        check_disjoint(train, corpus)
        model = _fitted(cls, args, train, train.doc_ids, "on the training corpus", timing, context, extra)
    else:
        model = None

    if not task.per_document:
        started = time.perf_counter()
        documents = [corpus.documents[d] for d in corpus.doc_ids]
        output = guarded(lambda: task.call_model(model, documents, inputs), model=name,
                         what="on the corpus", timeout=timeout)
        timing["predict_s"] += time.perf_counter() - started
        on_document("", output, None)
        return _finished(ModelRun(protocol, train_id, timing, warnings), model, name)

    def model_for(doc_id: str) -> Model:
        """The model that predicts ``doc_id``: trained without it under leave-one-document-out."""
        if protocol != LEAVE_ONE_OUT:
            return model
        return _fitted(cls, args, corpus, [d for d in corpus.doc_ids if d != doc_id],
                       f'for held-out document "{doc_id}"', timing, context, extra)

    started, fit_before, spent = time.perf_counter(), timing["fit_s"], [0.0]
    last = _predict_documents(model_for, todo, corpus, task=task, name=name, timeout=timeout,
                              progress=context.progress, on_document=on_document, spent=spent) or model
    timing["predict_s"] += time.perf_counter() - started - (timing["fit_s"] - fit_before)
    timing["model_s"] = spent[0]  # inside the model's own calls: the rest of predict_s is the runner's
    if last is None:  # nothing was left to predict, or every fold failed: a model for the record
        last = model if model is not None else instantiate(cls, args, context)
    return _finished(ModelRun(protocol, train_id, timing, warnings), last, name)


class _NoBar:
    """What the document loop asks of a progress bar, when none is shown (tqdm is then not imported)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", leave=False)


def _predict_documents(model_for, doc_ids: list[str], corpus: Corpus, *, task, name: str, timeout: float | None,
                       progress: bool, on_document: OnDocument, spent: list[float]) -> Model | None:
    """Each document predicted and handed over; returns the last model used.

    One document at a time, each fold's model trained just before it is used; a model with
    ``workers`` > 1 predicts that many documents at once, in threads (its fold models trained
    first, in the calling thread). ``spent[0]`` adds up the time spent inside the model's calls.
    """
    def one(model: Model, doc_id: str, limit: float | None):
        document = corpus.documents[doc_id]
        started = time.perf_counter()
        try:
            return guarded(lambda: task.call_model(model, [document], None), model=name,
                           what=f'on document "{doc_id}"', timeout=limit)
        finally:
            spent[0] += time.perf_counter() - started

    if not doc_ids:
        return None
    bar = _progress_bar(len(doc_ids), f"{name}: documents") if progress else _NoBar()
    last = None
    try:
        models: dict[str, Model] = {}
        for k, doc_id in enumerate(doc_ids):
            try:
                model = model_for(doc_id)
            except InputError as exc:  # training for this fold failed: this document's failure
                on_document(doc_id, None, exc)
                bar.update()
                continue
            workers = getattr(model, "workers", 1)
            if isinstance(workers, int) and not isinstance(workers, bool) and workers > 1 and len(doc_ids) > 1:
                models[doc_id] = model
                if len(models) == 1:
                    threaded_workers = workers
                continue
            last = model
            try:
                output = one(model, doc_id, timeout)
            except InputError as exc:
                on_document(doc_id, None, exc)
            else:
                on_document(doc_id, output, None)
            bar.update()
        if models:
            last = models[list(models)[-1]]
            _threaded(list(models), lambda d: one(models[d], d, None), threaded_workers, timeout, name, bar,
                      on_document)
    finally:
        bar.close()
    return last


def _threaded(doc_ids: list[str], call, workers: int, timeout: float | None, name: str, bar,
              on_document: OnDocument) -> None:
    """``call`` over ``doc_ids`` in ``workers`` daemon threads, each result handed over in this thread."""
    import queue

    todo: queue.Queue = queue.Queue()
    for k, doc_id in enumerate(doc_ids):
        todo.put((k, doc_id))
    done: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work():
        while not stop.is_set():
            try:
                k, doc_id = todo.get_nowait()
            except queue.Empty:
                return
            done.put((doc_id, *_attempt(call, doc_id)))

    for _ in range(min(workers, len(doc_ids))):
        threading.Thread(target=work, daemon=True).start()
    try:
        for _ in doc_ids:
            try:
                doc_id, ok, found = done.get(timeout=timeout)
            except queue.Empty:
                raise InputError(f'model "{name}" took longer than {timeout:g} s on a document (--timeout)') from None
            if not ok and not isinstance(found, InputError):
                raise found
            on_document(doc_id, found if ok else None, None if ok else found)
            bar.update()
    finally:
        stop.set()  # on a failure, no worker starts another document


def _attempt(call, doc_id: str) -> tuple[bool, object]:
    try:
        return True, call(doc_id)
    except BaseException as exc:  # handed to the main thread, which decides
        return False, exc


def _finished(run: ModelRun, model: Model, name: str) -> ModelRun:
    """The model's provenance and fingerprint added to a run; its warnings recorded."""
    provenance = guarded(model.provenance, model=name, what="reporting its provenance")
    if provenance is not None and not isinstance(provenance, dict):
        raise InputError(f'model "{name}": provenance() must return a dict or None')
    if provenance:
        run.warnings.extend(str(w) for w in provenance.pop("warnings", []) or [])
    run.provenance = provenance
    found = guarded(model.fingerprint, model=name, what="reporting its fingerprint")
    if not isinstance(found, dict):
        raise InputError(f'model "{name}": fingerprint() must return a dict')
    run.fingerprint = found
    return run


def _fitted(cls: type[Model], args: Mapping[str, object], source: Corpus, doc_ids: list[str], what: str,
            timing: dict[str, float], context: RunContext, extra: Corpus | None = None) -> Model:
    """A fresh model trained on ``doc_ids`` of ``source`` (and the development data ``extra``) and nothing
    else (``--timeout`` bounds predicting only)."""
    model = instantiate(cls, args, context)
    started = time.perf_counter()
    documents = [source.documents[d] for d in doc_ids]
    gold = {d: list(source.gold.get(d, [])) for d in doc_ids}
    if extra is not None:
        documents += [extra.documents[d] for d in extra.doc_ids]
        gold |= {d: list(extra.gold[d]) for d in extra.doc_ids}
    guarded(lambda: model.fit(documents, gold), model=cls.name, what=f"to train {what}")
    timing["fit_s"] += time.perf_counter() - started
    return model
