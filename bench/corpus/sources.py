"""Where gold comes from before its rules are checked: files, or records given in memory.

Both give a ``GoldSource``; in-memory records are written as JSON and decoded by the same
decoders as file lines, so they obey exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ..checks import builtin
from ..exceptions import InputError
from ..jsonio import decode_one, to_json
from ..records import Document, Links
from .documents import DocIds, DocumentRecord, explain_document, text_problem
from .gold import GOLD_DECODER, UNVERSIONED, GoldEntry, check_claimants, explain_gold, load_claimants, read_gold, \
    read_version
from .links import links_from_object, read_links
from .paths import display


@dataclass(slots=True)
class GoldSource:
    """Gold as read, before the rules: its documents' records, aliases, version and links."""

    entries: list[GoldEntry]
    claimants: dict[str, list[str]]
    version: str
    version_problem: str | None
    links: Links | None
    links_where: str | None
    links_problem: str | None
    where: str


def is_path(value: object) -> bool:
    return isinstance(value, (str, Path))


def gold_from_path(path: Path | str) -> GoldSource:
    entries = read_gold(path)
    claimants = load_claimants(path)
    version, version_problem = read_version(path)
    links, links_where, links_problem = None, None, None
    try:
        links, links_where = read_links(path)
    except InputError as exc:
        links_problem = str(exc)
    return GoldSource(entries, claimants, version, version_problem, links, links_where, links_problem,
                      display(Path(path)))


def gold_from_records(items: Iterable, *, claimants=None, links=None, version=None) -> GoldSource:
    """Gold documents given in memory, each ``{"doc_id", "claims", "quantities"?}``, checked as file lines are."""
    entries = []
    for index, item in enumerate(items):
        where = f"gold[{index}]"
        try:
            raw = to_json(builtin(item, "gold"))
            entries.append(GoldEntry(where, decode_one(raw, GOLD_DECODER, explain_gold)))
        except InputError as exc:
            entries.append(GoldEntry(where, None, [exc.message]))
    if not entries:
        raise InputError("gold: no gold documents given")
    table = check_claimants(claimants or {}, "claimants")
    layer = None if links is None else links_from_object(links, "links")
    return GoldSource(entries, table, str(version) if version else UNVERSIONED, None, layer,
                      "links" if layer else None, None, "gold")


def documents_from_records(items) -> dict[str, Document]:
    """Documents in memory: ``{doc_id: text}`` or records ``{"doc_id", "text"}``, checked as file lines are."""
    decoder = msgspec.json.Decoder(DocumentRecord)
    pairs = items.items() if isinstance(items, Mapping) else None
    documents: dict[str, Document] = {}
    ids = DocIds()
    rows = ({"doc_id": k, "text": v} for k, v in pairs) if pairs is not None else iter(items)
    for index, item in enumerate(rows):
        where = f"docs[{index}]"
        try:
            record = decode_one(to_json(builtin(item, "docs")), decoder, explain_document)
        except InputError as exc:
            raise InputError(f"{where}: {exc.message}") from None
        problem = ids.clash(record.doc_id) or text_problem(record.text)
        if problem:
            raise InputError(f"{where}: {problem}")
        documents[record.doc_id] = Document(record.doc_id, record.text)
    if not documents:
        raise InputError("docs: no documents given")
    return documents
