"""Load a corpus, its documents and its gold layers, and check every rule the gold must keep.

One path for every command: ``bench run`` and ``bench score`` refuse exactly the gold that
``bench validate`` refuses, with the same words, because both go through ``read_corpus``.

Documents: a folder of ``<doc_id>.txt`` files, or a ``.jsonl`` of ``{"doc_id", "text"}``.
Gold: a folder of ``<doc_id>.json`` files, or one ``.jsonl`` with a document object a line,
each ``{"doc_id", "claims": [...], "quantities": [...]}`` (``quantities`` optional); beside
them ``claimants.json`` (aliases), ``links.json`` (the link layer) and ``VERSION``. Text is
UTF-8; offsets are code-point indices into the decoded text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from .claimants import ClaimantTable
from .records import ATTRIBUTIONS, AUTHOR, CLAIM_TYPES, FIXED_UNITS, Claim, ClaimRef, Corpus, Document, Links, Quantity
from .errors import InputError, show
from .jsonio import decode_file, decode_lines, decode_utf8, paused_gc, read_bytes, read_text
from .checks import claim_problem, explain, quantity_problem


def _data_root() -> Path:
    """Where the shipped ``gold/`` and ``seeds/`` are: inside the installed package, or the checkout."""
    package = Path(__file__).resolve().parent
    return package if (package / "gold").is_dir() else package.parent


DATA_ROOT = _data_root()
DEFAULT_GOLD = DATA_ROOT / "gold"
DEFAULT_DOCS = DATA_ROOT / "seeds"
CLAIMANTS_FILE = "claimants.json"
LINKS_FILE = "links.json"
VERSION_FILE = "VERSION"
UNVERSIONED = "unversioned"
_NOT_GOLD = frozenset({CLAIMANTS_FILE, LINKS_FILE})
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
# Reported at most this many problems by a command that refuses the gold (validate lists all).
SHOWN_PROBLEMS = 1


class DocumentRecord(msgspec.Struct, forbid_unknown_fields=True):
    doc_id: str
    text: str
    meta: dict | None = None


class GoldDocument(msgspec.Struct, forbid_unknown_fields=True):
    doc_id: str
    claims: list[Claim]
    quantities: list[Quantity] | None = None
    meta: dict | None = None


_DOCUMENT_KINDS = {"doc_id": str, "text": str, "meta": dict}
_GOLD_KINDS = {"doc_id": str, "claims": list, "quantities": list, "meta": dict}
_DOCUMENT_DECODER = msgspec.json.Decoder(DocumentRecord)
_GOLD_DECODER = msgspec.json.Decoder(GoldDocument)
_ANY = msgspec.json.Decoder()


def _explain_document(obj: object) -> str | None:
    return explain(obj, kinds=_DOCUMENT_KINDS, required=("doc_id", "text"))


def _explain_gold(obj: object) -> str | None:
    problem = explain(obj, kinds=_GOLD_KINDS, required=("doc_id", "claims"))
    if problem or not isinstance(obj, dict):
        return problem
    for layer, record_type in (("claims", Claim), ("quantities", Quantity)):
        for index, item in enumerate(obj.get(layer) or ()):
            problem = explain(item, record_type)
            if problem:
                return f"{_singular(layer)} {label(item, index)}: {problem}"
    return None


def _singular(layer: str) -> str:
    return "claim" if layer == "claims" else "quantity"


def label(item: object, index: int) -> str:
    """How messages name a record: its id, else its position in the list."""
    return item["id"] if isinstance(item, dict) and isinstance(item.get("id"), str) else f"#{index}"


# ---------------------------------------------------------------- paths

def recorded_path(path: Path | str) -> str:
    """How a run records a path: relative to the data root when inside it, so runs move with a clone."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(DATA_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def resolve_recorded(path: str) -> Path:
    """The path a run recorded, as a path on this machine."""
    return Path(path) if Path(path).is_absolute() else DATA_ROOT / path


def _require(path: Path | str, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} not found", path=path)
    return path


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def nfc_hint(name: str, known) -> str:
    """A hint when ``name`` equals a known name once both are NFC-normalised (for messages: it scans ``known``)."""
    target = unicodedata.normalize("NFC", name)
    for other in known:
        if other != name and unicodedata.normalize("NFC", other) == target:
            return f' (it differs from "{other}" only by Unicode normalisation: write both in NFC)'
    return ""


