"""Scale benchmark of the scorer against nervaluate, on synthetic corpora read from files.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_scoring.py                 # 10k and 100k documents
    .venv/bin/python tests/perf/bench_scoring.py --sizes 10000

For each size it writes the synthetic corpus of ``bench_score.py`` (docs.jsonl, gold.jsonl,
preds.jsonl) to a temporary folder, then reads them back and scores them as a user
would (``load_documents``, ``load_gold``, ``read_predictions``, ``score``), and times
nervaluate's ``Evaluator.evaluate`` on the same claims in the same run (best of ``--repeat``
timings each, as timings on a shared machine vary). Both are timed twice: scoring alone on
in-memory claims, and from the files (for nervaluate, the files read with ``json`` per line
into its span lists, the least a user writes; ClaimBench also checks every claim against
its document while reading).

Measured figures are in tests/perf/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.records import CLAIM_TYPES  # noqa: E402
from bench.corpus import load_documents, load_gold  # noqa: E402
from bench.predictions import read_predictions  # noqa: E402
from bench.scoring import score  # noqa: E402
from bench_score import write_corpus  # noqa: E402  (the corpus of bench_score.py, beside this file)

def nervaluate_input(claims_by_doc, doc_ids):
    """nervaluate's dict format: one list of {label, start, end} per document, end inclusive."""
    return [[{"label": c.type, "start": c.start, "end": c.end - 1} for c in claims_by_doc.get(d, ())]
            for d in doc_ids]


def nervaluate_from_files(folder: Path, doc_ids: list[str]):
    """What a nervaluate user writes to read the same files: json per line into its span lists."""
    gold: dict[str, list] = {}
    for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold[record["doc_id"]] = [{"label": c["type"], "start": c["start"], "end": c["end"] - 1}
                                  for c in record["claims"]]
    preds: dict[str, list] = {d: [] for d in doc_ids}
    for line in (folder / "preds.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        preds[c["doc_id"]].append({"label": c["type"], "start": c["start"], "end": c["end"] - 1})
    return [gold.get(d, []) for d in doc_ids], [preds[d] for d in doc_ids]


def run(n_docs: int, claims_per_doc: int, seed: int, repeat: int) -> dict:
    from nervaluate import Evaluator

    with tempfile.TemporaryDirectory(prefix="claimbench-perf-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        write_corpus(folder, n_docs, claims_per_doc, seed)
        generated = time.perf_counter() - began

        began = time.perf_counter()
        documents = load_documents(folder / "docs.jsonl")
        gold = load_gold(folder / "gold.jsonl")
        predictions = read_predictions(folder / "preds.jsonl", documents).by_doc
        loaded = time.perf_counter() - began

        began = time.perf_counter()
        nervaluate_from_files(folder, sorted(documents))
        nerv_loaded = time.perf_counter() - began

    scored = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = score(gold=gold, predictions=predictions, documents=documents)
        scored.append(time.perf_counter() - began)

    doc_ids = sorted(documents)
    true, pred = nervaluate_input(gold, doc_ids), nervaluate_input(predictions, doc_ids)
    nerv_times = []
    for _ in range(repeat):
        began = time.perf_counter()
        nerv = Evaluator(true, pred, tags=list(CLAIM_TYPES), loader="dict").evaluate()
        nerv_times.append(time.perf_counter() - began)

    n_claims = sum(map(len, gold.values())) + sum(map(len, predictions.values()))
    return {
        "docs": n_docs, "claims": n_claims, "generate_s": generated, "read_s": loaded, "score_s": min(scored),
        "nervaluate_read_s": nerv_loaded,
        "nervaluate_s": min(nerv_times), "repeat": repeat, "micro_f1": result.micro.f1,
        "nervaluate_strict_f1": nerv["overall"]["strict"].f1,
    }


def report(row: dict) -> str:
    docs, claims = row["docs"], row["claims"]
    ours, nerv, total = row["score_s"], row["nervaluate_s"], row["read_s"] + row["score_s"]
    lines = [
        f"{docs:,} documents, {claims:,} claims (gold + predicted); corpus written in {row['generate_s']:.1f} s; "
        f"best of {row['repeat']} timings",
        f"  ClaimBench score():        {ours:8.2f} s  {docs / ours:12,.0f} docs/s  {claims / ours:12,.0f} claims/s"
        f"  {ours / docs * 1e6:7.1f} us/doc",
        f"  ClaimBench read + score:   {total:8.2f} s  {docs / total:12,.0f} docs/s  {claims / total:12,.0f} claims/s"
        f"  {total / docs * 1e6:7.1f} us/doc",
        f"  nervaluate evaluate():     {nerv:8.2f} s  {docs / nerv:12,.0f} docs/s  {claims / nerv:12,.0f} claims/s"
        f"  {nerv / docs * 1e6:7.1f} us/doc",
        f"  nervaluate read + evaluate:{nerv + row['nervaluate_read_s']:8.2f} s  (its files read with json per line)",
        f"  throughput ratio score() / nervaluate: {nerv / ours:.1f}x; "
        f"from files, read + score / read + evaluate: {(nerv + row['nervaluate_read_s']) / total:.2f}x",
        f"  (lenient micro F1 {row['micro_f1']:.3f}; nervaluate strict F1 {row['nervaluate_strict_f1']:.3f})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="numbers of documents")
    parser.add_argument("--claims", type=int, default=20, help="gold claims per document")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="time score() and nervaluate this many times and keep the best (default: 3)")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        rows.append(run(size, args.claims, args.seed, args.repeat))
        print(report(rows[-1]), flush=True)
    if len(rows) > 1:
        per_doc = ", ".join(f"{r['docs']:,}: {r['score_s'] / r['docs'] * 1e6:.1f} us/doc" for r in rows)
        print(f"score() time per document by size (flat = linear growth): {per_doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
