import json

import pytest
from conftest import GOLD, SEEDS

from bench.records import CLAIM_TYPES
from bench.corpus import load_claimants, load_corpus, load_documents, load_gold, to_hf_dataset
from bench.exceptions import InputError


def test_repo_corpus_loads_with_exact_spans():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    assert corpus.doc_ids == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert set(corpus.gold) == set(corpus.documents)
    for doc_id, claims in corpus.gold.items():
        text = corpus.documents[doc_id].text
        assert claims, doc_id
        for claim in claims:
            assert text[claim.start:claim.end] == claim.text


def test_every_type_has_support_and_claimants_resolve():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    types = {c.type for claims in corpus.gold.values() for c in claims}
    assert types == set(CLAIM_TYPES)
    names = {c.claimant for claims in corpus.gold.values() for c in claims}
    assert names - {"author"} <= set(load_claimants(GOLD))


def test_documents_and_gold_from_jsonl(tmp_path):
    docs = load_documents(SEEDS)
    gold = load_gold(GOLD)
    docs_file = tmp_path / "docs.jsonl"
    docs_file.write_text("".join(json.dumps({"doc_id": d, "text": doc.text}) + "\n" for d, doc in docs.items()))
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("".join(json.dumps({"doc_id": d, "claims": [c.to_dict() for c in cs]}) + "\n" for d, cs in gold.items()))
    assert load_documents(docs_file) == docs
    reread = load_gold(gold_file)
    assert {d: [c.to_dict() for c in cs] for d, cs in reread.items()} == {d: [c.to_dict() for c in cs] for d, cs in gold.items()}


@pytest.mark.parametrize("content, message", [
    ('{"doc_id": "a", "text": "x"}\n{"doc_id": "a", "text": "y"}\n', 'docs.jsonl:2: duplicate doc_id "a"'),
    ('{"doc_id": "a"}\n', 'docs.jsonl:1: missing field "text"'),
    ('{"doc_id": " ", "text": "x"}\n', 'docs.jsonl:1: doc_id " " is empty'),
    ('{"doc_id": "a", "text": "x", "txet": 1}\n', 'docs.jsonl:1: unknown field "txet" (did you mean "text"?)'),
    ('{"doc_id": "a", "text": "x"\n', "docs.jsonl:1: invalid JSON"),
    ("", "docs.jsonl: no documents in this file"),
])
def test_bad_documents_file(tmp_path, content, message):
    path = tmp_path / "docs.jsonl"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value).startswith(str(tmp_path / message.split(":")[0]) + message[len(message.split(":")[0]):])


def test_a_document_with_a_byte_order_mark_is_refused(tmp_path, capsys):
    from bench.cli import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "d1.txt").write_bytes("\ufeffMariupol, May 16.".encode("utf-8"))
    with pytest.raises(InputError, match=r"d1\.txt:1: starts with a byte-order mark"):
        load_documents(docs)
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "d1.json").write_text('{"doc_id": "d1", "claims": [], "quantities": []}')
    assert main(["validate", "--gold", str(gold), "--docs", str(docs)]) == 2
    assert capsys.readouterr().err.startswith(f"bench: error: {docs / 'd1.txt'}:1: starts with a byte-order mark")


def test_hf_dataset_export_carries_every_layer_and_reads_back_the_same():
    pytest.importorskip("datasets")
    from bench.corpus.hashes import documents_sha256, layer_sha256

    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    dataset = to_hf_dataset(corpus)
    assert dataset.num_rows == len(corpus.documents)
    assert dataset.column_names == ["doc_id", "text", "claims", "quantities", "conflicts", "claimants", "gold_version"]
    assert "ClaimBench" in dataset.info.description and "bench.evaluate" in dataset.info.description  # the card
    row = dataset[0]
    first = corpus.gold[row["doc_id"]][0]
    assert row["claims"][0]["start"] == first.start and row["claims"][0]["type"] == first.type
    assert row["text"][first.start:first.end] == first.text
    again = load_corpus(gold=dataset)  # read back through the same checks as the files
    assert again.doc_ids == corpus.doc_ids and again.version == corpus.version
    for layer in ("claims", "quantities", "links"):
        assert layer_sha256(again, layer) == layer_sha256(corpus, layer), layer
    assert documents_sha256(again) == documents_sha256(corpus)
    assert again.claimants == corpus.claimants


def test_an_alias_naming_two_claimants_is_an_input_error(gold_copy):
    path = gold_copy / "gold" / "claimants.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    table["Vladimir Putin"].append("Pushilin")
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_claimants(gold_copy / "gold")
    assert str(info.value).startswith(f"{path}: claimant alias ")
    assert "Denis Pushilin" in str(info.value) and "Vladimir Putin" in str(info.value)


def test_jsonl_line_numbers_survive_blank_lines_and_every_line_is_valid_alone(tmp_path):
    import msgspec

    from bench.jsonio import decode_lines

    decoder = msgspec.json.Decoder()
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"b": 2}\n   \n{"c": [1, 2]}\n')
    assert decode_lines(path, decoder) == ([{"a": 1}, {"b": 2}, {"c": [1, 2]}], [1, 3, 5])
    path.write_text('{"a": 1}\n\n{"b": [1,\n2]}\n')  # valid as a stream, not line by line
    with pytest.raises(InputError, match=r"x.jsonl:3: invalid JSON"):
        decode_lines(path, decoder)
    path.write_text('{"a": 1} {"b": 2}\n')
    with pytest.raises(InputError, match=r"x.jsonl:1: invalid JSON: trailing characters"):
        decode_lines(path, decoder)


@pytest.mark.parametrize("slice_size", [1, 3, 1 << 20])
def test_the_documents_hash_is_the_json_hash_of_the_texts_taken_a_slice_at_a_time(monkeypatch, slice_size):
    """Hashed in slices (so no UTF-8 copy of a long text is kept with it), the same bytes as the whole."""
    import sys

    from bench.corpus import hashes
    from bench.jsonio import json_sha256
    from bench.records import Document

    monkeypatch.setattr(hashes, "TEXT_SLICE", slice_size)
    texts = {"b": 'quote " backslash \\ tab \t nul \x00 line\u2028sep é € 😀', "a": "", "é😀": "plain"}
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    corpus.documents = {doc_id: Document(doc_id, text) for doc_id, text in texts.items()}
    assert hashes.documents_sha256(corpus) == json_sha256(texts)
    seeds = load_corpus(gold=GOLD, docs=SEEDS)
    assert hashes.documents_sha256(seeds) == json_sha256({d: seeds.documents[d].text for d in seeds.doc_ids})
    made = "".join(["é € ", str(slice_size)] * 1000)  # made at run time: no UTF-8 form yet
    corpus.documents = {"long": Document("long", made)}
    size = sys.getsizeof(made)
    found = hashes.documents_sha256(corpus)
    assert sys.getsizeof(made) == size  # no UTF-8 copy kept with the text (encoding it whole keeps one)
    assert found == json_sha256({"long": made})
