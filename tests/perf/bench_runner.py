"""`bench run --model rules` over a user corpus of 1,000 and 10,000 documents.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_runner.py                    # 1,000 and 10,000 documents
    .venv/bin/python tests/perf/bench_runner.py --docs 1000 --repeat 1

The corpus is made from the shipped articles: the five seed documents copied N/5 times
under distinct doc_ids (``<seed id>_c<k>``), each copy's gold copied along with it (about
22.6 gold claims and 2,400 characters a document), written as a folder of ``.txt``
documents and a folder of ``.json`` gold files with the seeds' claimant table. Each run is
its own process (``measure.py``: CPU time and peak memory of the child alone, best of
``--repeat`` after a warm-up run) from start to the saved run: the rules model over every
document, scored under every scheme with 1,000-resample intervals. From the run's
``results.json`` it reports the runner's own overhead around the model, ``timing.predict_s
- timing.model_s``, against the model's time ``timing.model_s``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # measure.py, beside this script
from measure import ROOT, bench_command, best_of  # noqa: E402


def write_corpus(folder: Path, n_docs: int) -> int:
    """docs/ and gold/ of ``n_docs`` copies of the seeds; returns the number of gold claims."""
    docs, gold = folder / "docs", folder / "gold"
    docs.mkdir()
    gold.mkdir()
    shutil.copy(ROOT / "gold" / "claimants.json", gold / "claimants.json")
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    claims = 0
    for k in range(n_docs):
        seed = seeds[k % len(seeds)]
        doc_id = f"{seed.stem}_c{k // len(seeds):05d}"
        (docs / f"{doc_id}.txt").write_bytes(seed.read_bytes())
        record = json.loads((ROOT / "gold" / f"{seed.stem}.json").read_text(encoding="utf-8"))
        record["doc_id"] = doc_id
        claims += len(record["claims"])
        (gold / f"{doc_id}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return claims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs of each (default: 2)")
    args = parser.parse_args(argv)
    rows = []
    for n_docs in args.docs:
        with tempfile.TemporaryDirectory(prefix="claimbench-perf-") as tmp:
            folder = Path(tmp)
            claims = write_corpus(folder, n_docs)
            out = folder / "runs"
            measured = best_of([*bench_command(), "run", "--model", "rules", "--gold", str(folder / "gold"),
                                "--docs", str(folder / "docs"), "--out", str(out), "--quiet", "--format", "json"],
                               args.repeat)
            timing = json.loads(measured.stdout)["timing"]
            overhead = timing["predict_s"] - timing["model_s"]
            rows.append((n_docs, claims, measured, timing, overhead))
            print(f"{n_docs:,} documents done", flush=True)
    print("\n| documents | gold claims | CPU | peak memory | model (timing.model_s) | runner overhead "
          "(predict_s - model_s) | overhead / model |")
    print("|---|---|---|---|---|---|---|")
    for n_docs, claims, measured, timing, overhead in rows:
        print(f"| {n_docs:,} | {claims:,} | {measured.cpu_s:.2f} s | {measured.peak_mb:.0f} MB | "
              f"{timing['model_s']:.2f} s | {overhead:.2f} s | {overhead / timing['model_s']:.0%} |")
    if len(rows) > 1:
        (small, *_), (large, *_) = rows[0], rows[-1]
        print(f"CPU grows {rows[-1][2].cpu_s / rows[0][2].cpu_s:.1f}x from {small:,} to {large:,} documents "
              f"({large / small:.0f}x the documents)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
