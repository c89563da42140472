"""Wall time and peak memory of the three baselines over the seed corpus.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_baselines.py              # all three baselines
    .venv/bin/python tests/perf/bench_baselines.py --only rules --repeat 5

Each baseline is measured in a fresh child process, so that its peak resident memory
(``ru_maxrss``) is its own and imports are not shared with another baseline. Reported:

- ``import``: importing the baselines package (and, for the transformer, torch,
  transformers and scikit-learn);
- ``run``: ``bench.pipeline.run`` over the five seeds as the CLI runs it, without intervals (for the
  transformer: five leave-one-document-out folds, each a fresh model that loads the
  encoder, trains on four documents and predicts the fifth), best of ``--repeat``;
- for the transformer, one more pass through the same five folds with each phase timed on
  its own: encoder load, training (candidates, embeddings, logistic regression) and
  inference;
- ``peak py``: tracemalloc's peak of Python allocations during one more ``run`` (a pass
  of its own, as tracing slows the code; torch's tensor memory is not seen by
  tracemalloc); ``maxrss``: the child's peak resident set size at the end, and before the
  first run (after imports).

Timings on a shared machine vary; the targets on two cores are rules < 1 s end to end and
transformer < 3 min for all five folds including model loading.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINES = ("rules", "sentences", "transformer")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def child(name: str, repeat: int) -> dict:
    """Measure one baseline in this process; returns the figures as a dict."""
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    import msgspec

    from bench.corpus import load_corpus
    from bench.pipeline import make_config, run
    from bench.registry import resolve

    if name == "transformer":
        import sklearn.linear_model  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    figures = {"baseline": name, "import_s": time.perf_counter() - started}
    corpus = load_corpus()
    config = make_config(n_bootstrap=0)
    figures["maxrss_before_mb"] = _maxrss_mb()

    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        outcome = run(model=name, gold=corpus, config=config, progress=False)
        runs.append(time.perf_counter() - t0)
    figures["run_s"] = min(runs)
    figures["run_first_s"] = runs[0]
    figures["fit_s"] = outcome.model.timing["fit_s"]
    figures["predict_s"] = outcome.model.timing["predict_s"]
    figures["score_s"] = outcome.content.results.timing["score_s"]
    scores = msgspec.to_builtins(outcome.content.results.scores[config.scheme])
    figures["micro_f1"] = scores["micro"]["f1"]
    if name == "transformer":
        figures["folds"] = _transformer_phases(resolve(name).cls, corpus)
    tracemalloc.start()  # a separate pass: tracing slows allocation-heavy code
    run(model=name, gold=corpus, config=config, progress=False)
    figures["peak_py_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    figures["maxrss_mb"] = _maxrss_mb()
    figures["total_s"] = time.perf_counter() - started
    return figures


def _transformer_phases(cls, corpus) -> list[dict]:
    """The five folds again, in a process whose encoder is not yet loaded: its load, then each
    fold's training and inference timed apart (texts embedded once are not embedded again)."""
    from bench.baselines.encoder import Encoder

    Encoder._loaded.clear()
    t0 = time.perf_counter()
    Encoder.shared(progress=False)
    folds = [{"load_s": time.perf_counter() - t0}]
    for held_out in corpus.doc_ids:
        train = [d for d in corpus.doc_ids if d != held_out]
        model = cls()
        model.progress = False
        t1 = time.perf_counter()
        model.fit([corpus.documents[d] for d in train], {d: corpus.gold[d] for d in train})
        t2 = time.perf_counter()
        model.predict([corpus.documents[held_out]])
        t3 = time.perf_counter()
        folds.append({"held_out": held_out, "train_s": t2 - t1, "infer_s": t3 - t2})
    return folds


def report(all_figures: list[dict]) -> None:
    print(f"{'baseline':12} {'import s':>9} {'run s':>8} {'1st run s':>9} {'fit s':>7} {'predict s':>9} "
          f"{'peak py MB':>10} {'rss before':>10} {'maxrss MB':>9} {'micro F1':>8}")
    for f in all_figures:
        print(f"{f['baseline']:12} {f['import_s']:9.2f} {f['run_s']:8.3f} {f['run_first_s']:9.3f} {f['fit_s']:7.2f} "
              f"{f['predict_s']:9.3f} {f['peak_py_mb']:10.1f} {f['maxrss_before_mb']:10.0f} {f['maxrss_mb']:9.0f} "
              f"{f['micro_f1']:8.3f}")
    for f in all_figures:
        if "folds" not in f:
            continue
        load, *folds = f["folds"]
        print(f"\ntransformer, phases timed apart: encoder load {load['load_s']:.2f} s, then five folds")
        print(f"{'held out':24} {'train s':>8} {'infer s':>8}")
        for fold in folds:
            print(f"{fold['held_out']:24} {fold['train_s']:8.2f} {fold['infer_s']:8.2f}")
        print(f"{'total':24} {sum(x['train_s'] for x in folds):8.2f} {sum(x['infer_s'] for x in folds):8.2f}"
              f"   (import {f['import_s']:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=BASELINES, action="append", help="baseline(s) to measure")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the untrained baselines (best is kept)")
    parser.add_argument("--child", choices=BASELINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        repeat = 1 if args.child == "transformer" else args.repeat
        print(json.dumps(child(args.child, repeat)))
        return
    figures = []
    for name in args.only or BASELINES:
        out = subprocess.run([sys.executable, __file__, "--child", name, "--repeat", str(args.repeat)],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
    report(figures)


if __name__ == "__main__":
    main()
