"""Run a model over a corpus under the benchmark's evaluation protocol.

The runner, not the model, decides what a model sees: an untrained model predicts each
document on its own; a trainable one is trained afresh for every document on the gold of
the other documents only (leave-one-document-out), or once on a separate training corpus
that shares no document with the evaluated one, so it never sees the gold it is scored on.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from .claims import ATTRIBUTIONS, CLAIM_TYPES, Claim, Corpus, Document
from .errors import InputError
from .model import Model
from .records import claim_from_record, span_problem

NO_TRAINING = "none (untrained model)"
LEAVE_ONE_OUT = "leave-one-document-out"
SEPARATE_TRAINING = "trained once on a separate corpus"


@dataclass(slots=True)
class ModelRun:
    predictions: dict[str, list[Claim]]
    protocol: str
    timing: dict[str, float] = field(default_factory=dict)


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
        param = params.get(key)
        args[key] = _convert(raw, param, pair)
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
            return kind(raw)
        except ValueError:
            raise InputError(f'--model-arg "{pair}": expected {kind.__name__}') from None
    return raw


def _instantiate(cls: type[Model], args: Mapping[str, object]) -> Model:
    try:
        return cls(**args)
    except Exception as exc:
        raise InputError(f'model "{cls.name}": could not be created: {type(exc).__name__}: {exc}') from None


def checked_claims(output: object, *, model: str, document: Document) -> list[Claim]:
    """A model's claims for one document, held to the same rules as a prediction file."""
    where = f'model "{model}", document "{document.doc_id}"'
    if not isinstance(output, Mapping):
        raise InputError(f"{where}: predict must return a mapping of doc_id to claims, got {type(output).__name__}")
    claims = []
    for item in output.get(document.doc_id, ()):
        try:
            claim = item if isinstance(item, Claim) else claim_from_record(item, doc_id=document.doc_id)
        except InputError as exc:
            raise InputError(f"{where}: {exc.message}") from None
        problem = span_problem(claim, {document.doc_id: document})
        if problem is None and claim.type not in CLAIM_TYPES:
            problem = f'unknown type "{claim.type}" (expected one of {", ".join(CLAIM_TYPES)})'
        if problem is None and claim.attribution is not None and claim.attribution not in ATTRIBUTIONS:
            problem = f'unknown attribution "{claim.attribution}" (expected one of {", ".join(ATTRIBUTIONS)})'
        if problem:
            raise InputError(f"{where}: {problem}")
        claims.append(claim)
    return claims


def _predict_one(model: Model, name: str, document: Document) -> list[Claim]:
    try:
        output = model.predict([document])
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f'model "{name}" failed on document "{document.doc_id}": {type(exc).__name__}: {exc}') from None
    return checked_claims(output, model=name, document=document)


def _fitted(cls: type[Model], args: Mapping[str, object], source: Corpus, doc_ids: list[str], what: str,
            timing: dict[str, float]) -> Model:
    """A fresh model trained on ``doc_ids`` of ``source`` and nothing else."""
    model = _instantiate(cls, args)
    started = time.perf_counter()
    try:
        model.fit([source.documents[d] for d in doc_ids], {d: list(source.gold.get(d, [])) for d in doc_ids})
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f'model "{cls.name}" failed to train {what}: {type(exc).__name__}: {exc}') from None
    timing["fit_s"] += time.perf_counter() - started
    return model


def _check_disjoint(train: Corpus, corpus: Corpus) -> None:
    """A separate training corpus must not contain a document that is evaluated."""
    texts = {doc.text: doc_id for doc_id, doc in train.documents.items()}
    for doc_id, doc in corpus.documents.items():
        if doc_id in train.documents or doc.text in texts:
            raise InputError(f'the training corpus contains the evaluated document "{doc_id}": '
                             "train and evaluate on disjoint documents")


def run_model(cls: type[Model], corpus: Corpus, *, model_args: Mapping[str, object] | None = None,
              progress: bool = True, train: Corpus | None = None) -> ModelRun:
    """Predict every document of ``corpus``.

    A trainable model is trained once on ``train`` when given (which must share no document
    with ``corpus``), else afresh for each document on the others (leave-one-document-out).
    """
    from tqdm import tqdm

    args = dict(model_args or {})
    name = cls.name
    doc_ids = corpus.doc_ids
    timing = {"fit_s": 0.0, "predict_s": 0.0}
    predictions: dict[str, list[Claim]] = {}
    trainable = cls.is_trainable()
    if not trainable:
        protocol, model = NO_TRAINING, _instantiate(cls, args)
    elif train is not None:
        _check_disjoint(train, corpus)
        protocol = SEPARATE_TRAINING
        model = _fitted(cls, args, train, train.doc_ids, "on the training corpus", timing)
    else:
        protocol = LEAVE_ONE_OUT
    for doc_id in tqdm(doc_ids, desc=f"{name}: documents", unit="doc", disable=not progress, leave=False):
        if protocol == LEAVE_ONE_OUT:
            model = _fitted(cls, args, corpus, [d for d in doc_ids if d != doc_id],
                            f'for held-out document "{doc_id}"', timing)
        started = time.perf_counter()
        predictions[doc_id] = _predict_one(model, name, corpus.documents[doc_id])
        timing["predict_s"] += time.perf_counter() - started
    return ModelRun(predictions=predictions, protocol=protocol, timing=timing)
