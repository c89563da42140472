"""Documents: a folder of ``<doc_id>.txt`` files, or a ``.jsonl`` of ``{"doc_id", "text"}``.

Text is UTF-8 and offsets are code-point indices into the decoded text, so a byte-order
mark (which would count as a character) is refused, and doc_ids that differ only by Unicode
normalisation are refused with a hint.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import msgspec

from ..checks import explain
from ..exceptions import InputError, show
from ..jsonio import decode_lines, read_text
from ..records import Document
from .paths import DEFAULT_DOCS, require

BOM = "\ufeff"


class DocumentRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    doc_id: str
    text: str
    meta: dict | None = None


DOCUMENT_KINDS = {"doc_id": str, "text": str, "meta": dict}
_DOCUMENT_DECODER = msgspec.json.Decoder(DocumentRecord)


def explain_document(obj: object) -> str | None:
    return explain(obj, kinds=DOCUMENT_KINDS, required=("doc_id", "text"))


def nfc_hint(name: str, known) -> str:
    """A hint when ``name`` equals a known name once both are NFC-normalised (for messages: it scans ``known``)."""
    target = unicodedata.normalize("NFC", name)
    for other in known:
        if other != name and unicodedata.normalize("NFC", other) == target:
            return f' (it differs from "{other}" only by Unicode normalisation: write both in NFC)'
    return ""


class DocIds:
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


def text_problem(text: str) -> str | None:
    if text.startswith(BOM):
        return ("starts with a byte-order mark (U+FEFF), which offsets would count as the first character; "
                "save the document as UTF-8 without it")
    return None


def load_documents(path: Path | str = DEFAULT_DOCS) -> dict[str, Document]:
    path = require(path, "documents")
    documents: dict[str, Document] = {}
    ids = DocIds()
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise InputError("no .txt documents in this folder", path=path)
        for file in files:
            doc_id = file.stem
            clash = ids.clash(doc_id)
            if clash:
                raise InputError(clash, path=file)
            text = read_text(file)
            problem = text_problem(text)
            if problem:
                raise InputError(problem, path=file, line=1)
            documents[doc_id] = Document(doc_id, text)
        return documents
    records, numbers = decode_lines(path, _DOCUMENT_DECODER, explain_document)
    for index, record in enumerate(records):
        line = index + 1 if numbers is None else numbers[index]
        problem = ids.clash(record.doc_id) or text_problem(record.text)
        if problem:
            raise InputError(problem, path=path, line=line)
        documents[record.doc_id] = Document(record.doc_id, record.text)
    if not documents:
        raise InputError("no documents in this file", path=path)
    return documents
