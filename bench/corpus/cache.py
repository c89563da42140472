"""A checked corpus kept on disk, so that scoring many systems against one gold reads and checks it once.

``bench score --gold-cache DIR``: the first command reads the gold and the documents as
always, checks every rule and works out the hashes a run records, then keeps all of it in
DIR; a later command on the same files loads that instead (at 400,000 gold claims, about a
fifth of ``bench score``). The key is the SHA-256 of ClaimBench's version, the cache
format, and the bytes of every file the corpus is read from: the gold JSONL file, the
documents JSONL file, and ``claimants.json`` and ``VERSION`` beside the gold (or that they
are absent). A cache file is named after its key and holds it, and it is used only when the
key worked out from the files as they are now is the one it holds; one that does not decode
is read as absent and written again. Only a corpus without any problem is kept, so a bad
gold is read, and refused with the same message, every time. Gold or documents in a folder
or in memory, and gold with a link layer, are read as always.
"""

from __future__ import annotations

import hashlib
import mmap
from pathlib import Path

import msgspec

from ..exceptions import InputError, warn
from ..jsonio import write_atomic
from ..records import Claim, Corpus, Document, Quantity
from ..version import __version__
from .gold import CLAIMANTS_FILE, LINKS_FILE, VERSION_FILE, beside
from .hashes import documents_sha256, layer_sha256

CACHE_FORMAT = 1
SUFFIX = ".gold-cache"


class _Kept(msgspec.Struct, gc=False):
    """What a cache file holds: the key it was made for, the corpus, and its hashes by layer (``docs``: the texts)."""

    key: str
    doc_ids: list[str]
    texts: list[str]
    gold: dict[str, list[Claim]]
    claimants: dict[str, list[str]]
    quantities: dict[str, list[Quantity]] | None
    version: str
    hashes: dict[str, str]


_DECODER = msgspec.msgpack.Decoder(_Kept)


def cacheable(gold, docs) -> bool:
    """Gold and documents are JSONL files, and the gold has no link layer beside it."""
    if not all(isinstance(p, (str, Path)) and Path(p).is_file() for p in (gold, docs)):
        return False
    return not beside(gold, LINKS_FILE).exists()


def key_of(gold: Path | str, docs: Path | str) -> str:
    """SHA-256 of the version, the format and every file the corpus is read from."""
    key = hashlib.sha256(f"claimbench {__version__} gold cache {CACHE_FORMAT}\n".encode())
    for name, path in (("gold", gold), ("docs", docs), (CLAIMANTS_FILE, beside(gold, CLAIMANTS_FILE)),
                       (VERSION_FILE, beside(gold, VERSION_FILE))):
        path = Path(path)
        if path.is_file():
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        else:
            digest = "absent"
        key.update(f"{name} {digest}\n".encode())
    return key.hexdigest()


def hashes_of(corpus: Corpus) -> dict[str, str]:
    """The hashes ``bench.corpus.hashes.gold_info`` records, by layer, and the documents' (``docs``)."""
    found = {"claims": layer_sha256(corpus, "claims"), "docs": documents_sha256(corpus)}
    if corpus.quantities is not None:
        found["quantities"] = layer_sha256(corpus, "quantities")
    return found


def cached_corpus(gold: Path | str, docs: Path | str, folder: Path | str, read) -> tuple[Corpus, dict[str, str]]:
    """The corpus of the JSONL files ``gold`` and ``docs`` and its hashes: from ``folder`` when it holds the
    cache of these very bytes, else ``read(gold, docs)`` (which refuses a bad corpus) and kept there."""
    key = key_of(gold, docs)
    file = Path(folder) / f"{key}{SUFFIX}"
    kept = _load(file, key)
    if kept is not None:
        documents = {doc_id: Document(doc_id, text) for doc_id, text in zip(kept.doc_ids, kept.texts)}
        corpus = Corpus(documents=documents, gold=kept.gold, claimants=kept.claimants, quantities=kept.quantities,
                        version=kept.version)
        return corpus, kept.hashes
    corpus = read(gold, docs)
    hashes = hashes_of(corpus)
    if corpus.links is None:
        _keep(file, _Kept(key=key, doc_ids=list(corpus.documents), texts=[d.text for d in corpus.documents.values()],
                          gold=corpus.gold, claimants=corpus.claimants, quantities=corpus.quantities,
                          version=corpus.version, hashes=hashes))
    return corpus, hashes


def _load(file: Path, key: str) -> _Kept | None:
    """The cache in ``file`` if it decodes and was made for ``key``. It is decoded from the file mapped into
    memory, not from a copy of it (which would cost a page fault a page)."""
    if not file.is_file():
        return None
    try:
        with file.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            kept = _DECODER.decode(mapped)
    except (OSError, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return kept if kept.key == key else None


def _keep(file: Path, kept: _Kept) -> None:
    """Write the cache; a cache that cannot be written is a warning, not a failure of the command."""
    try:
        data = msgspec.msgpack.encode(kept)
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, data)
    except (InputError, OSError, OverflowError, TypeError) as exc:
        warn(f"the gold cache was not written to {file.parent}: {getattr(exc, 'message', None) or exc}")
