"""Gold files: a folder of ``<doc_id>.json`` (or one ``.jsonl``, a document a line), with
``claimants.json`` (aliases) and ``VERSION`` beside them.

Reading only: what a file holds, its structure checked by msgspec as it is decoded. The
rules a gold corpus must keep are ``bench.corpus.rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from ..checks import explain
from ..claimants import ClaimantTable
from ..exceptions import InputError, show
from ..jsonio import decode_file, decode_lines, decode_one, decode_utf8, read_bytes, split_lines
from ..records import AUTHOR, Claim, Quantity
from .paths import DEFAULT_GOLD, display, require

CLAIMANTS_FILE = "claimants.json"
LINKS_FILE = "links.json"
VERSION_FILE = "VERSION"
UNVERSIONED = "unversioned"
_NOT_GOLD = frozenset({CLAIMANTS_FILE, LINKS_FILE})
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


class GoldDocument(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    doc_id: str
    claims: list[Claim]
    quantities: list[Quantity] | None = None
    meta: dict | None = None


GOLD_KINDS = {"doc_id": str, "claims": list, "quantities": list, "meta": dict}
GOLD_DECODER = msgspec.json.Decoder(GoldDocument)


def explain_gold(obj: object) -> str | None:
    problem = explain(obj, kinds=GOLD_KINDS, required=("doc_id", "claims"))
    if problem or not isinstance(obj, dict):
        return problem
    for layer, record_type in (("claims", Claim), ("quantities", Quantity)):
        for index, item in enumerate(obj.get(layer) or ()):
            problem = explain(item, record_type)
            if problem:
                return f"{'claim' if layer == 'claims' else 'quantity'} {label(item, index)}: {problem}"
    return None


def label(item: object, index: int) -> str:
    """How messages name a record: its id, else its position in the list."""
    return item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{index}"


def beside(gold_path: Path | str, name: str) -> Path:
    """A file that lives beside the gold: in its folder, or beside its ``.jsonl``."""
    path = Path(gold_path)
    return (path if path.is_dir() else path.parent) / name


@dataclass(slots=True)
class GoldEntry:
    """One gold document as read: where it came from, and its record (None if unreadable)."""

    where: str
    record: GoldDocument | None
    problems: list[str] = field(default_factory=list)
    named: str | None = None  # the doc_id its file name gives, known even when the record is unreadable


def _gold_files(path: Path) -> list[Path]:
    return [f for f in sorted(path.glob("*.json")) if f.name not in _NOT_GOLD]


def read_gold(path: Path | str) -> list[GoldEntry]:
    """Every gold document of a folder or a JSONL file. Files that do not decode become problems."""
    path = require(path, "gold")
    entries: list[GoldEntry] = []
    if path.is_dir():
        files = _gold_files(path)
        if not files:
            raise InputError("no gold documents (<doc_id>.json) in this folder", path=path)
        for file in files:
            where = display(file)
            try:
                entries.append(GoldEntry(where, decode_file(file, GOLD_DECODER, explain_gold), named=file.stem))
            except InputError as exc:
                entries.append(GoldEntry(where if exc.line is None else f"{where}:{exc.line}", None, [exc.message],
                                         named=file.stem))
        return entries
    where = display(path)
    try:
        records, numbers = decode_lines(path, GOLD_DECODER, explain_gold)
    except InputError as exc:
        if exc.line is None:
            raise
        return _gold_lines_one_by_one(path, where)
    for index, record in enumerate(records):
        entries.append(GoldEntry(f"{where}:{index + 1 if numbers is None else numbers[index]}", record))
    if not entries:
        raise InputError("no gold documents in this file", path=path)
    return entries


def _gold_lines_one_by_one(path: Path, where: str) -> list[GoldEntry]:
    """The slow path of a gold JSONL file with bad lines: every line on its own, every problem kept."""
    lines, numbers = split_lines(read_bytes(path))
    entries = []
    for index, raw in enumerate(lines):
        at = f"{where}:{index + 1 if numbers is None else numbers[index]}"
        try:
            entries.append(GoldEntry(at, decode_one(raw, GOLD_DECODER, explain_gold)))
        except InputError as exc:
            entries.append(GoldEntry(at, None, [exc.message]))
    return entries


def with_doc_id(records: list, doc_id: str) -> list:
    """Records of a gold document, each carrying the document's id (files name it once)."""
    return [r if r.doc_id == doc_id else msgspec.structs.replace(r, doc_id=doc_id) for r in records]


def load_gold(path: Path | str) -> dict[str, list[Claim]]:
    """Gold-format claims by doc_id, read with their structure checked only: for annotation files
    and other claim lists that are not a corpus (``read_corpus`` checks a corpus's rules)."""
    gold: dict[str, list[Claim]] = {}
    for entry in read_gold(path):
        if entry.record is None:
            raise InputError(f"{entry.where}: {entry.problems[0]}")
        gold[entry.record.doc_id] = with_doc_id(entry.record.claims, entry.record.doc_id)
    return gold


def read_version(gold_path: Path | str) -> tuple[str, str | None]:
    """(version, problem): the gold's VERSION, one line of letters, digits and . _ + -."""
    file = beside(gold_path, VERSION_FILE)
    if not file.is_file():
        return UNVERSIONED, None
    try:
        text = decode_utf8(read_bytes(file), file).strip()
    except InputError as exc:
        return UNVERSIONED, str(exc)
    if not _VERSION.fullmatch(text):
        what = "is empty" if not text else f"must be one short line of letters, digits and . _ + - (got {show(text, 30)})"
        return UNVERSIONED, f"{display(file)}: the version {what}"
    return text, None


def check_claimants(data: object, where: Path | str | None = None) -> dict[str, list[str]]:
    """An alias table ``{canonical: [aliases]}`` checked: ``author`` reserved, no alias naming two claimants."""
    try:
        data = msgspec.convert(data, dict[str, list[str]])
    except msgspec.ValidationError:
        raise InputError("expected an object mapping each claimant to a list of aliases", path=where) from None
    if AUTHOR in data:
        raise InputError(f'"{AUTHOR}" is reserved for the article\'s own voice', path=where)
    try:
        ClaimantTable(data)
    except ValueError as exc:
        raise InputError(str(exc), path=where) from None
    return data


def load_claimants(gold_path: Path | str = DEFAULT_GOLD) -> dict[str, list[str]]:
    """Canonical claimant -> aliases, from ``claimants.json`` beside the gold (empty if absent)."""
    file = beside(gold_path, CLAIMANTS_FILE)
    if not file.exists():
        return {}
    data = decode_file(file, msgspec.json.Decoder(dict[str, list[str]]),
                       lambda obj: "expected an object mapping each claimant to a list of aliases")
    return check_claimants(data, file)
