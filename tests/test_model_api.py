"""Adding a model: registry rules, the three ways to name one, guardrails, the documented example."""

import json
import re
import subprocess
import sys
import textwrap

import pytest
from conftest import GOLD, ROOT, SEEDS, model_run

from bench.records import Claim
from bench.cli import main
from bench.corpus import load_corpus
from bench.exceptions import InputError
from bench.model import Model
from bench.protocol import parse_model_args
from bench.registry import resolve


def run_model(cls, corpus, *, train=None, **kwargs):
    return model_run(cls, corpus, train_gold=train, **kwargs)

DOC_PAGE = ROOT / "docs" / "adding-a-baseline.md"


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.S)


def test_documented_example_runs_by_file_path(tmp_path, capsys):
    code = _python_blocks(DOC_PAGE.read_text())[0]
    assert len(code.strip().splitlines()) < 30
    model_file = tmp_path / "my_model.py"
    model_file.write_text(code)
    out = tmp_path / "results"
    assert main(["run", "--model", f"{model_file}:DigitSentences", "--model-arg", "min_length=30",
                 "--out", str(out), "--quiet", "--format", "json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["model"] == "digits"
    assert results["system"]["args"] == {"min_length": 30}
    assert "|args:" in results["signature"]  # model arguments change numbers, so the signature names them
    quantity = results["scores"]["lenient"]["per_type"]["quantity"]
    assert quantity["tp"] + quantity["fp"] > 0
    assert results["scores"]["lenient"]["per_type"]["event"]["tp"] == 0


def test_module_path_form(tmp_path, monkeypatch, capsys):
    package = tmp_path / "my_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "my_mod.py").write_text(_python_blocks(DOC_PAGE.read_text())[0].replace('"digits"', '"digits-mod"'))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["run", "--model", "my_pkg.my_mod:DigitSentences", "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert "digits-mod" in capsys.readouterr().out


def test_the_registry_refuses_what_is_not_a_model(tmp_path):
    module = tmp_path / "not_models.py"
    module.write_text("class Plain:\n    pass\n\nVALUE = 3\n")
    for spec, message in ((f"{module}:Plain", "is not a subclass of bench.model.Model"),
                          (f"{module}:VALUE", "is not a subclass of bench.model.Model"),
                          (f"{module}:Missing", 'has no attribute "Missing"'),
                          (f"{tmp_path / 'absent.py'}:X", "no such file"),
                          ("rulez", 'did you mean "rules"')):
        with pytest.raises(InputError, match=re.escape(message)):
            resolve(spec)


def test_a_file_model_is_signed_by_its_code(tmp_path, capsys):
    """Two versions of a model file that differ in one line never share a signature."""
    code = _python_blocks(DOC_PAGE.read_text())[0]
    signatures = []
    for k, (old, new) in enumerate([("", ""), ("min_length: int = 20", "min_length: int = 40")]):
        model_file = tmp_path / f"v{k}" / "my_model.py"
        model_file.parent.mkdir()
        assert old in code
        model_file.write_text(code.replace(old, new) if old else code)
        assert main(["run", "--model", f"{model_file}:DigitSentences", "--out", str(tmp_path / "r"), "--quiet",
                     "--format", "json"]) == 0
        results = json.loads(capsys.readouterr().out)
        assert results["system"]["code"] == resolve(f"{model_file}:DigitSentences").code
        signatures.append(results["signature"])
    assert signatures[0] != signatures[1]
    assert all("|code:" in s for s in signatures)


def test_model_args_are_checked_and_converted():
    class WithArgs(Model):
        name = "with-args"

        def __init__(self, k: int = 3, ratio: float = 0.5, strict: bool = False, label: str = "x"):
            pass

    assert parse_model_args(WithArgs, ["k=7", "ratio=0.25", "strict=true", "label=y"]) == \
        {"k": 7, "ratio": 0.25, "strict": True, "label": "y"}
    with pytest.raises(InputError, match="expected int"):
        parse_model_args(WithArgs, ["k=seven"])
    with pytest.raises(InputError, match='takes no argument "z"'):
        parse_model_args(WithArgs, ["z=1"])
    with pytest.raises(InputError, match="expected key=value"):
        parse_model_args(WithArgs, ["k"])
    for value in ("nan", "inf", "-inf"):
        with pytest.raises(InputError, match="expected a finite number"):
            parse_model_args(WithArgs, [f"ratio={value}"])


class _Explodes(Model):
    name = "explodes"

    def predict(self, documents):
        if documents[0].doc_id.startswith("002"):
            raise RuntimeError("boom")
        return {documents[0].doc_id: []}


class _BadType(Model):
    name = "bad-type"

    def predict(self, documents):
        doc = documents[0]
        return {doc.doc_id: [Claim(doc.doc_id, 0, 4, "opinion")]}


class _BadOffsets(Model):
    name = "bad-offsets"

    def predict(self, documents):
        doc = documents[0]
        return {doc.doc_id: [Claim(doc.doc_id, 5, len(doc.text) + 10, "event")]}


@pytest.mark.parametrize("cls, message", [
    (_Explodes, 'model "explodes" failed on document "002_7007280221f212f7": RuntimeError: boom'),
    (_BadType, 'model "bad-type", document "000_2ed1a488bd7a9f20", item[0]: unknown type "opinion"'),
    (_BadOffsets, 'model "bad-offsets", document "000_2ed1a488bd7a9f20", item[0]: offsets 5-'),
])
def test_guardrails_name_the_model_and_document(cls, message):
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    with pytest.raises(InputError) as info:
        run_model(cls, corpus)
    assert message in str(info.value)


@pytest.mark.filterwarnings("ignore::bench.exceptions.BenchWarning")  # the spy predicts nothing, which warns
def test_trainable_models_never_see_the_gold_they_predict():
    seen: list[tuple[set, str]] = []

    class Spy(Model):
        name = "spy"

        def fit(self, documents, gold):
            self.trained_on = {d.doc_id for d in documents} | set(gold)

        def predict(self, documents):
            seen.append((self.trained_on, documents[0].doc_id))
            return {documents[0].doc_id: []}

    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    outcome = run_model(Spy, corpus)
    assert outcome.protocol == "leave-one-document-out"
    assert len(seen) == len(corpus.documents)
    for trained_on, predicted in seen:
        assert predicted not in trained_on
        assert trained_on == set(corpus.documents) - {predicted}


ENTRY_POINT_MODEL = '''
from bench.records import Claim
from bench.model import Model


class FirstSentence(Model):
    def predict(self, documents):
        doc = documents[0]
        end = doc.text.find(".")
        return {doc.doc_id: [Claim(doc.doc_id, 0, end if end > 0 else len(doc.text), "event")]}
'''


def test_installed_entry_point_is_listed_and_runs(tmp_path):
    package = tmp_path / "claimbench-plugin-test"
    (package / "cb_plugin_test").mkdir(parents=True)
    (package / "cb_plugin_test" / "__init__.py").write_text(ENTRY_POINT_MODEL)
    (package / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "claimbench-plugin-test"
        version = "0.0.1"

        [project.entry-points."claimbench.models"]
        first-sentence = "cb_plugin_test:FirstSentence"
    """))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", str(package)],
                   check=True, capture_output=True, timeout=300)
    try:
        listed = subprocess.run([sys.executable, "-m", "bench.cli", "models"], capture_output=True, text=True, cwd=ROOT)
        assert "first-sentence\t?\tcb_plugin_test:FirstSentence (entry point)" in listed.stdout
        ran = subprocess.run([sys.executable, "-m", "bench.cli", "run", "--model", "first-sentence", "--quiet",
                              "--out", str(tmp_path / "r"), "--format", "json"], capture_output=True, text=True, cwd=ROOT)
        assert ran.returncode == 0, ran.stderr
        results = json.loads(ran.stdout)
        assert results["model"] == "first-sentence"
        assert results["scores"]["lenient"]["micro"]["tp"] + results["scores"]["lenient"]["micro"]["fp"] == 5
    finally:
        subprocess.run([*pip, "uninstall", "-y", "claimbench-plugin-test"], capture_output=True, timeout=300)


@pytest.mark.filterwarnings("ignore::bench.exceptions.BenchWarning")  # the spy predicts nothing, which warns
def test_separate_training_corpus_is_used_once_and_must_be_disjoint():
    fits: list[set] = []

    class Spy(Model):
        name = "spy-train"

        def fit(self, documents, gold):
            fits.append({d.doc_id for d in documents} | set(gold))

        def predict(self, documents):
            return {documents[0].doc_id: []}

    seeds = load_corpus(gold=GOLD, docs=SEEDS)
    heldout = ROOT / "tests" / "data" / "heldout"
    other = load_corpus(gold=heldout / "gold", docs=heldout / "docs")
    outcome = run_model(Spy, other, train=seeds)
    assert outcome.protocol == "trained once on a separate corpus"
    assert fits == [set(seeds.documents)]
    assert set(outcome.by_doc) == set(other.documents)
    with pytest.raises(InputError, match="contains the evaluated document"):
        run_model(Spy, seeds, train=seeds)


def test_train_options_go_together(capsys):
    assert main(["run", "--model", "rules", "--train-gold", str(GOLD)]) != 0
    assert "--train-gold and --train-docs go together" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::bench.exceptions.BenchWarning")  # the spy predicts nothing, which warns
def test_development_data_joins_every_training_set_but_never_the_evaluated_documents():
    """A model that also learns from the shipped development corpus: the runner adds it to every fold,
    less any document being evaluated, and the signature names it."""
    fits: list[set] = []

    class Spy(Model):
        name = "spy-dev"
        extra_training = ("dev-train",)

        def fit(self, documents, gold):
            fits.append({d.doc_id for d in documents})

        def predict(self, documents):
            return {documents[0].doc_id: []}

    dev = load_corpus(gold=ROOT / "gold" / "dev" / "train" / "gold", docs=ROOT / "gold" / "dev" / "train" / "docs")
    seeds = load_corpus(gold=GOLD, docs=SEEDS)
    outcome = run_model(Spy, seeds)
    assert len(fits) == 5 and all(fit == (set(seeds.documents) - {d}) | set(dev.documents)
                                  for fit, d in zip(fits, seeds.doc_ids))
    assert re.fullmatch(r"loo\+dev-train#[0-9a-f]{12}", outcome.results.system["train"])
    fits.clear()
    outcome = run_model(Spy, dev)  # evaluated on the development data itself: it is never in its own folds
    for fit, doc_id in zip(fits, dev.doc_ids):
        assert fit == set(dev.documents) - {doc_id}
