"""Check a gold corpus claim by claim and report every problem, not just the first."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .claims import AUTHOR, Claim, Document
from .corpus import CLAIMANTS_FILE, claim_label, gold_fields, iter_jsonl, load_claimants, load_documents, read_text
from .errors import InputError
from .records import claim_from_record, span_problem


@dataclass(slots=True)
class Report:
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    documents: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _gold_sources(path: Path) -> list[tuple[str, object]]:
    """(where, decoded document object) for each gold document; unreadable JSON is a problem line."""
    if path.is_dir():
        sources = []
        for file in sorted(path.glob("*.json")):
            if file.name == CLAIMANTS_FILE:
                continue
            try:
                sources.append((_display(file), json.loads(read_text(file))))
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=_display(file), line=exc.lineno) from None
        return sources
    return [(f"{_display(path)}:{number}", record) for number, record in iter_jsonl(path)]


def _claimant_key(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def check_claims(where: str, doc_id: str, records: list, documents: dict[str, Document],
                 canonical: set[str] | None) -> tuple[list[str], list[Claim]]:
    problems: list[str] = []
    claims: list[Claim] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        prefix = f"{where}: claim {claim_label(record, index)}"
        try:
            claim = claim_from_record(record, doc_id=doc_id)
        except InputError as exc:
            problems.append(f"{prefix}: {exc.message}")
            continue
        if claim.id is None:
            problems.append(f'{prefix}: missing field "id"')
        elif claim.id in seen:
            problems.append(f'{prefix}: duplicate id "{claim.id}"')
        else:
            seen.add(claim.id)
        if claim.text is None:
            problems.append(f'{prefix}: missing field "text"')
        problem = span_problem(claim, documents)
        if problem:
            problems.append(f"{prefix}: {problem}")
        elif claim.text is not None and claim.text != claim.text.strip():
            problems.append(f"{prefix}: span {claim.start}-{claim.end} starts or ends with whitespace")
        if claim.attribution is None:
            problems.append(f'{prefix}: missing field "attribution"')
        if claim.claimant is None:
            problems.append(f'{prefix}: missing field "claimant"')
        elif canonical is not None and claim.claimant != AUTHOR and _claimant_key(claim.claimant) not in canonical:
            problems.append(f'{prefix}: claimant "{claim.claimant}" is not a canonical name in {CLAIMANTS_FILE} nor "{AUTHOR}"')
        if claim.claimant is not None and claim.attribution is not None:
            if (claim.claimant == AUTHOR) != (claim.attribution == AUTHOR):
                problems.append(f'{prefix}: claimant "{AUTHOR}" goes with attribution "{AUTHOR}" and only with it')
        claims.append(claim)
    return problems, claims


def validate(gold_path: Path | str, docs_path: Path | str) -> Report:
    """Every problem in a gold corpus, one line each. Unreadable input still raises InputError."""
    gold_path, docs_path = Path(gold_path), Path(docs_path)
    documents = load_documents(docs_path)
    if not gold_path.exists():
        raise InputError("gold not found", path=gold_path)
    claimants = load_claimants(gold_path)
    canonical = {_claimant_key(name) for name in claimants} if claimants else None
    report = Report()
    covered: set[str] = set()
    for where, record in _gold_sources(gold_path):
        try:
            doc_id, records = gold_fields(record)
        except InputError as exc:
            report.problems.append(f"{where}: {exc.message}")
            continue
        if doc_id in covered:
            report.problems.append(f'{where}: duplicate gold for doc_id "{doc_id}"')
        covered.add(doc_id)
        if doc_id not in documents:
            report.problems.append(f'{where}: unknown doc_id "{doc_id}" (no such document in {_display(docs_path)})')
            continue
        problems, claims = check_claims(where, doc_id, records, documents, canonical)
        report.problems.extend(problems)
        report.counts.update(claim.type for claim in claims)
        report.documents += 1
    for doc_id in sorted(set(documents) - covered):
        report.problems.append(f'{_display(gold_path)}: no gold for document "{doc_id}"')
    return report
