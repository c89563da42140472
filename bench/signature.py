"""What a score depends on, named in one line: the gold, the documents, the settings, the system.

A signature is one line of ``key:value`` fields, as sacreBLEU's. Its *evaluation* fields
(task, gold, documents, scheme, thresholds, bootstrap, version) say what the numbers were
measured against: two runs are comparable exactly when these are equal. Its *system*
fields say what produced the predictions: ``model``; ``code`` (the hash of a model's source
file, or an installed plugin's version: two versions of a model never share a signature);
``args`` (a hash of the model's arguments, defaults filled in, and settings such as a
prompt's hash); ``train`` (``loo`` for leave-one-document-out, else the training corpus's
hash); ``preds`` (the hash of a scored file); ``claims`` (the claims run a links run linked,
with the settings of it that decided which predicted claim stands for which gold claim);
``skipped`` (documents a model failed on and that were scored as predicting nothing);
``shard`` (``K/N``: a shard run, scored on its shard of the corpus only).
Settings are printed exactly (``repr`` of the number), so two values that give different
numbers never print alike. The same signature means the same numbers.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

from .jsonio import json_sha256
from .version import __version__

# Reported in every run that used them, so a result can be reproduced with the same stack.
KEY_LIBRARIES = ("numpy", "msgspec", "tabulate", "tqdm", "torch", "transformers", "scikit-learn", "datasets",
                 "openai", "ray")
EVALUATION_KEYS = ("task", "gold", "docs", "scheme", "thr", "align", "types", "boot", "seed", "version")
HASH_CHARS = 12


@dataclass(frozen=True, slots=True)
class System:
    """What produced the predictions: a model with its code, arguments and training, or a file."""

    model: str
    code: str | None = None  # a model file's hash, or a plugin's version; None for a built-in model
    args: dict = field(default_factory=dict)
    train: str | None = None  # hash of the training corpus; "loo" for leave-one-document-out
    predictions: str | None = None  # hash of a scored predictions file
    claims: str | None = None  # links end to end: the claims run whose claims were linked
    skipped: str | None = None  # "<n>#<hash of their ids>": documents the model failed on, scored as empty
    shard: str | None = None  # "K/N": predicted and scored the documents of shard K of N only

    def fields(self) -> list[tuple[str, str]]:
        parts = [("model", self.model)]
        for key, found in (("code", self.code), ("args", json_sha256(self.args)[:HASH_CHARS] if self.args else None),
                           ("train", self.train), ("preds", self.predictions), ("claims", self.claims),
                           ("skipped", self.skipped), ("shard", self.shard)):
            if found:
                parts.append((key, found))
        return parts

    def to_dict(self) -> dict:
        found = {"model": self.model, "code": self.code, "args": dict(self.args), "train": self.train,
                 "predictions": self.predictions, "claims": self.claims, "skipped": self.skipped}
        return found if self.shard is None else found | {"shard": self.shard}


def exact(number: float) -> str:
    """A setting as the signature prints it: exactly, so values that differ never print alike."""
    return repr(float(number))


def evaluation_fields(gold: dict, config, scheme: str) -> list[tuple[str, str]]:
    fields = [
        ("task", config.task.name),
        ("gold", f"{gold['version']}#{gold['sha256'][:HASH_CHARS]}"),
        ("docs", gold["docs_sha256"][:HASH_CHARS]),
        ("scheme", scheme),
    ]
    settings = {"thr": exact(config.threshold), "align": exact(config.align_threshold),
                "types": ",".join(config.types)}
    fields += [(name, settings[name]) for name in config.task.signature_settings]
    fields += [("boot", str(config.n_bootstrap)), ("seed", str(config.seed)), ("version", __version__)]
    return fields


def signature(gold: dict, config, system: System, *, scheme: str | None = None) -> str:
    """One line naming everything that changed the numbers it is printed under."""
    fields = evaluation_fields(gold, config, scheme or config.scheme) + system.fields()
    return "claimbench|" + "|".join(f"{key}:{found}" for key, found in fields)


def parse_signature(text: str) -> dict[str, str]:
    """The fields of a signature (unknown text gives no fields)."""
    if not isinstance(text, str) or not text.startswith("claimbench|"):
        return {}
    fields = {}
    for part in text.split("|")[1:]:
        key, sep, found = part.partition(":")
        if sep:
            fields[key] = found
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
            from importlib import metadata

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        found[name] = str(version)  # torch's is a str subclass
    return found
