"""Scale benchmark of the scorer against nervaluate, on synthetic corpora read from files.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_scoring.py                 # 10k and 100k documents
    .venv/bin/python tests/perf/bench_scoring.py --sizes 10000

For each size it writes docs.jsonl, gold.jsonl and preds.jsonl to a temporary folder
(about 20 gold claims a document; predictions copied from gold, some shifted, some
retyped, some dropped, some spurious), then reads them back and scores them as a user
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
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.claims import ATTRIBUTIONS, CLAIM_TYPES  # noqa: E402
from bench.corpus import load_documents, load_gold  # noqa: E402
from bench.predictions import read_predictions  # noqa: E402
from bench.scoring import score  # noqa: E402

WORDS = ("the", "army", "said", "on", "tuesday", "that", "troops", "had", "left", "city", "about", "1,200",
         "people", "were", "evacuated", "from", "plant", "officials", "expect", "talks", "to", "resume",
         "next", "week", "minister", "rejected", "proposal", "Kyiv", "Moscow", "Mariupol", "réfugiés")
CLAIMANTS = {"Vladimir Putin": ["Putin", "President Putin"], "Volodymyr Zelensky": ["Zelensky", "Zelenskyy"],
             "Dmitry Peskov": ["Peskov"]}


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def make_document(doc_id: str, rng: random.Random, claims_per_doc: int):
    """Text of ~10 paragraphs with 2 claims each, its gold claims and perturbed predictions."""
    parts: list[str] = []
    gold: list[dict] = []
    length = 0
    for paragraph in range(claims_per_doc // 2):
        if paragraph:
            parts.append("\n\n")
            length += 2
        for _ in range(2):
            lead = sentence(rng, 2, 6) + " "
            body = sentence(rng, 5, 12)
            parts.extend((lead, body, ". "))
            start = length + len(lead)
            gold.append({"id": f"{doc_id}-{len(gold)}", "start": start, "end": start + len(body), "text": body,
                         "type": rng.choice(CLAIM_TYPES), "claimant": rng.choice(list(CLAIMANTS)),
                         "attribution": rng.choice(ATTRIBUTIONS)})
            length += len(lead) + len(body) + 2
    text = "".join(parts)
    preds: list[dict] = []
    for claim in gold:
        r = rng.random()
        if r < 0.10:
            continue  # dropped
        pred = {"doc_id": doc_id, "start": claim["start"], "end": claim["end"], "type": claim["type"],
                "claimant": rng.choice([claim["claimant"], *CLAIMANTS[claim["claimant"]]]).upper(),
                "attribution": claim["attribution"], "score": round(rng.random(), 3)}
        if r < 0.35:  # boundaries off by a few characters (some below the IoU threshold)
            pred["start"] = min(max(0, claim["start"] + rng.randint(-6, 12)), claim["end"] - 1)
            pred["end"] = max(pred["start"] + 1, min(len(text), claim["end"] + rng.randint(-12, 6)))
        elif r < 0.45:
            pred["type"] = rng.choice(CLAIM_TYPES)
        pred["text"] = text[pred["start"]:pred["end"]]
        preds.append(pred)
    for _ in range(rng.randint(0, 4)):  # spurious
        start = rng.randrange(len(text) - 10)
        end = min(len(text), start + rng.randint(5, 60))
        preds.append({"doc_id": doc_id, "start": start, "end": end, "type": rng.choice(CLAIM_TYPES),
                      "text": text[start:end]})
    rng.shuffle(preds)
    return text, gold, preds


def write_corpus(folder: Path, n_docs: int, claims_per_doc: int, seed: int) -> None:
    rng = random.Random(seed)
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as docs, \
            (folder / "gold.jsonl").open("w", encoding="utf-8") as gold, \
            (folder / "preds.jsonl").open("w", encoding="utf-8") as preds:
        for k in range(n_docs):
            doc_id = f"doc{k:07d}"
            text, doc_gold, doc_preds = make_document(doc_id, rng, claims_per_doc)
            docs.write(json.dumps({"doc_id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            gold.write(json.dumps({"doc_id": doc_id, "claims": doc_gold}, ensure_ascii=False) + "\n")
            preds.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in doc_preds)


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
