"""Load documents, gold claims and claimant aliases from the repo or a user's own corpus.

Documents: a folder of ``<doc_id>.txt`` files, or a ``.jsonl`` of ``{"doc_id", "text"}``.
Gold: a folder of ``<doc_id>.json`` files, or one ``.jsonl`` with a document object a line.
Both are read as UTF-8; offsets are code-point indices into the decoded text.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .claimants import ClaimantTable
from .claims import AUTHOR, Claim, Corpus, Document
from .errors import InputError
from .records import claim_from_record

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = PROJECT_ROOT / "gold"
DEFAULT_DOCS = PROJECT_ROOT / "seeds"
CLAIMANTS_FILE = "claimants.json"


@contextmanager
def paused_gc():
    """Cyclic garbage collection off while a large file turns into objects.

    Reading builds hundreds of thousands of dicts and claims, none of them in a reference
    cycle, and the collector would walk them over and over: a third or more of the reading
    time. Used as a decorator on the readers; the previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def recorded_path(path: Path | str) -> str:
    """How a run records a path: relative to the project when inside it, so runs move with a clone."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def resolve_recorded(path: str) -> Path:
    """The path a run recorded, as a path on this machine."""
    return Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise InputError("is a folder, expected a file", path=path) from None
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte {exc.start})", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """Yield (line number, decoded object) for each non-blank line."""
    numbered = [(number, line) for number, line in enumerate(read_text(path).splitlines(), start=1) if line.strip()]
    objects = _decode_at_once([line for _, line in numbered])
    if objects is not None:
        yield from zip((number for number, _ in numbered), objects)
        return
    for number, line in numbered:
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=number) from None


def _decode_at_once(lines: list[str]) -> list | None:
    """All lines decoded by one parser call, or None when any line is not one JSON object.

    One call over the whole file is several times faster than a call per line. It is only
    trusted when every line is a ``{...}`` object on its own and the counts agree, so no
    malformed line can hide in the joined text; otherwise lines are decoded one by one.
    """
    if not all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines):
        return None
    try:
        objects = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        return None
    if len(objects) != len(lines) or not all(type(obj) is dict for obj in objects):
        return None
    return objects


def _require_path(path: Path, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found", path=path)
    return path


@paused_gc()
def load_documents(path: Path | str = DEFAULT_DOCS) -> dict[str, Document]:
    path = _require_path(Path(path), "documents")
    documents: dict[str, Document] = {}
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise InputError("no .txt documents in this folder", path=path)
        for file in files:
            documents[file.stem] = Document(file.stem, read_text(file))
        return documents
    for number, record in iter_jsonl(path):
        if not isinstance(record, dict):
            raise InputError("expected a JSON object", path=path, line=number)
        doc_id, text = record.get("doc_id"), record.get("text")
        if not isinstance(doc_id, str):
            raise InputError('missing or non-string field "doc_id"', path=path, line=number)
        if not isinstance(text, str):
            raise InputError('missing or non-string field "text"', path=path, line=number)
        if doc_id in documents:
            raise InputError(f'duplicate doc_id "{doc_id}"', path=path, line=number)
        documents[doc_id] = Document(doc_id, text)
    if not documents:
        raise InputError("no documents in this file", path=path)
    return documents


def claim_label(item: object, index: int) -> str:
    """How messages name a claim: its id, else its position in the list."""
    return item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{index}"


def gold_fields(record: object) -> tuple[str, list]:
    """The doc_id and raw claim list of a gold document object, or an InputError saying what is missing."""
    if not isinstance(record, dict):
        raise InputError("expected a JSON object with doc_id and claims")
    doc_id, claims = record.get("doc_id"), record.get("claims")
    if not isinstance(doc_id, str):
        raise InputError('missing or non-string field "doc_id"')
    if not isinstance(claims, list):
        raise InputError('missing field "claims" (a list)')
    return doc_id, claims


def _gold_document(record: object, *, path: Path, line: int | None) -> tuple[str, list[Claim]]:
    try:
        doc_id, claims = gold_fields(record)
    except InputError as exc:
        raise InputError(exc.message, path=path, line=line) from None
    parsed = []
    for index, item in enumerate(claims):
        try:
            parsed.append(claim_from_record(item, doc_id=doc_id))
        except InputError as exc:
            raise InputError(f"claim {claim_label(item, index)}: {exc.message}", path=path, line=line) from None
    return doc_id, parsed


@paused_gc()
def load_gold(path: Path | str = DEFAULT_GOLD) -> dict[str, list[Claim]]:
    """Gold claims by doc_id. Only the structure is checked here; ``bench validate`` checks the rest."""
    path = _require_path(Path(path), "gold")
    gold: dict[str, list[Claim]] = {}
    if path.is_dir():
        sources = [(file, None, _load_json(file)) for file in sorted(path.glob("*.json")) if file.name != CLAIMANTS_FILE]
    else:
        sources = [(path, number, record) for number, record in iter_jsonl(path)]
    if not sources:
        raise InputError("no gold documents found", path=path)
    for file, line, record in sources:
        doc_id, claims = _gold_document(record, path=file, line=line)
        if doc_id in gold:
            raise InputError(f'duplicate gold for doc_id "{doc_id}"', path=file, line=line)
        gold[doc_id] = claims
    return gold


def _load_json(path: Path) -> object:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None


def load_claimants(gold_path: Path | str = DEFAULT_GOLD) -> dict[str, list[str]]:
    """Canonical claimant -> aliases, from ``claimants.json`` beside the gold (empty if absent)."""
    gold_path = Path(gold_path)
    file = (gold_path if gold_path.is_dir() else gold_path.parent) / CLAIMANTS_FILE
    if not file.exists():
        return {}
    data = _load_json(file)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(a, str) for a in v) for k, v in data.items()
    ):
        raise InputError("expected an object mapping each claimant to a list of aliases", path=file)
    if AUTHOR in data:
        raise InputError(f'"{AUTHOR}" is reserved for the article\'s own voice', path=file)
    try:
        ClaimantTable(data)
    except ValueError as exc:
        raise InputError(str(exc), path=file) from None
    return data


def load_corpus(*, gold: Path | str = DEFAULT_GOLD, docs: Path | str = DEFAULT_DOCS) -> Corpus:
    return Corpus(documents=load_documents(docs), gold=load_gold(gold), claimants=load_claimants(gold))


def to_hf_dataset(corpus: Corpus):
    """One row per document (doc_id, text, claims), for the Hugging Face ecosystem."""
    import datasets  # heavy: only for users who ask for it

    rows = {"doc_id": [], "text": [], "claims": []}
    for doc_id in corpus.doc_ids:
        rows["doc_id"].append(doc_id)
        rows["text"].append(corpus.documents[doc_id].text)
        rows["claims"].append([_hf_claim(c) for c in corpus.gold.get(doc_id, [])])
    return datasets.Dataset.from_dict(rows)


def _hf_claim(claim: Claim) -> dict:
    return {
        "id": claim.id or "",
        "start": claim.start,
        "end": claim.end,
        "text": claim.text or "",
        "type": claim.type,
        "claimant": claim.claimant or "",
        "attribution": claim.attribution or "",
    }
