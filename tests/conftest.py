import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold"
SEEDS = ROOT / "seeds"

collect_ignore = ["perf"]


@pytest.fixture
def gold_copy(tmp_path):
    """A writable copy of the gold and the seeds, for tests that corrupt them."""
    shutil.copytree(GOLD, tmp_path / "gold", ignore=shutil.ignore_patterns("annotations"))
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def gold_as_predictions(path, *, drop_every=0, gold=GOLD, docs=SEEDS, ids=False):
    """The gold claims written as a predictions file (every ``drop_every``-th left out; with their gold
    ids if ``ids``, so that a links file can name them end to end)."""
    import json

    from bench.corpus import load_corpus

    rows = []
    for doc_id, claims in sorted(load_corpus(gold=gold, docs=docs).gold.items()):
        for i, c in enumerate(claims):
            if drop_every and i % drop_every == 0:
                continue
            rows.append({"doc_id": doc_id, "start": c.start, "end": c.end, "type": c.type,
                         "claimant": c.claimant, "attribution": c.attribution} | ({"id": c.id} if ids else {}))
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def runs_in(out):
    """The run folders under ``out`` (staging folders are hidden and ignored)."""
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def snapshot(out):
    """Every file under ``out`` with its bytes, to prove nothing was touched."""
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def one_line_error(code, err, expected):
    """A bad-input exit: non-zero, one printable ``bench: error:`` line naming the problem, no traceback."""
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("bench: error: ")
    assert lines[0].isprintable(), lines[0]
    assert expected in lines[0], (expected, lines[0])


def model_run(model, corpus, *, task="claims", **kwargs):
    """A model run through the pipeline over a loaded corpus, in memory, without intervals: its
    ``outcome`` (``bench.pipeline.RunOutcome``), ``by_doc`` (the checked predictions by doc_id),
    ``protocol`` and ``results``."""
    from types import SimpleNamespace

    from bench.pipeline import make_config, run

    outcome = run(model=model, gold=corpus, config=make_config(task=task, n_bootstrap=0), progress=False, **kwargs)
    return SimpleNamespace(outcome=outcome, by_doc=getattr(outcome.predictions, "by_doc", None),
                           protocol=outcome.model.protocol, results=outcome.content.results)


def checked(model, document):
    """A model's claims for one document, checked as the runner checks them."""
    from bench.protocol import items_of
    from bench.tasks.claims import claims_from_objects

    items = items_of(model.predict([document]), document, model=model.name)
    rows = [item if not isinstance(item, dict) or "doc_id" in item else {**item, "doc_id": document.doc_id}
            for item in items]
    return claims_from_objects(rows, {document.doc_id: document}).by_doc[document.doc_id]


def as_format_2(run):
    """Rewrite a run as run format 2 saved it: before hashes, with the names that format used."""
    import json

    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    results["format"] = 2
    del results["files"]
    results["settings"], results["config"] = results.pop("evaluation"), results.pop("inputs")
    (run / "results.json").write_text(json.dumps(results), encoding="utf-8")
