"""Run a model over a corpus under the benchmark's evaluation protocol.

The runner, not the model, decides what a model sees: an untrained model predicts each
document on its own; a trainable one is trained afresh for every document on the gold of
the other documents only (leave-one-document-out), or once on a separate training corpus
that shares no document with the evaluated one, so it never sees the gold it is scored on.

A model is guarded: whatever it raises (``sys.exit`` included) becomes one line naming the
model and the document; ``timeout`` bounds the time of one call; its output is checked by
the task exactly as a prediction file would be.
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

from .records import Corpus, Document
from .errors import InputError, show, warn
from .fingerprint import sha256
from .model import Model

NO_TRAINING = "none (untrained model)"
LEAVE_ONE_OUT = "leave-one-document-out"
SEPARATE_TRAINING = "trained once on a separate corpus"


@dataclass(slots=True)
class ModelRun:
    predictions: object
    protocol: str
    train: str | None = None  # what the signature names: "loo", a training corpus hash, or None
    timing: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    provenance: dict | None = None
    fingerprint: dict = field(default_factory=dict)


def parse_model_args(cls: type[Model], pairs: list[str]) -> dict[str, object]:
    """``key=value`` strings checked against the model's constructor and converted to its types."""
    signature = inspect.signature(cls)
    params = {name: p for name, p in signature.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
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
            value = kind(raw)
        except ValueError:
            raise InputError(f'--model-arg "{pair}": expected {kind.__name__}') from None
        if not math.isfinite(value):  # NaN and infinities have no JSON, so no distinct signature
            raise InputError(f'--model-arg "{pair}": expected a finite number')
        return value
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


def instantiate(cls: type[Model], args: Mapping[str, object], *, progress: bool = True) -> Model:
    model = guarded(lambda: cls(**args), model=cls.name, what="to be created")
    if not isinstance(model, Model):
        raise InputError(f'model "{cls.name}": the class did not create a Model')
    model.progress = progress
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


def _check_disjoint(train: Corpus, corpus: Corpus) -> None:
    """A separate training corpus must not contain a document that is evaluated."""
    texts = {doc.text: doc_id for doc_id, doc in train.documents.items()}
    for doc_id, doc in corpus.documents.items():
        if doc_id in train.documents or doc.text in texts:
            raise InputError(f'the training corpus contains the evaluated document "{doc_id}": '
                             "train and evaluate on disjoint documents")


def training_hash(train: Corpus) -> str:
    """What the signature names for a separate training corpus: a hash of its documents and gold."""
    payload = {d: [doc.text, [c.to_dict() for c in train.gold.get(d, [])]] for d, doc in train.documents.items()}
    return sha256(payload)[:12]


def run_model(cls: type[Model], corpus: Corpus, *, task, config, model_args: Mapping[str, object] | None = None,
              progress: bool = True, train: Corpus | None = None, timeout: float | None = None,
              claims: Mapping | None = None) -> ModelRun:
    """Predict every document of ``corpus`` for ``task``.

    A trainable model is trained once on ``train`` when given (which must share no document
    with ``corpus``), else afresh for each document on the others (leave-one-document-out).
    ``claims`` are the claims a links model links (the gold claims, or a run's).
    """
    if task.name not in cls.tasks:
        raise InputError(f'model "{cls.name}" does not do task "{task.name}" (it does: {", ".join(cls.tasks)})')
    args = dict(model_args or {})
    name = cls.name
    doc_ids = corpus.doc_ids
    timing = {"fit_s": 0.0, "predict_s": 0.0}
    warnings: list[str] = []
    trainable = cls.is_trainable() and task.name in (cls.trains if cls.trains is not None else cls.tasks)
    train_id = None
    if not trainable:
        protocol, model = NO_TRAINING, instantiate(cls, args, progress=progress)
        if train is not None:
            warnings.append(warn(f'model "{name}" does not train: --train-gold and --train-docs are ignored'))
    elif train is not None:
        _check_disjoint(train, corpus)
        protocol, train_id = SEPARATE_TRAINING, training_hash(train)
        model = _fitted(cls, args, train, train.doc_ids, "on the training corpus", timing, progress)
    else:
        protocol, train_id = LEAVE_ONE_OUT, "loo"

    if not task.per_document:
        if protocol == LEAVE_ONE_OUT:
            raise InputError(f'task "{task.name}" links claims across documents: train model "{name}" on a '
                             "separate corpus (--train-gold, --train-docs)")
        started = time.perf_counter()
        documents = [corpus.documents[d] for d in doc_ids]
        output = guarded(lambda: task.call_model(model, documents, claims), model=name,
                         what="on the corpus", timeout=timeout)
        timing["predict_s"] += time.perf_counter() - started
        predictions = task.from_model(output, corpus, config, claims=claims, model=name)
        return _finished(ModelRun(predictions, protocol, train_id, timing, warnings), model, name)

    def model_for(doc_id: str) -> Model:
        """The model that predicts ``doc_id``: trained without it under leave-one-document-out."""
        if protocol != LEAVE_ONE_OUT:
            return model
        return _fitted(cls, args, corpus, [d for d in doc_ids if d != doc_id], f'for held-out document "{doc_id}"',
                       timing, progress)

    started, fit_before = time.perf_counter(), timing["fit_s"]
    outputs, last = _predict_documents(model_for, doc_ids, corpus, task=task, name=name, timeout=timeout,
                                       progress=progress)
    timing["predict_s"] += time.perf_counter() - started - (timing["fit_s"] - fit_before)
    parts = []
    for doc_id, output in zip(doc_ids, outputs):
        document = corpus.documents[doc_id]
        items = items_of(output, document, model=name, what=task.items_name)
        parts.append(task.from_objects(items, corpus, config, where=f'model "{name}", document "{doc_id}", item',
                                       doc_id=doc_id))
    predictions = task.merge(parts, corpus)
    if predictions.count == 0:
        warnings.append(warn(f'model "{name}" returned nothing for all {len(doc_ids)} documents'))
    return _finished(ModelRun(predictions, protocol, train_id, timing, warnings), last, name)


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
                       progress: bool) -> tuple[list[object], Model | None]:
    """Each document's output in doc_id order, and the last model used.

    One document at a time, each fold's model trained just before it is used; a model
    with ``workers`` > 1 gets all its fold models first, then that many documents at once.
    """
    def one(model: Model, doc_id: str, limit: float | None):
        document = corpus.documents[doc_id]
        return guarded(lambda: task.call_model(model, [document], None), model=name,
                       what=f'on document "{doc_id}"', timeout=limit)

    if not doc_ids:
        return [], None
    first = model_for(doc_ids[0])
    workers = getattr(first, "workers", 1)
    workers = workers if isinstance(workers, int) and not isinstance(workers, bool) and workers > 1 else 1
    bar = _progress_bar(len(doc_ids), f"{name}: documents") if progress else _NoBar()
    try:
        if workers == 1 or len(doc_ids) < 2:
            outputs, model = [], first
            for k, doc_id in enumerate(doc_ids):
                model = first if k == 0 else model_for(doc_id)
                outputs.append(one(model, doc_id, timeout))
                bar.update()
            return outputs, model
        models = {doc_id: first if k == 0 else model_for(doc_id) for k, doc_id in enumerate(doc_ids)}
        outputs = _threaded(doc_ids, lambda d: one(models[d], d, None), workers, timeout, name, bar)
        return outputs, models[doc_ids[-1]]
    finally:
        bar.close()