class _Ids:
    """doc_ids seen so far, and their NFC forms, so a near-duplicate is found in constant time."""

    def __init__(self):
        self.forms: dict[str, str] = {}

    def clash(self, doc_id: str) -> str | None:
        """A message when ``doc_id`` is empty or repeats one seen, exactly or up to Unicode normalisation."""
        if not doc_id.strip():
            return f"doc_id {show(doc_id)} is empty"
        form = unicodedata.normalize("NFC", doc_id) if not doc_id.isascii() else doc_id
        other = self.forms.get(form)
        if other is None:
            self.forms[form] = doc_id
            return None
        if other == doc_id:
            return f'duplicate doc_id "{doc_id}"'
        return f'duplicate doc_id "{doc_id}" (it differs from "{other}" only by Unicode normalisation: write both in NFC)'



# ---------------------------------------------------------------- documents

BOM = "\ufeff"


def load_documents(path: Path | str = DEFAULT_DOCS) -> dict[str, Document]:
    path = _require(path, "documents")
    documents: dict[str, Document] = {}
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise InputError("no .txt documents in this folder", path=path)
        ids = _Ids()
        for file in files:
            doc_id = file.stem
            clash = ids.clash(doc_id)
            if clash:
                raise InputError(clash, path=file)
            text = read_text(file)
            if text.startswith(BOM):
                raise InputError(f"starts with a byte-order mark (U+FEFF), which offsets would count as the first "
                                 "character; save the document as UTF-8 without it", path=file, line=1)
            documents[doc_id] = Document(doc_id, text)
        return documents
    records, numbers = decode_lines(path, _DOCUMENT_DECODER, _explain_document)
    ids = _Ids()
    for index, record in enumerate(records):
        clash = ids.clash(record.doc_id)
        if clash:
            raise InputError(clash, path=path, line=index + 1 if numbers is None else numbers[index])
        documents[record.doc_id] = Document(record.doc_id, record.text)
    if not documents:
        raise InputError("no documents in this file", path=path)
    return documents


# ---------------------------------------------------------------- gold files

@dataclass(slots=True)
class GoldEntry:
    """One gold document as read: where it came from, and its record (None if unreadable)."""

    where: str
    record: GoldDocument | None
    problems: list[str] = field(default_factory=list)


def _gold_files(path: Path) -> list[Path]:
    return [f for f in sorted(path.glob("*.json")) if f.name not in _NOT_GOLD]


def read_gold(path: Path | str) -> list[GoldEntry]:
    """Every gold document of a folder or a JSONL file. Files that do not decode become problems."""
    path = _require(path, "gold")
    entries: list[GoldEntry] = []
    if path.is_dir():
        files = _gold_files(path)
        if not files:
            raise InputError("no gold documents (<doc_id>.json) in this folder", path=path)
        for file in files:
            where = _display(file)
            try:
                entries.append(GoldEntry(where, decode_file(file, _GOLD_DECODER, _explain_gold)))
            except InputError as exc:
                entries.append(GoldEntry(where if exc.line is None else f"{where}:{exc.line}", None, [exc.message]))
        return entries
    where = _display(path)
    try:
        records, numbers = decode_lines(path, _GOLD_DECODER, _explain_gold)
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
    from .jsonio import decode_one, split_lines

    lines, numbers = split_lines(read_bytes(path))
    entries = []
    for index, raw in enumerate(lines):
        at = f"{where}:{index + 1 if numbers is None else numbers[index]}"
        try:
            entries.append(GoldEntry(at, decode_one(raw, _GOLD_DECODER, _explain_gold)))
        except InputError as exc:
            entries.append(GoldEntry(at, None, [exc.message]))
    return entries


def load_gold(path: Path | str) -> dict[str, list[Claim]]:
    """Gold-format claims by doc_id, read with their structure checked only: for annotation files
    and other claim lists that are not a corpus (``read_corpus`` checks a corpus's rules)."""
    gold: dict[str, list[Claim]] = {}
    for entry in read_gold(path):
        if entry.record is None:
            raise InputError(f"{entry.where}: {entry.problems[0]}")
        doc_id = entry.record.doc_id
        gold[doc_id] = [c if c.doc_id == doc_id else msgspec.structs.replace(c, doc_id=doc_id)
                        for c in entry.record.claims]
    return gold


def read_version(gold_path: Path | str) -> tuple[str, str | None]:
    """(version, problem): the gold's VERSION, one line of letters, digits and . _ + -."""
    path = Path(gold_path)
    file = (path if path.is_dir() else path.parent) / VERSION_FILE
    if not file.is_file():
        return UNVERSIONED, None
    try:
        text = decode_utf8(read_bytes(file), file).strip()
    except InputError as exc:
        return UNVERSIONED, str(exc)
    if not _VERSION.fullmatch(text):
        what = "is empty" if not text else f"must be one short line of letters, digits and . _ + - (got {show(text, 30)})"
        return UNVERSIONED, f"{_display(file)}: the version {what}"
    return text, None


