"""bench score --gold-cache: a checked corpus kept on disk is the corpus read afresh, and never trusted
without the key of the very files it came from."""

import json
import shutil

import pytest
from conftest import GOLD, SEEDS, gold_as_predictions, runs_in

from bench.cli import main
from bench.corpus import load_corpus
from bench.corpus.cache import SUFFIX, cached_corpus, key_of
from bench.corpus.hashes import gold_info


def _jsonl_corpus(folder):
    """The shipped gold and seeds as gold.jsonl and docs.jsonl, with claimants.json and VERSION beside."""
    folder.mkdir()
    gold_lines = [json.dumps(json.loads(f.read_text(encoding="utf-8")), ensure_ascii=False)
                  for f in sorted(GOLD.glob("*.json")) if (SEEDS / f"{f.stem}.txt").is_file()]
    (folder / "gold.jsonl").write_text("\n".join(gold_lines) + "\n", encoding="utf-8")
    docs = [json.dumps({"doc_id": f.stem, "text": f.read_text(encoding="utf-8")}, ensure_ascii=False)
            for f in sorted(SEEDS.glob("*.txt"))]
    (folder / "docs.jsonl").write_text("\n".join(docs) + "\n", encoding="utf-8")
    for name in ("claimants.json", "VERSION"):
        shutil.copy(GOLD / name, folder / name)
    return folder / "gold.jsonl", folder / "docs.jsonl"


def _score(capsys, preds, gold, docs, out, *extra):
    code = main(["score", str(preds), "--gold", str(gold), "--docs", str(docs), "--out", str(out), "--quiet",
                 "--format", "json", *map(str, extra)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    results = json.loads(captured.out)
    for volatile in ("run_id", "created", "timing"):
        results.pop(volatile)
    return results


def test_a_kept_corpus_is_the_corpus_read_afresh(tmp_path):
    gold, docs = _jsonl_corpus(tmp_path / "corpus")
    fresh = load_corpus(gold=gold, docs=docs)
    assert fresh.quantities  # the quantity layer goes through the cache too
    reads = []

    def read(g, d):
        reads.append(g)
        return load_corpus(gold=g, docs=d)

    first, first_hashes = cached_corpus(gold, docs, tmp_path / "cache", read)
    kept, kept_hashes = cached_corpus(gold, docs, tmp_path / "cache", read)
    assert len(reads) == 1  # the second came from the cache
    assert first == fresh and kept == fresh
    assert list(kept.documents) == list(fresh.documents) and list(kept.gold) == list(fresh.gold)
    assert kept_hashes == first_hashes
    for layer in ("claims", "quantities"):
        assert gold_info(kept, gold_path=gold, docs_path=docs, layer=layer, hashes=kept_hashes) == \
            gold_info(fresh, gold_path=gold, docs_path=docs, layer=layer)


def test_score_with_the_cache_gives_the_run_without_it(tmp_path, capsys):
    gold, docs = _jsonl_corpus(tmp_path / "corpus")
    preds = gold_as_predictions(tmp_path / "preds.jsonl", drop_every=3)
    cache = tmp_path / "cache"
    plain = _score(capsys, preds, gold, docs, tmp_path / "out")
    first = _score(capsys, preds, gold, docs, tmp_path / "out", "--gold-cache", cache)
    assert len(list(cache.glob(f"*{SUFFIX}"))) == 1
    second = _score(capsys, preds, gold, docs, tmp_path / "out", "--gold-cache", cache)
    assert plain == first == second
    assert len(runs_in(tmp_path / "out")) == 3


def test_changed_files_are_never_read_from_the_cache(tmp_path, capsys):
    gold, docs = _jsonl_corpus(tmp_path / "corpus")
    preds = gold_as_predictions(tmp_path / "preds.jsonl")
    cache = tmp_path / "cache"
    before = _score(capsys, preds, gold, docs, tmp_path / "out", "--gold-cache", cache)
    old_key = key_of(gold, docs)
    lines = gold.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["claims"] = record["claims"][1:]  # one gold claim fewer
    gold.write_text("\n".join([json.dumps(record, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8")
    assert key_of(gold, docs) != old_key
    after = _score(capsys, preds, gold, docs, tmp_path / "out", "--gold-cache", cache)
    assert after == _score(capsys, preds, gold, docs, tmp_path / "out")  # what reading afresh gives
    assert after["gold"]["claims"] == before["gold"]["claims"] - 1
    assert after["gold"]["sha256"] != before["gold"]["sha256"]
    key = key_of(gold, docs)
    (tmp_path / "corpus" / "claimants.json").write_text("{}", encoding="utf-8")  # a file beside the gold
    assert key_of(gold, docs) != key


def test_a_cache_file_is_trusted_only_with_its_own_key(tmp_path):
    gold, docs = _jsonl_corpus(tmp_path / "corpus")
    other_gold, other_docs = _jsonl_corpus(tmp_path / "other")
    lines = other_gold.read_text(encoding="utf-8").splitlines()
    other_gold.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # a document fewer in each
    other_docs.write_text("\n".join(other_docs.read_text(encoding="utf-8").splitlines()[:-1]) + "\n",
                          encoding="utf-8")
    cache = tmp_path / "cache"
    cached_corpus(other_gold, other_docs, cache, lambda g, d: load_corpus(gold=g, docs=d))
    # the other corpus's cache put under this corpus's name: its key inside does not match, so it is not used
    (cache / f"{key_of(other_gold, other_docs)}{SUFFIX}").rename(cache / f"{key_of(gold, docs)}{SUFFIX}")
    corpus, _ = cached_corpus(gold, docs, cache, lambda g, d: load_corpus(gold=g, docs=d))
    assert corpus == load_corpus(gold=gold, docs=docs)
    # a file that does not decode is read as absent, and written again
    (cache / f"{key_of(gold, docs)}{SUFFIX}").write_bytes(b"not a cache")
    corpus, _ = cached_corpus(gold, docs, cache, lambda g, d: load_corpus(gold=g, docs=d))
    assert corpus == load_corpus(gold=gold, docs=docs)
    kept, _ = cached_corpus(gold, docs, cache, lambda g, d: pytest.fail("read again"))
    assert kept == corpus


def test_bad_gold_is_refused_every_time_and_not_kept(tmp_path, capsys):
    gold, docs = _jsonl_corpus(tmp_path / "corpus")
    record = json.loads(gold.read_text(encoding="utf-8").splitlines()[0])
    record["claims"][0]["type"] = "opinion"
    gold.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    preds = tmp_path / "preds.jsonl"
    preds.write_text("", encoding="utf-8")
    cache = tmp_path / "cache"
    errors = []
    for _ in range(2):
        code = main(["score", str(preds), "--gold", str(gold), "--docs", str(docs), "--out", str(tmp_path / "out"),
                     "--gold-cache", str(cache)])
        errors.append(capsys.readouterr().err)
        assert code == 2
    assert errors[0] == errors[1] and 'unknown type "opinion"' in errors[0]
    assert not list(cache.glob(f"*{SUFFIX}"))


def test_gold_in_a_folder_is_read_as_always(tmp_path, capsys):
    preds = gold_as_predictions(tmp_path / "preds.jsonl")
    cache = tmp_path / "cache"
    with_cache = _score(capsys, preds, GOLD, SEEDS, tmp_path / "out", "--gold-cache", cache)
    assert with_cache == _score(capsys, preds, GOLD, SEEDS, tmp_path / "out")
    assert not cache.exists()
