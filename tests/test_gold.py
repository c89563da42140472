"""The gold's documentation matches the data: counts and agreement are recomputed here."""

import re

from conftest import GOLD, SEEDS

from bench.claims import CLAIM_TYPES
from bench.corpus import load_corpus, load_gold
from bench.scoring import score

README = (GOLD / "README.md").read_text(encoding="utf-8")


def _row(label: str) -> list[str]:
    line = next(l for l in README.splitlines() if l.startswith(f"| {label}"))
    return [cell.strip().strip("*") for cell in line.strip("|").split("|")][1:]


def test_counts_in_readme_match_the_gold():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    for doc_id, claims in corpus.gold.items():
        expected = [str(sum(c.type == t for c in claims)) for t in CLAIM_TYPES] + [str(len(claims))]
        assert _row(f"`{doc_id}`") == expected


def test_agreement_in_readme_is_what_the_scorer_gives():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    a = load_gold(GOLD / "annotations" / "annotator_a.jsonl")
    b = load_gold(GOLD / "annotations" / "annotator_b.jsonl")
    for scheme, label in [("detection", "detection F1"), ("lenient", "typed F1"), ("strict", "strict F1")]:
        result = score(gold=a, predictions=b, documents=corpus.documents, scheme=scheme)
        expected = [f"{result.per_type[t].f1:.3f}" for t in CLAIM_TYPES] + [f"{result.micro.f1:.3f}"]
        assert _row(label) == expected, scheme


def test_adjudicated_gold_is_close_to_each_annotator():
    """Adjudication resolved disagreements; it did not relabel what both annotators agreed on."""
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    for name in ("annotator_a", "annotator_b"):
        annotation = load_gold(GOLD / "annotations" / f"{name}.jsonl")
        result = score(gold=corpus.gold, predictions=annotation, documents=corpus.documents, scheme="lenient")
        assert result.micro.f1 >= 0.9, name


def test_version_is_stated_in_readme():
    version = (GOLD / "VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"**Version {version}**" in README