def load_claimants(gold_path: Path | str = DEFAULT_GOLD) -> dict[str, list[str]]:
    """Canonical claimant -> aliases, from ``claimants.json`` beside the gold (empty if absent)."""
    gold_path = Path(gold_path)
    file = (gold_path if gold_path.is_dir() else gold_path.parent) / CLAIMANTS_FILE
    if not file.exists():
        return {}
    data = decode_file(file, msgspec.json.Decoder(dict[str, list[str]]),
                       lambda obj: "expected an object mapping each claimant to a list of aliases")
    if AUTHOR in data:
        raise InputError(f'"{AUTHOR}" is reserved for the article\'s own voice', path=file)
    try:
        ClaimantTable(data)
    except ValueError as exc:
        raise InputError(str(exc), path=file) from None
    return data


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


def read_links(gold_path: Path | str) -> tuple[Links | None, str | None]:
    """The gold link layer beside the gold (None if there is none), and where it is."""
    gold_path = Path(gold_path)
    file = (gold_path if gold_path.is_dir() else gold_path.parent) / LINKS_FILE
    if not file.is_file():
        return None, None
    record = decode_file(file, LINKS_DECODER)
    links, problems = links_from_record(record)
    if problems:
        raise InputError(problems[0], path=file)
    return links, _display(file)


# ---------------------------------------------------------------- checks