def _threaded(doc_ids: list[str], call, workers: int, timeout: float | None, name: str, bar) -> list[object]:
    """``call`` over ``doc_ids`` in ``workers`` daemon threads; the first failure (or a timeout) ends the run."""
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
            done.put((k, *_attempt(call, doc_id)))

    for _ in range(min(workers, len(doc_ids))):
        threading.Thread(target=work, daemon=True).start()
    outputs: list[object] = [None] * len(doc_ids)
    try:
        for _ in doc_ids:
            try:
                k, ok, value = done.get(timeout=timeout)
            except queue.Empty:
                raise InputError(f'model "{name}" took longer than {timeout:g} s on a document (--timeout)') from None
            if not ok:
                raise value
            outputs[k] = value
            bar.update()
    finally:
        stop.set()  # on a failure, no worker starts another document
    return outputs


def _attempt(call, doc_id: str) -> tuple[bool, object]:
    try:
        return True, call(doc_id)
    except BaseException as exc:  # handed to the main thread, which raises it
        return False, exc


def _finished(run: ModelRun, model: Model, name: str) -> ModelRun:
    """The model's provenance and fingerprint added to a run; its warnings shown and recorded."""
    provenance = _provenance(model, name)
    if provenance:
        run.warnings.extend(warn(str(w)) for w in provenance.pop("warnings", []) or [])
    run.provenance = provenance
    found = guarded(model.fingerprint, model=name, what="reporting its fingerprint")
    if not isinstance(found, dict):
        raise InputError(f'model "{name}": fingerprint() must return a dict')
    run.fingerprint = found
    return run


def _provenance(model: Model, name: str) -> dict | None:
    found = guarded(model.provenance, model=name, what="reporting its provenance")
    if found is not None and not isinstance(found, dict):
        raise InputError(f'model "{name}": provenance() must return a dict or None')
    return found


def _fitted(cls: type[Model], args: Mapping[str, object], source: Corpus, doc_ids: list[str], what: str,
            timing: dict[str, float], progress: bool) -> Model:
    """A fresh model trained on ``doc_ids`` of ``source`` and nothing else (``--timeout`` bounds predicting only)."""
    model = instantiate(cls, args, progress=progress)
    started = time.perf_counter()
    documents = [source.documents[d] for d in doc_ids]
    gold = {d: list(source.gold.get(d, [])) for d in doc_ids}
    guarded(lambda: model.fit(documents, gold), model=cls.name, what=f"to train {what}")
    timing["fit_s"] += time.perf_counter() - started
    return model
