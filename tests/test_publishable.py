"""Numbers one can publish: a complete signature, strict input, warnings, n/a, the checker, compare's outputs."""

from __future__ import annotations

import functools
import json
import re
import shutil
import textwrap
import warnings

import pytest
from conftest import GOLD, ROOT, SEEDS, gold_as_predictions, one_line_error, runs_in, snapshot

from bench.cli import build_parser, main
from bench.signature import evaluation_part, parse_signature
from bench.tables import _LATEX_SYMBOLS

HELDOUT = ROOT / "tests" / "data" / "heldout"
EXAMPLE = ROOT / "examples" / "llm_predictions.jsonl"

# A trainable model whose predictions depend on its training data, and one with an argument.
PLUGIN = '''
from bench.records import Claim
from bench.model import Model


class Learns(Model):
    """Predicts, in each sentence-like line, a claim of the type most frequent in its training gold."""

    def fit(self, documents, gold):
        counts = {}
        for claims in gold.values():
            for claim in claims:
                counts[claim.type] = counts.get(claim.type, 0) + 1
        self.type = max(sorted(counts), key=counts.get)

    def predict(self, documents):
        doc = documents[0]
        out, start = [], 0
        for line in doc.text.split("\\n"):
            if len(line.split()) > 6:
                out.append(Claim(doc.doc_id, start, start + len(line), self.type))
            start += len(line) + 1
        return {doc.doc_id: out}


class SameIds(Model):
    """Gives every claim of a document the same id."""

    def predict(self, documents):
        doc = documents[0]
        return {doc.doc_id: [Claim(doc.doc_id, 0, 10, "event", id="c"), Claim(doc.doc_id, 20, 30, "event", id="c")]}


class Picky(Model):
    def __init__(self, min_words: int = 6):
        self.min_words = min_words

    def predict(self, documents):
        doc = documents[0]
        out, start = [], 0
        for line in doc.text.split("\\n"):
            if len(line.split()) > self.min_words:
                out.append(Claim(doc.doc_id, start, start + len(line), "event"))
            start += len(line) + 1
        return {doc.doc_id: out}


class Silent(Model):
    def predict(self, documents):
        return {documents[0].doc_id: []}


class Absent(Model):
    def predict(self, documents):
        return {}


class Elsewhere(Model):
    def predict(self, documents):
        return {documents[0].doc_id: [], "some-other-document": []}


class Exits(Model):
    def predict(self, documents):
        raise SystemExit(3)


class Chatty(Model):
    def predict(self, documents):
        print("debug: predicting", documents[0].doc_id)
        return {documents[0].doc_id: []}
'''


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    path = tmp_path_factory.mktemp("plugin") / "plugin_models.py"
    path.write_text(PLUGIN)
    return path


def _json_run(argv, capsys) -> dict:
    assert main([*argv, "--format", "json", "--quiet"]) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    return json.loads(captured.out)


# ---------------------------------------------------------------- the signature names every setting

# Every option of `bench run` and `bench score`: those that can change a number, with another value
# to try, and those that only say where output goes or how it looks.
NUMBER_OPTIONS = {
    "--task": ["--task", "quantities"],
    "--gold": None, "--docs": None,  # given together below: another corpus
    "--scheme": ["--scheme", "strict"],
    "--iou": ["--iou", "0.9"],
    "--align-threshold": ["--align-threshold", "0.9"],
    "--seed": ["--seed", "7"],
    "--bootstrap": ["--bootstrap", "20"],
    "--model": None, "--model-arg": None, "--train-gold": None, "--train-docs": None,  # run only, below
    "--limit": ["--limit", "1"],
    "--claims-run": None,  # links only, tested in test_links
    "--name": ["--name", "other-name"],
}
# --on-error skip changes numbers only when a model fails, and the signature then names the documents
# skipped (test_scale); --schemes chooses which schemes are computed, not any scheme's numbers
NUMBER_OPTIONS["--on-error"] = None
# --shard scores one shard, and its signature says so (test_shards); --executor ray, --shards and --ray-address
# give the numbers and signature of a run in one process (test_shards_ray)
NUMBER_OPTIONS["--shard"] = None
# --gold-cache reads the same corpus from a cache (the same run: test_gold_cache)
OUTPUT_OPTIONS = {"--format", "--out", "--quiet", "--report", "--check", "--timeout", "--help", "-h", "--schemes",
                  "--max-failures", "--resume", "--dry-run", "--executor", "--shards", "--ray-address",
                  "--gold-cache"}


