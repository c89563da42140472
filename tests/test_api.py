"""The Python API does what the CLI does: the same runs, the same numbers, the same signatures,
with gold and documents as paths, in memory, or a Hugging Face dataset."""

from __future__ import annotations

import json

import pytest
from conftest import GOLD, SEEDS, gold_as_predictions

import bench
from bench.cli import main


def _cli(argv, capsys) -> dict:
    assert main([*argv, "--format", "json", "--quiet"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_every_command_is_a_function_and_dir_lists_them():
    for name in ("run", "evaluate", "merge", "compare", "leaderboard", "errors", "report", "validate", "load_corpus"):
        assert name in dir(bench) and name in bench.__all__
        assert callable(getattr(bench, name))
    import importlib

    for module in ("bench.exceptions", "bench.pages", "bench.ranking", "bench.errorlist"):
        importlib.import_module(module)  # the package's modules never shadow a function of the API
    assert all(callable(getattr(bench, name)) for name in bench.API)
    assert bench.InputError is importlib.import_module("bench.exceptions").InputError
    with pytest.raises(TypeError):
        bench.run("rules")  # keyword-only, as every API function


def test_run_in_python_is_the_cli_run(tmp_path, capsys):
    cli = _cli(["run", "--model", "rules", "--out", str(tmp_path), "--bootstrap", "200"], capsys)
    result = bench.run(model="rules", bootstrap=200)
    assert result.folder is None  # in memory unless out= is given
    assert result.to_dict()["scores"] == cli["scores"]
    assert result.signature == cli["signature"] and result.to_dict()["signatures"] == cli["signatures"]
    saved = bench.run(model="rules", bootstrap=200, out=tmp_path / "api")
    assert (saved.folder / "results.json").is_file() and saved.signature == cli["signature"]


def test_gold_and_documents_in_memory_score_as_the_same_files(tmp_path, capsys):
    corpus = bench.load_corpus()
    gold = [{"doc_id": d, "claims": [c.to_dict() for c in corpus.gold[d]]} for d in corpus.doc_ids]
    docs = [{"doc_id": d, "text": corpus.documents[d].text} for d in corpus.doc_ids]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    preds = gold_as_predictions(tmp_path / "preds.jsonl", drop_every=3)
    cli = _cli(["score", str(preds), "--gold", str(tmp_path / "gold.jsonl"), "--docs", str(tmp_path / "docs.jsonl"),
                "--out", str(tmp_path / "r"), "--bootstrap", "100"], capsys)
    rows = [json.loads(line) for line in preds.read_text(encoding="utf-8").splitlines()]
    for in_memory in (bench.evaluate(rows, gold=gold, docs=docs, bootstrap=100, name="preds"),
                      bench.evaluate(preds, gold=gold, docs={d["doc_id"]: d["text"] for d in docs}, bootstrap=100)):
        assert in_memory.to_dict()["scores"] == cli["scores"]
        assert in_memory.signature == cli["signature"]


def test_an_exported_dataset_scores_as_the_gold_it_came_from(tmp_path, capsys):
    pytest.importorskip("datasets")
    from bench.corpus import to_hf_dataset

    preds = gold_as_predictions(tmp_path / "preds.jsonl", drop_every=4)
    cli = _cli(["score", str(preds), "--out", str(tmp_path / "r"), "--bootstrap", "100"], capsys)
    dataset = to_hf_dataset(bench.load_corpus())
    dataset.save_to_disk(str(tmp_path / "hf"))  # and it survives the disk, as users keep it
    import datasets

    for gold in (dataset, datasets.load_from_disk(str(tmp_path / "hf"))):
        result = bench.evaluate(preds, gold=gold, bootstrap=100)
        assert result.to_dict()["scores"] == cli["scores"] and result.signature == cli["signature"]
    links = bench.evaluate(GOLD / "links.json", gold=dataset, task="links", bootstrap=0)
    assert links.scores["conll"]["f1"] == 1.0


def test_without_an_alias_table_a_low_claimant_accuracy_says_why(tmp_path, capsys):
    """Claimants written by surname only ("Putin" for "Vladimir Putin"): the alias table makes them one; without
    it the accuracy falls, a warning says why, and the token F1 of the names stays the softer measure."""
    corpus = bench.load_corpus(gold=GOLD, docs=SEEDS)
    gold = tmp_path / "gold.jsonl"  # the seed gold as one file, without claimants.json
    gold.write_text("".join(json.dumps({"doc_id": d, "claims": [c.to_dict() for c in corpus.gold[d]]}) + "\n"
                            for d in corpus.doc_ids), encoding="utf-8")
    preds = tmp_path / "surnames.jsonl"
    preds.write_text("".join(json.dumps({"doc_id": d, "start": c.start, "end": c.end, "type": c.type,
                                         "attribution": c.attribution,
                                         "claimant": c.claimant.split()[-1] if c.claimant else None}) + "\n"
                             for d in corpus.doc_ids for c in corpus.gold[d]), encoding="utf-8")
    scores = []
    for extra in ([], ["--gold", str(gold)]):
        assert main(["score", str(preds), *extra, "--out", str(tmp_path / "runs"), "--bootstrap", "0", "--quiet",
                     "--format", "json"]) == 0
        captured = capsys.readouterr()
        scores.append((json.loads(captured.out), captured.err))
    (with_table, quiet), (without, said) = scores
    accuracy = [r["scores"]["lenient"]["attribution"]["claimant_accuracy"] for r in (with_table, without)]
    assert accuracy[1] < 0.5 < accuracy[0]
    assert "without an alias table" not in quiet
    assert "bench: warning: claimant accuracy is" in said and "without an alias table" in said
    assert any("without an alias table" in w for w in without["warnings"])
    soft = without["scores"]["lenient"]["attribution"]["claimant_token_f1"]
    assert soft > accuracy[1]  # the token F1 of the names credits "Putin" for "Vladimir Putin"


def test_results_as_a_table_a_dict_and_a_dataframe():
    result = bench.evaluate(str(SEEDS.parent / "examples" / "llm_predictions.jsonl"), bootstrap=0)
    assert "| row" in result.table(format="markdown") and result.table(format="json").startswith("{")
    assert result.to_dict()["task"] == "claims"
    pandas = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pandas.DataFrame) and frame.loc["micro", "value"] == result.scores["micro"]["f1"]
    assert not frame.loc["micro", "higher_is_better"] is False