def _claimant_key(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def gold_claim_problems(claim: Claim, text: str, canonical: set[str] | None) -> list[str]:
    """Every rule a gold claim must keep (guidelines sections 4, 6, 7, 9)."""
    problems = []
    problem = claim_problem(claim, text, free_text=False)
    if problem:
        problems.append(problem)
    elif claim.text is None:
        problems.append('missing field "text"')
    elif claim.text != claim.text.strip():
        problems.append(f"span {claim.start}-{claim.end} starts or ends with whitespace")
    if claim.attribution is None:
        problems.append('missing field "attribution"')
    if claim.claimant is None:
        problems.append('missing field "claimant"')
    elif canonical is not None and claim.claimant != AUTHOR and _claimant_key(claim.claimant) not in canonical:
        problems.append(f'claimant "{claim.claimant}" is not a canonical name in {CLAIMANTS_FILE} nor "{AUTHOR}"')
    if claim.claimant is not None and claim.attribution is not None:
        if (claim.claimant == AUTHOR) != (claim.attribution == AUTHOR):
            problems.append(f'claimant "{AUTHOR}" goes with attribution "{AUTHOR}" and only with it')
    return problems


_TYPES, _FORMS = frozenset(CLAIM_TYPES), frozenset(ATTRIBUTIONS)


def _clean(c: Claim, text: str, canonical: set[str] | None) -> bool:
    """The common case of ``gold_claim_problems`` in one expression: True means no problem at all."""
    span = c.text
    return (c.type in _TYPES and c.attribution in _FORMS and c.claimant is not None and span is not None
            and c.start is not None and c.end is not None and 0 <= c.start < c.end <= len(text)
            and text[c.start:c.end] == span and not span[0].isspace() and not span[-1].isspace()
            and (c.claimant == AUTHOR) == (c.attribution == AUTHOR)
            and (canonical is None or c.claimant == AUTHOR or c.claimant in canonical
                 or _claimant_key(c.claimant) in canonical))


def gold_quantity_problems(q: Quantity, text: str, claims: dict[str, Claim]) -> list[str]:
    """Every rule a gold quantity mention must keep (guidelines section 10)."""
    problems = []
    problem = quantity_problem(q, text)
    if problem:
        problems.append(problem)
    elif q.text is None:
        problems.append('missing field "text"')
    if q.unit is None:
        problems.append('missing field "unit"')
    elif q.unit not in FIXED_UNITS and not q.unit.replace("-", "").replace(" ", "").isalpha():
        problems.append(f'unit {show(q.unit)} is not {", ".join(FIXED_UNITS)}, a currency code or a unit word')
    if q.counted is None:
        problems.append('missing field "counted"')
    elif q.counted not in text:
        problems.append(f"counted phrase {show(q.counted)} does not occur in the document")
    if q.claim is not None:
        holder = claims.get(q.claim)
        if holder is None:
            problems.append(f'claim "{q.claim}" does not exist')
        elif not (holder.start <= q.start and q.end <= holder.end):
            problems.append(f'claim "{q.claim}" does not contain the mention')
    return problems


def _check_ids(records, prefix: str, problems: list[str]) -> None:
    seen = Counter(r.id for r in records if r.id is not None)
    for index, r in enumerate(records):
        if r.id is None:
            problems.append(f'{prefix} #{index}: missing field "id"')
    for name, count in seen.items():
        if count > 1:
            problems.append(f'{prefix} {name}: duplicate id "{name}"')


@dataclass(slots=True)
class CorpusCheck:
    """The corpus as read and every problem found, one line each."""

    corpus: Corpus
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    n_quantities: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@paused_gc()
def read_corpus(gold: Path | str = DEFAULT_GOLD, docs: Path | str = DEFAULT_DOCS) -> CorpusCheck:
    """Read documents and gold and check every rule; unreadable paths raise ``InputError``."""
    gold_path, docs_path = Path(gold), Path(docs)
    documents = load_documents(docs_path)
    entries = read_gold(gold_path)
    claimants = load_claimants(gold_path)
    canonical = {_claimant_key(name) for name in claimants} if claimants else None
    version, version_problem = read_version(gold_path)
    problems: list[str] = [version_problem] if version_problem else []
    gold: dict[str, list[Claim]] = {}
    quantities: dict[str, list[Quantity]] = {}
    with_layer: list[str] = []
    counts: Counter = Counter()
    for entry in entries:
        problems.extend(f"{entry.where}: {p}" for p in entry.problems)
        record = entry.record
        if record is None:
            continue
        doc_id = record.doc_id
        if doc_id in gold:
            problems.append(f'{entry.where}: duplicate gold for doc_id "{doc_id}"')
            continue
        document = documents.get(doc_id)
        if document is None:
            problems.append(f'{entry.where}: unknown doc_id "{doc_id}" (no such document in '
                            f'{_display(docs_path)}){nfc_hint(doc_id, documents)}')
            continue
        claims = [c if c.doc_id == doc_id else msgspec.structs.replace(c, doc_id=doc_id) for c in record.claims]
        stray = next((c.doc_id for c in record.claims if c.doc_id not in (None, doc_id)), None)
        if stray is not None:
            problems.append(f'{entry.where}: a claim names doc_id "{stray}" in the gold of "{doc_id}"')
        before = len(problems)
        _check_ids(claims, f"{entry.where}: claim", problems)
        text = document.text
        for index, claim in enumerate(claims):
            if _clean(claim, text, canonical):
                continue
            found = gold_claim_problems(claim, text, canonical)
            if found:
                name = claim.id if claim.id is not None else f"#{index}"
                problems.extend(f"{entry.where}: claim {name}: {p}" for p in found)
        if record.quantities is not None:
            with_layer.append(doc_id)
            by_id = {c.id: c for c in claims if c.id is not None and c.start is not None}
            mentions = [q if q.doc_id == doc_id else msgspec.structs.replace(q, doc_id=doc_id)
                        for q in record.quantities]
            _check_ids(mentions, f"{entry.where}: quantity", problems)
            for index, q in enumerate(mentions):
                found = gold_quantity_problems(q, text, by_id)
                name = q.id if q.id is not None else f"#{index}"
                problems.extend(f"{entry.where}: quantity {name}: {p}" for p in found)
            quantities[doc_id] = mentions
        gold[doc_id] = claims
        if len(problems) == before:
            counts.update(c.type for c in claims)
    for doc_id in sorted(set(documents) - set(gold)):
        problems.append(f'{_display(gold_path)}: no gold for document "{doc_id}" (every document needs gold, '
                        "even an empty claim list)")
    if with_layer and len(with_layer) != len(gold):
        missing = sorted(set(gold) - set(with_layer))
        problems.append(f'{_display(gold_path)}: the quantity layer is missing for "{missing[0]}" '
                        f"({len(missing)} of {len(gold)} documents): give every document a quantities list")
    links, links_where = None, None
    try:
        links, links_where = read_links(gold_path)
    except InputError as exc:
        problems.append(str(exc))
    if links is not None:
        known = {ClaimRef(c.doc_id, c.id) for claims in gold.values() for c in claims if c.id is not None}
        refs = [r for refs in links.clusters.values() for r in refs]
        refs += [side for a, b, _ in links.conflicts for side in (a, b) if isinstance(side, ClaimRef)]
        for ref in dict.fromkeys(refs):
            if ref not in known and ref.doc_id not in set(documents) - set(gold):  # no gold at all: said above
                problems.append(f"{links_where}: claim {ref.doc_id}/{ref.id} is not a gold claim")
    corpus = Corpus(documents=documents, gold=gold, claimants=claimants,
                    quantities=quantities if with_layer else None, links=links, version=version)
    return CorpusCheck(corpus, problems, counts, sum(map(len, quantities.values())))


def load_corpus(*, gold: Path | str = DEFAULT_GOLD, docs: Path | str = DEFAULT_DOCS) -> Corpus:
    """The corpus, or an ``InputError`` with the first problem ``bench validate`` would list."""
    check = read_corpus(gold, docs)
    if check.problems:
        more = len(check.problems) - SHOWN_PROBLEMS
        tail = f" (and {more} more problem{'s' if more > 1 else ''}; run bench validate)" if more > 0 else ""
        raise InputError(f"invalid gold: {check.problems[0]}{tail}")
    return check.corpus


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
