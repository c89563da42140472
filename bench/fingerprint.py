"""What a score depends on, hashed and named: the gold, the documents, the settings.

Two runs are comparable exactly when their signatures are equal, as with sacreBLEU.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .claims import CLAIM_TYPES, Corpus
from .corpus import recorded_path

VERSION_FILE = "VERSION"
UNVERSIONED = "unversioned"
# Reported in every run so a result can be reproduced with the same stack.
KEY_LIBRARIES = ("numpy", "tabulate", "tqdm", "torch", "transformers", "scikit-learn", "datasets")


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """Every setting that changes a number in a results table."""

    scheme: str = "lenient"
    threshold: float = 0.5
    n_bootstrap: int = 1000
    seed: int = 0
    types: tuple[str, ...] = CLAIM_TYPES

    def to_dict(self) -> dict:
        return {
            "scheme": self.scheme,
            "threshold": self.threshold,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "types": list(self.types),
        }


def _sha256(payload: object) -> str:
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def gold_sha256(corpus: Corpus) -> str:
    """Hash of the labels themselves (not file layout), so reformatting a file keeps it."""
    claims = {doc_id: sorted((c.to_dict() for c in claims), key=lambda d: (d["start"], d["end"], d["type"]))
              for doc_id, claims in corpus.gold.items()}
    return _sha256({"claims": claims, "claimants": corpus.claimants})


def documents_sha256(corpus: Corpus) -> str:
    return _sha256({doc_id: doc.text for doc_id, doc in corpus.documents.items()})


def gold_version(gold_path: Path | str) -> str:
    path = Path(gold_path)
    folder = path if path.is_dir() else path.parent
    file = folder / VERSION_FILE
    return file.read_text(encoding="utf-8").strip() if file.is_file() else UNVERSIONED


def gold_info(corpus: Corpus, *, gold_path: Path | str, docs_path: Path | str) -> dict:
    counts = {t: 0 for t in CLAIM_TYPES}
    for claims in corpus.gold.values():
        for claim in claims:
            counts[claim.type] = counts.get(claim.type, 0) + 1
    return {
        "path": recorded_path(gold_path),
        "docs_path": recorded_path(docs_path),
        "version": gold_version(gold_path),
        "sha256": gold_sha256(corpus),
        "docs_sha256": documents_sha256(corpus),
        "documents": len(corpus.documents),
        "claims": sum(counts.values()),
        "claims_per_type": counts,
    }


def signature(gold: dict, config: EvalConfig, *, scheme: str | None = None) -> str:
    """One line naming everything that changed the numbers it is printed under."""
    scheme = scheme or config.scheme
    parts = [
        f"gold:{gold['version']}#{gold['sha256'][:12]}",
        f"docs:{gold['docs_sha256'][:12]}",
        f"scheme:{scheme}",
    ]
    if scheme != "strict":
        parts.append(f"thr:{config.threshold:g}")
    parts += [
        "types:" + ",".join(config.types),
        f"boot:{config.n_bootstrap}",
        f"seed:{config.seed}",
        f"version:{__version__}",
    ]
    return "claimbench|" + "|".join(parts)


def versions() -> dict[str, str]:
    found = {"claimbench": __version__, "python": platform.python_version()}
    for name in KEY_LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