def _options(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {flag for action in sub._actions for flag in action.option_strings if flag.startswith("-")}


@pytest.mark.parametrize("command", ["run", "score"])
def test_every_option_is_classified(command):
    unknown = _options(command) - set(NUMBER_OPTIONS) - OUTPUT_OPTIONS
    assert not unknown, f"classify these options of bench {command}: does each change a number? {unknown}"


def _scores_and_signature(argv, capsys):
    results = _json_run(argv, capsys)
    return results["scores"], results["signatures"], results["signature"]


def test_different_scores_always_have_different_signatures(tmp_path, capsys, plugin):
    out = ["--out", str(tmp_path / "r")]
    preds = gold_as_predictions(tmp_path / "p.jsonl", drop_every=3)
    base_score = ["score", str(EXAMPLE), "--bootstrap", "50", *out]
    base_run = ["run", "--model", f"{plugin}:Picky", "--bootstrap", "50", *out]
    variants = []
    for option, extra in NUMBER_OPTIONS.items():
        if extra is not None:
            variants.append((option, extra))
    variants.append(("--gold/--docs", ["--gold", str(HELDOUT / "gold"), "--docs", str(HELDOUT / "docs")]))
    checked = 0
    for base in (base_score, base_run):
        reference = _scores_and_signature(base, capsys)
        has = _options(base[0])
        for option, extra in variants:
            if option not in has and (option != "--gold/--docs" or base is base_score) or option == "--task":
                continue  # the other command's; another corpus or task needs another file (run: below)
            scores, signatures, signature = _scores_and_signature([*base, *extra], capsys)
            if scores != reference[0]:
                assert signature != reference[2], option
                for scheme in set(scores) & set(reference[0]):
                    if scores[scheme] != reference[0][scheme]:
                        assert signatures[scheme] != reference[1][scheme], (option, scheme)
                checked += 1
    assert checked >= 9  # iou, align, seed, bootstrap (score); iou, seed, bootstrap, limit, corpus (run)
    claims = _scores_and_signature(["run", "--model", "rules", "--bootstrap", "50", *out], capsys)
    figures = _scores_and_signature(["run", "--model", "rules", "--bootstrap", "50", *out, "--task", "quantities"],
                                    capsys)
    assert parse_signature(claims[2])["task"] == "claims" and parse_signature(figures[2])["task"] == "quantities"
    # the model's own settings: its arguments and its training corpus
    picky = _scores_and_signature([*base_run, "--model-arg", "min_words=12"], capsys)
    default = _scores_and_signature(base_run, capsys)
    assert picky[0] != default[0] and picky[2] != default[2]
    assert parse_signature(picky[2])["args"] != parse_signature(default[2]).get("args")
    loo = _scores_and_signature(["run", "--model", f"{plugin}:Learns", "--bootstrap", "50", *out,
                                 "--gold", str(HELDOUT / "gold"), "--docs", str(HELDOUT / "docs")], capsys)
    trained = _scores_and_signature(["run", "--model", f"{plugin}:Learns", "--bootstrap", "50", *out,
                                     "--gold", str(HELDOUT / "gold"), "--docs", str(HELDOUT / "docs"),
                                     "--train-gold", str(GOLD), "--train-docs", str(SEEDS)], capsys)
    assert loo[0] != trained[0]
    assert parse_signature(loo[2])["train"] == "loo" and re.fullmatch(r"[0-9a-f]{12}", parse_signature(trained[2])["train"])
    assert preds.exists()


def test_signature_fields_and_what_compare_compares(tmp_path, capsys):
    results = _json_run(["score", str(EXAMPLE), "--out", str(tmp_path), "--align-threshold", "0.7",
                         "--iou", "0.6", "--scheme", "strict"], capsys)
    fields = parse_signature(results["signatures"]["strict"])
    assert (fields["task"], fields["scheme"], fields["thr"], fields["align"], fields["boot"], fields["seed"]) == (
        "claims", "strict", "0.6", "0.7", "1000", "0")  # the threshold is named under strict too: attribution uses it
    assert fields["preds"] and fields["model"] == "llm_predictions"
    part = evaluation_part(results["signatures"]["strict"])
    assert "model" not in part and "preds" not in part and part["align"] == "0.7"


# ---------------------------------------------------------------- warnings, coverage, n/a

def test_partial_coverage_warns_on_stderr_and_is_recorded(tmp_path, capsys):
    path = tmp_path / "one-doc.jsonl"
    path.write_text(json.dumps({"doc_id": "004_d85139658238920d", "start": 48, "end": 126, "type": "quantity"}) + "\n")
    assert main(["score", str(path), "--out", str(tmp_path / "r"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    results = json.loads(captured.out)  # stdout is the JSON alone
    assert "bench: warning: predictions cover 1 of 5 documents" in captured.err
    assert results["coverage"] == {"documents": 5, "predicted": 1, "predictions": 1}
    assert results["warnings"] == ["predictions cover 1 of 5 documents; the other 4 count as predicting nothing"]
    attribution = results["scores"]["lenient"]["attribution"]
    assert attribution["claimant_accuracy"] is None and attribution["joint"] is None  # never given: n/a, not 0
    assert results["scores"]["lenient"]["per_type"]["event"]["precision"] is None
    assert main(["score", str(path), "--out", str(tmp_path / "r")]) == 0
    table = capsys.readouterr().out
    assert re.search(r"claimant accuracy\s+-\s+-\s+n/a", table) and re.search(r"joint\s+n/a\s+n/a\s+n/a", table)
    assert re.search(r"event\s+n/a\s+0\.000", table)


@pytest.mark.parametrize("model, expected", [
    ("Silent", 'Silent" returned nothing for all 5 documents'),
])
def test_empty_model_output_warns(tmp_path, capsys, plugin, model, expected):
    assert main(["run", "--model", f"{plugin}:{model}", "--out", str(tmp_path), "--quiet"]) == 0
    assert expected in capsys.readouterr().err


def test_a_setting_the_model_ignores_warns(tmp_path, capsys):
    assert main(["run", "--model", "rules", "--out", str(tmp_path), "--quiet", "--gold", str(HELDOUT / "gold"),
                 "--docs", str(HELDOUT / "docs"), "--train-gold", str(GOLD), "--train-docs", str(SEEDS)]) == 0
    err = capsys.readouterr().err
    assert 'bench: warning: model "rules" does not train: --train-gold and --train-docs are ignored' in err
    results = json.loads((runs_in(tmp_path)[0] / "results.json").read_text())
    assert any("does not train" in w for w in results["warnings"])
    assert "train" not in parse_signature(results["signature"])


@pytest.mark.parametrize("model, expected", [
    ("Absent", 'returned nothing for this document (return {doc_id: []} when a document has no claims)'),
    ("Elsewhere", 'returned claims for another document "some-other-document"'),
    ("Exits", 'called sys.exit(3) on document'),
])
def test_model_output_for_no_or_unknown_documents_is_an_error(tmp_path, capsys, plugin, model, expected):
    out = tmp_path / "r"
    code = main(["run", "--model", f"{plugin}:{model}", "--out", str(out), "--quiet"])
    one_line_error(code, capsys.readouterr().err, expected)
    (partial,) = runs_in(out)  # no finished run; what was done is kept, to be resumed
    assert partial.name.endswith(".partial") and not (partial / "results.json").exists()


def test_a_model_that_prints_keeps_stdout_clean(tmp_path, plugin):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--model", f"{plugin}:Chatty", "--out",
                           str(tmp_path), "--quiet", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)  # the JSON alone
    assert "debug: predicting" in done.stderr


# ---------------------------------------------------------------- the format checker

def test_check_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    good = gold_as_predictions(tmp_path / "good.jsonl")
    assert main(["score", str(good), "--check"]) == 0
    assert capsys.readouterr().out == ""
    lines = good.read_text().splitlines()
    bad_rows = ['{"doc_id": "004_d85139658238920d", "start": 1, "end": 5, "type": "opinion"}',
                '{"doc_id": "004_d85139658238920d", "start": 1, "end": 5, "type": "event", "claimaint": "x"}',
                "{broken", '{"doc_id": "nope", "start": 1, "end": 5, "type": "event"}']
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines[:3] + bad_rows + lines[3:] + bad_rows * 10) + "\n")
    out = tmp_path / "runs"
    assert main(["score", str(bad), "--check", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    problems = captured.out.splitlines()
    assert len(problems) == 20
    assert problems[0] == f'{bad}:4: unknown type "opinion" (expected one of quantity, prediction, position, event)'
    assert problems[1] == (f'{bad}:5: unknown field "claimaint" (did you mean "claimant"?); put extra data under '
                           '"meta", which is kept and ignored')
    assert problems[2].startswith(f"{bad}:6: invalid JSON") and problems[3] == f'{bad}:7: unknown doc_id "nope"'
    assert "20 or more problems (the first 20 shown)" in captured.err
    assert not out.exists()


# ---------------------------------------------------------------- compare: json, labels, no bootstrap, latex

def test_compare_json_labels_and_switched_off_intervals(tmp_path, capsys):
    out = tmp_path / "r"
    full, half = gold_as_predictions(tmp_path / "full.jsonl"), gold_as_predictions(tmp_path / "half.jsonl", drop_every=2)
    assert main(["score", str(full), "--out", str(out), "--quiet"]) == 0
    assert main(["score", str(half), "--out", str(out), "--quiet", "--bootstrap", "0"]) == 0
    capsys.readouterr()
    a, b = sorted(runs_in(out), key=lambda r: "half" in r.name)
    off = json.loads((b / "results.json").read_text())
    assert off["scores"]["lenient"]["ci"] is None and "|boot:0|" in off["signature"]
    assert main(["compare", str(a), str(b), "--format", "json", "--label", "full", "--label", "half"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [r["label"] for r in data["runs"]] == ["full", "half"]
    micro = next(r for r in data["rows"] if r["name"] == "micro")
    assert micro["runs"][1]["delta"] < 0 and micro["runs"][1]["ci"] is None
    assert data["untested"]  # the runs' settings differ (boot:0): the gate cannot vouch for them
    assert main(["compare", str(a), str(b), "--fail-on-regression"]) == 1
    err = capsys.readouterr().err
    assert "bench: significant regression: half: " in err and "micro -" in err
    code = main(["compare", str(a), str(b), "--label", "only-one"])
    one_line_error(code, capsys.readouterr().err, "--label given 1 times for 2 runs")
    code = main(["compare", str(a), str(b), "--label", "x", "--label", "x"])
    one_line_error(code, capsys.readouterr().err, "--label 'x' is given twice")
    code = main(["compare", str(a), str(b), "--label", "x", "--label", " "])
    one_line_error(code, capsys.readouterr().err, "every label must be a non-empty string")
    assert main(["compare", str(a), str(a), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert f"bench: warning: {a}: the same run is given twice, so it is compared with itself" in captured.err
    twin = tmp_path / "elsewhere" / a.name
    shutil.copytree(a, twin)
    assert main(["compare", str(a), str(twin), "--format", "json"]) == 0
    assert [r["label"] for r in json.loads(capsys.readouterr().out)["runs"]] == [str(a), str(twin)]


LATEX_SPECIALS = re.compile(r"(?<!\\)[#_^&%$~]")


def _latex_is_clean(text: str) -> None:
    """What ``--format latex`` prints parses as LaTeX and has no character LaTeX rejects."""
    from pylatexenc.latexwalker import LatexWalker

    body = []
    for line in text.splitlines():
        if line.startswith("%"):
            continue  # comments may hold anything but a line break
        assert not any(symbol in line for symbol in _LATEX_SYMBOLS), line  # Δ, †, ... only as LaTeX
        plain = line
        for symbol in _LATEX_SYMBOLS.values():  # the math symbols tables print, which may hold $
            plain = plain.replace(symbol, "D")
        cells = re.sub(r"(?<!\\)&", " ", plain.replace("\\\\", ""))
        assert not LATEX_SPECIALS.search(cells), line
        body.append(line)
    nodes, _, _ = LatexWalker("\n".join(body), tolerant_parsing=False).get_latex_nodes()
    assert any(getattr(n, "environmentname", None) == "tabular" for n in nodes)


def test_latex_output_parses_and_escapes(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--model", "rules", "--out", str(out), "--quiet", "--format", "latex", "--bootstrap", "50"]) == 0
    _latex_is_clean(capsys.readouterr().out)
    assert main(["run", "--model", "sentences", "--out", str(out), "--quiet", "--bootstrap", "50"]) == 0
    capsys.readouterr()
    a, b = runs_in(out)
    assert main(["compare", str(a), str(b), "--format", "latex", "--label", "A_#1", "--label", "B&50%"]) == 0
    printed = capsys.readouterr().out
    _latex_is_clean(printed)
    assert r"$\Delta$" in printed and r"A\_\#1" in printed and r"B\&50\%" in printed


# ---------------------------------------------------------------- the Python API, as the README shows it

@pytest.mark.filterwarnings("ignore::bench.exceptions.BenchWarning")  # the partial example warns, as it says
def test_readme_api_examples_run(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API"):]
    section = section[:section.index("\n## ", 5)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "llm_predictions.jsonl").write_bytes(EXAMPLE.read_bytes())
    namespace: dict = {}
    for block in blocks:
        exec(compile(textwrap.dedent(block), "README.md", "exec"), namespace)  # noqa: S102


def test_api_evaluate_takes_paths_and_objects_and_gives_what_score_gives(tmp_path, capsys):
    import bench

    result = bench.evaluate(EXAMPLE, bootstrap=50)
    assert result.signature.startswith("claimbench|task:claims|") and "|scheme:lenient|" in result.signature
    rows = [json.loads(line) for line in EXAMPLE.read_text().splitlines()]
    again = bench.evaluate(rows, bootstrap=50, name="llm_predictions")
    assert again.scores == result.scores
    assert evaluation_part(again.signature) == evaluation_part(result.signature)
    cli = _json_run(["score", str(EXAMPLE), "--out", str(tmp_path), "--bootstrap", "50"], capsys)
    assert cli["scores"] == result.to_dict()["scores"] and cli["signature"] == result.signature
    assert "| row" in result.table(format="markdown")
    from bench.exceptions import InputError

    with pytest.raises(InputError, match="unknown field"):
        bench.evaluate([{"doc_id": "004_d85139658238920d", "start": 0, "end": 5, "type": "event", "typo": 1}])
    with pytest.raises(InputError, match="seed"):
        bench.evaluate(EXAMPLE, seed=-1)
    corpus = bench.load_corpus()
    assert len(corpus.documents) == 5 and corpus.quantities and corpus.links
    assert snapshot(tmp_path)


GOOD_ROW = {"doc_id": "004_d85139658238920d", "start": 48, "end": 126, "type": "quantity"}


@pytest.mark.parametrize("call, expected", [
    (lambda b: b.evaluate(None), "predictions: expected a path or an iterable of records, got NoneType"),
    (lambda b: b.evaluate(5), "got int"),
    (lambda b: b.evaluate(GOOD_ROW), "got dict"),
    (lambda b: b.evaluate(b"preds.jsonl"), "got bytes"),
    (lambda b: b.evaluate([GOOD_ROW], name=" "), "name ' ': expected a non-empty string"),
    (lambda b: b.evaluate([GOOD_ROW], gold=5), "gold: expected a path, a list of gold documents or a datasets.Dataset, "
                                               "got int"),
    (lambda b: b.evaluate([GOOD_ROW], claims_run="x"), '--claims-run is for task links, not task "claims"'),
    (lambda b: b.evaluate([GOOD_ROW], bootstrap=10 ** 20), "to 1,000,000"),
    (lambda b: b.evaluate([{**GOOD_ROW, "meta": {"a": float("nan")}}]), 'field "meta" must be a finite number'),
    (lambda b: b.evaluate([{**GOOD_ROW, "meta": {"a": {1, 2}}}]), 'field "meta" holds a set'),
    (lambda b: b.evaluate([GOOD_ROW], task="links"), 'task "links" takes a path or one mapping'),
    (lambda b: b.load_corpus(gold=5), "gold: expected a path"),
    (lambda b: b.compare([5]), "runs: expected a path"),
    (lambda b: b.compare(["a", "b"], labels="ab"), "labels: expected a list of labels"),
    (lambda b: b.evaluate([GOOD_ROW], bootstrap=0).table(format="xml"), "format 'xml': expected one of"),
    (lambda b: b.evaluate([GOOD_ROW], bootstrap=0).table(scheme="nope"), 'task "claims" has no scheme "nope"'),
    (lambda b: b.evaluate([{**GOOD_ROW, "meta": {"a": functools.reduce(lambda x, _: [x], range(5000), 1)}}]),
     "nested too deeply"),
])
def test_api_arguments_of_the_wrong_kind_are_input_errors(call, expected):
    import bench
    from bench.exceptions import InputError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as info:
            call(bench)
    assert expected in str(info.value)


def test_api_takes_links_in_memory():
    import bench

    links = json.loads((ROOT / "gold" / "links.json").read_text(encoding="utf-8"))
    in_memory = bench.evaluate(links, task="links", bootstrap=0)
    from_file = bench.evaluate(ROOT / "gold" / "links.json", task="links", bootstrap=0)
    assert in_memory.scores == from_file.scores and in_memory.scores["conll"]["f1"] == 1.0


def test_a_models_repeated_ids_are_one_warning_for_the_run(tmp_path, capsys, plugin):
    results = _json_run(["run", "--model", f"{plugin}:SameIds", "--bootstrap", "0", "--out", str(tmp_path)], capsys)
    (kept,) = [w for w in results["warnings"] if "already given" in w]
    assert kept.startswith(f'model "{plugin}:SameIds", document "000_')
    assert "(5 repeated ids in all)" in kept
