"""The gold's documentation matches the data: counts and agreement are recomputed here."""

import re

import json

import msgspec
import pytest
from conftest import GOLD, ROOT, SEEDS

from bench import coref
from bench.records import CLAIM_TYPES, ClaimRef, Quantity
from bench.corpus import load_corpus, load_gold
from bench.corpus.links import LINKS_DECODER, links_from_record
from bench.pipeline import make_config
from bench.scoring import score
from bench.tasks import get_task

DATA = ROOT / "tests" / "data"

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


def _cells(line_start: str) -> list[str]:
    line = next(l for l in README.splitlines() if l.startswith(line_start))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _layer(path, doc_ids) -> list[Quantity]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [Quantity(**q, doc_id=row["doc_id"]) for row in rows if row["doc_id"] in doc_ids for q in row["quantities"]]


@pytest.mark.parametrize("label, folder, annotations", [
    ("seeds", None, GOLD / "annotations"),
    ("`tests/data/heldout`", DATA / "heldout", GOLD / "annotations"),
    ("`tests/data/figures`", DATA / "figures", DATA / "figures" / "annotations"),
])
def test_quantity_agreement_in_readme_is_what_the_scorer_gives(label, folder, annotations):
    corpus = load_corpus(gold=GOLD, docs=SEEDS) if folder is None else load_corpus(gold=folder / "gold",
                                                                                     docs=folder / "docs")
    task, config = get_task("quantities"), make_config(task="quantities", n_bootstrap=0)
    a = _layer(annotations / "quantities_a.jsonl", set(corpus.doc_ids))
    b = _layer(annotations / "quantities_b.jsonl", set(corpus.doc_ids))
    assert a and b
    corpus.quantities = {d: [q for q in a if q.doc_id == d] for d in corpus.doc_ids}
    entry = msgspec.to_builtins(task.score(corpus, task.from_objects(b, corpus, config), config).scores["lenient"])
    accuracy = entry["accuracy"]
    expected = [label, str(len(a)), *(f"{v:.3f}" for v in (entry["mention"]["f1"], accuracy["value_exact"],
                                                              accuracy["approximate"], accuracy["unit"],
                                                              accuracy["counted"]))]
    assert _cells(f"| {label} |") == expected


def test_adjudicated_quantities_are_annotator_a_with_its_rulings():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    a = _layer(GOLD / "annotations" / "quantities_a.jsonl", set(corpus.doc_ids))
    gold = [q for d in corpus.doc_ids for q in corpus.quantities[d]]
    assert [(q.doc_id, q.start, q.end, q.low, q.high, q.unit, q.counted) for q in gold] == \
        [(q.doc_id, q.start, q.end, q.low, q.high, q.unit, q.counted) for q in a]


def _links(path):
    links, problems = links_from_record(LINKS_DECODER.decode(path.read_bytes()))
    assert not problems
    return links


def _link_agreement(key, response, mentions, singletons: bool) -> list[str]:
    pk, pr = key.conflict_pairs(), response.conflict_pairs()
    conflict_f1 = 2 * len(pk & pr) / (len(pk) + len(pr))
    found = coref.evaluate(coref.clustering(list(key.clusters.values()), mentions, singletons=singletons),
                           coref.clustering(list(response.clusters.values()), mentions, singletons=singletons))
    return [*(f"{found[m]['f1']:.3f}" for m in ("muc", "b3", "ceafe", "lea", "conll")), f"{conflict_f1:.3f}"]


