"""What a score depends on, hashed and named: the gold, the documents, the settings, the system.

A signature is one line of ``key:value`` fields, as sacreBLEU's. Its *evaluation* fields
(task, gold, documents, scheme, thresholds, bootstrap, version) say what the numbers were
measured against: two runs are comparable exactly when these are equal. Its *system*
fields (model, model arguments, training corpus, prediction file) say what produced the
predictions; they differ between the runs one compares, and they complete the record, so
the same signature always means the same numbers.
"""

from __future__ import annotations

import hashlib
import operator
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import msgspec

from . import __version__
from .records import CLAIM_TYPES, Corpus
from .corpus import recorded_path

# Reported in every run that used them, so a result can be reproduced with the same stack.
KEY_LIBRARIES = ("numpy", "msgspec", "tabulate", "tqdm", "torch", "transformers", "scikit-learn", "datasets",
                 "openai")
EVALUATION_KEYS = ("task", "gold", "docs", "scheme", "thr", "align", "types", "boot", "seed", "version")
HASH_CHARS = 12
_ENCODER = msgspec.json.Encoder(order="sorted")


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """Every evaluation setting that changes a number in a results table."""

    task: str = "claims"
    scheme: str = "lenient"
    threshold: float = 0.5
    align_threshold: float = 0.5
    n_bootstrap: int = 1000
    seed: int = 0
    types: tuple[str, ...] = CLAIM_TYPES

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "scheme": self.scheme,
            "threshold": self.threshold,
            "align_threshold": self.align_threshold,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "types": list(self.types),
        }


@dataclass(frozen=True, slots=True)
class System:
    """What produced the predictions: a model with its arguments and training, or a file."""

    model: str
    args: dict = field(default_factory=dict)
    train: str | None = None  # hash of the training corpus; "loo" for leave-one-document-out
    predictions: str | None = None  # hash of a scored predictions file
    claims: str | None = None  # links end to end: the claims run whose claims were linked

    def fields(self) -> list[tuple[str, str]]:
        parts = [("model", self.model)]
        if self.args:
            parts.append(("args", sha256(self.args)[:HASH_CHARS]))
        if self.train:
            parts.append(("train", self.train))
        if self.predictions:
            parts.append(("preds", self.predictions))
        if self.claims:
            parts.append(("claims", self.claims))
        return parts

    def to_dict(self) -> dict:
        return {"model": self.model, "args": dict(self.args), "train": self.train, "predictions": self.predictions,
                "claims": self.claims}


def sha256(payload: object) -> str:
    """Hash of a JSON-able value, independent of dict order."""
    return hashlib.sha256(_ENCODER.encode(payload)).hexdigest()


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CLAIM_ORDER = operator.attrgetter("start", "end", "type")
_QUANTITY_ORDER = operator.attrgetter("start", "end")


def layer_sha256(corpus: Corpus, layer: str) -> str:
    """Hash of one gold layer's labels (not the file layout), so reformatting a file keeps it.

    Claims are taken in (start, end, type) order within each document; the claims layer
    includes the claimant aliases, the quantity and link layers the claims they refer to.
    """
    claims = {doc_id: sorted(claims, key=_CLAIM_ORDER) for doc_id, claims in corpus.gold.items()}
    if layer == "claims":
        return sha256({"claims": claims, "claimants": corpus.claimants})
    if layer == "quantities":
        quantities = {doc_id: sorted(mentions, key=_QUANTITY_ORDER)
                      for doc_id, mentions in (corpus.quantities or {}).items()}
        return sha256({"quantities": quantities, "claims": claims})
    if layer == "links":
        return sha256({"links": corpus.links.to_dict() if corpus.links else None, "claims": claims})
    raise ValueError(f"unknown gold layer {layer!r}")


def documents_sha256(corpus: Corpus) -> str:
    return sha256({doc_id: doc.text for doc_id, doc in corpus.documents.items()})


def gold_info(corpus: Corpus, *, gold_path: Path | str, docs_path: Path | str, layer: str = "claims") -> dict:
    counts = {t: 0 for t in CLAIM_TYPES}
    for claims in corpus.gold.values():
        for claim in claims:
            counts[claim.type] = counts.get(claim.type, 0) + 1
    info = {
        "path": recorded_path(gold_path),
        "docs_path": recorded_path(docs_path),
        "version": corpus.version,
        "layer": layer,
        "sha256": layer_sha256(corpus, layer),
        "docs_sha256": documents_sha256(corpus),
        "documents": len(corpus.documents),
        "claims": sum(counts.values()),
        "claims_per_type": counts,
    }
    if corpus.quantities is not None:
        info["quantities"] = sum(map(len, corpus.quantities.values()))
    if corpus.links is not None:
        info["clusters"] = len(corpus.links.clusters)
        info["conflicts"] = len(corpus.links.conflicts)
    return info


def evaluation_fields(gold: dict, config: EvalConfig, scheme: str) -> list[tuple[str, str]]:
    fields = [
        ("task", config.task),
        ("gold", f"{gold['version']}#{gold['sha256'][:HASH_CHARS]}"),
        ("docs", gold["docs_sha256"][:HASH_CHARS]),
        ("scheme", scheme),
    ]
    from .tasks import get_task

    settings = {"thr": f"{config.threshold:g}", "align": f"{config.align_threshold:g}", "types": ",".join(config.types)}
    fields += [(name, settings[name]) for name in get_task(config.task).signature_settings]
    fields += [("boot", str(config.n_bootstrap)), ("seed", str(config.seed)), ("version", __version__)]
    return fields


def signature(gold: dict, config: EvalConfig, system: System, *, scheme: str | None = None) -> str:
    """One line naming everything that changed the numbers it is printed under."""
    fields = evaluation_fields(gold, config, scheme or config.scheme) + system.fields()
    return "claimbench|" + "|".join(f"{key}:{value}" for key, value in fields)


def parse_signature(text: str) -> dict[str, str]:
    """The fields of a signature (unknown text gives no fields)."""
    if not isinstance(text, str) or not text.startswith("claimbench|"):
        return {}
    fields = {}
    for part in text.split("|")[1:]:
        key, sep, value = part.partition(":")
        if sep:
            fields[key] = value
    return fields


def evaluation_part(text: str) -> dict[str, str]:
    """The fields that must agree for two runs to be comparable."""
    fields = parse_signature(text)
    return {key: fields[key] for key in EVALUATION_KEYS if key in fields}


# distribution name -> module name, where they differ
_MODULES = {"scikit-learn": "sklearn"}


def versions() -> dict[str, str]:
    """The versions of the libraries this run used (those imported by now), to reproduce it with the same stack."""
    import sys

    found = {"claimbench": __version__, "python": platform.python_version()}
    for name in KEY_LIBRARIES:
        module = sys.modules.get(_MODULES.get(name, name))
        if module is None:
            continue
        version = getattr(module, "__version__", None)
        if not isinstance(version, str):
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        found[name] = str(version)  # torch's is a str subclass
    return found
