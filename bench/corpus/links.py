"""The links file format (``links.json``, gold/GUIDELINES.md section 11.3): clusters of claims and conflicts."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ..exceptions import InputError
from ..jsonio import decode_file
from ..records import ClaimRef, Links
from .gold import LINKS_FILE, beside
from .paths import display


class _RefRecord(msgspec.Struct, forbid_unknown_fields=True):
    doc_id: str
    id: str


class _ClusterRecord(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    claims: list[_RefRecord]


class _ConflictRecord(msgspec.Struct, forbid_unknown_fields=True):
    a: str | _RefRecord
    b: str | _RefRecord
    why: str = ""


class LinksRecord(msgspec.Struct, forbid_unknown_fields=True):
    clusters: list[_ClusterRecord]
    conflicts: list[_ConflictRecord]


LINKS_DECODER = msgspec.json.Decoder(LinksRecord)


def links_from_record(record: LinksRecord) -> tuple[Links, list[str]]:
    """The link layer of a decoded links file, and its structural problems (ids, membership)."""
    links = Links()
    problems: list[str] = []
    owner: dict[ClaimRef, str] = {}
    for cluster in record.clusters:
        refs = [ClaimRef(r.doc_id, r.id) for r in cluster.claims]
        if cluster.id in links.clusters:
            problems.append(f'duplicate cluster id "{cluster.id}"')
        if len(set(refs)) < 2:
            problems.append(f'cluster "{cluster.id}" needs at least two different claims')
        elif len(set(refs)) < len(refs):
            twice = next(r for k, r in enumerate(refs) if r in refs[:k])
            problems.append(f'cluster "{cluster.id}" lists claim {twice.doc_id}/{twice.id} twice')
        for ref in refs:
            if ref in owner and owner[ref] != cluster.id:
                problems.append(f'claim {ref.doc_id}/{ref.id} is in clusters "{owner[ref]}" and "{cluster.id}"')
            owner[ref] = cluster.id
        links.clusters[cluster.id] = list(dict.fromkeys(refs))
    for k, conflict in enumerate(record.conflicts):
        sides = []
        for name in ("a", "b"):
            side = getattr(conflict, name)
            if isinstance(side, str):
                if side not in links.clusters:
                    problems.append(f'conflict #{k}: "{name}" names no cluster "{side}"')
                sides.append(side)
            else:
                ref = ClaimRef(side.doc_id, side.id)
                if ref in owner:
                    problems.append(f'conflict #{k}: claim {ref.doc_id}/{ref.id} is in cluster "{owner[ref]}": '
                                    "refer to the cluster")
                sides.append(ref)
        if len(sides) == 2 and sides[0] == sides[1]:
            problems.append(f"conflict #{k}: a side conflicts with itself")
        links.conflicts.append((sides[0], sides[1], conflict.why))
    return links, problems


def links_from_object(data: object, where: str) -> Links:
    """A link layer given in memory (a mapping in the format of links.json), checked as a file is."""
    try:
        record = msgspec.convert(data, LinksRecord)
    except msgspec.ValidationError as exc:
        raise InputError(f"{where}: does not fit the links format: {exc}") from None
    links, problems = links_from_record(record)
    if problems:
        raise InputError(f"{where}: {problems[0]}")
    return links


def read_links(gold_path: Path | str) -> tuple[Links | None, str | None]:
    """The gold link layer beside the gold (None if there is none), and where it is."""
    file = beside(gold_path, LINKS_FILE)
    if not file.is_file():
        return None, None
    record = decode_file(file, LINKS_DECODER)
    links, problems = links_from_record(record)
    if problems:
        raise InputError(problems[0], path=file)
    return links, display(file)