def test_link_agreement_in_readme_is_what_the_metrics_give():
    import subprocess

    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    mentions = [ClaimRef(d, c.id) for d in corpus.doc_ids for c in corpus.gold[d]]
    a, b = _links(GOLD / "annotations" / "links_a.json"), _links(GOLD / "annotations" / "links_b.json")
    gold = corpus.links
    shown = subprocess.run(["git", "show", "ecd81d5:gold/links.json"], capture_output=True, cwd=ROOT)
    rows = [("B against A, with singletons", a, b, True), ("B against A, without singletons", a, b, False),
            ("gold against A, with singletons", a, gold, True), ("gold against B, with singletons", b, gold, True)]
    if shown.returncode == 0:  # the 1.1.0 layer, from the history (a clone without it skips these rows)
        old = links_from_record(LINKS_DECODER.decode(shown.stdout))[0]
        rows += [("gold 1.1.0 against the gold, with singletons", gold, old, True),
                 ("gold 1.1.0 against the gold, without singletons", gold, old, False)]
    for label, key, response, singletons in rows:
        assert _cells(f"| {label} |") == [label, *_link_agreement(key, response, mentions, singletons)]
    assert len(gold.clusters) == 14 and sum(map(len, gold.clusters.values())) == 34 and len(gold.conflicts) == 1
    assert {frozenset(refs) for refs in gold.clusters.values()} == {frozenset(refs) for refs in a.clusters.values()}


@pytest.mark.parametrize("name", ["heldout", "figures"])
def test_test_corpus_readme_counts_match_its_gold(name):
    folder = DATA / name
    corpus = load_corpus(gold=folder / "gold", docs=folder / "docs")
    text = (folder / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[1].isdigit():
            rows[cells[0]] = cells[1:]
    for doc_id in corpus.doc_ids:
        words = len(corpus.documents[doc_id].text.split())
        assert rows[doc_id] == [str(words), str(len(corpus.gold[doc_id])), str(len(corpus.quantities[doc_id]))]
    assert rows["total"] == [str(sum(int(r[k]) for d, r in rows.items() if d != "total")) for k in range(3)]


DEV = GOLD / "dev"


def _dev_cells(prefix: str) -> list[str]:
    line = next(line for line in (DEV / "README.md").read_text(encoding="utf-8").splitlines()
                if line.startswith(prefix))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _dev_annotation(who: str, documents: dict):
    rows = [json.loads(line) for line in (DEV / "annotations" / f"annotator_{who}.jsonl").read_text().splitlines()]
    return load_corpus(gold=rows, docs=documents)


def test_dev_corpus_readme_counts_and_agreement_are_what_the_files_give():
    documents = {}
    for split in ("train", "test"):
        corpus = load_corpus(gold=DEV / split / "gold", docs=DEV / split / "docs")
        documents |= {d: doc.text for d, doc in corpus.documents.items()}
        counts = [sum(c.type == t for claims in corpus.gold.values() for c in claims) for t in CLAIM_TYPES]
        assert _dev_cells(f"| {split} |") == [split, str(len(corpus.documents)), *map(str, counts), str(sum(counts)),
                                              str(sum(map(len, corpus.quantities.values())))]
    a, b = _dev_annotation("a", documents), _dev_annotation("b", documents)
    claimants = json.loads((DEV / "annotations" / "claimants_a.json").read_text(encoding="utf-8"))
    for label, scheme in (("detection F1", "detection"), ("typed F1", "lenient"), ("strict F1", "strict")):
        result = score(gold=a.gold, predictions=b.gold, documents=a.documents, scheme=scheme, claimants=claimants)
        expected = [f"{result.per_type[t].f1:.3f}" for t in CLAIM_TYPES] + [f"{result.micro.f1:.3f}"]
        assert _dev_cells(f"| {label}")[1:] == expected, label
    text = (DEV / "README.md").read_text(encoding="utf-8")
    attribution = result.attribution
    assert f"attribution form agreed on {attribution['attribution_accuracy']:.3f}" in text
    assert f"claimants agreed on\n{attribution['claimant_accuracy']:.3f}" in text or \
        f"claimants agreed on {attribution['claimant_accuracy']:.3f}" in text
    task, config = get_task("quantities"), make_config(task="quantities", n_bootstrap=0)
    entry = msgspec.to_builtins(task.score(a, task.from_objects([q for d in b.doc_ids for q in b.quantities[d]], a,
                                                                config), config).scores["lenient"])
    assert f"mention F1\n{entry['mention']['f1']:.3f}" in text or f"mention F1 {entry['mention']['f1']:.3f}" in text
    assert len([c for cs in a.gold.values() for c in cs]) == 943 and len([c for cs in b.gold.values() for c in cs]) == 958
