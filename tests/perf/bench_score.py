"""`bench score` against nervaluate, as whole processes on the same files, side by side in one run.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_score.py                    # 2,000 and 20,000 documents (40k, 400k claims)
    .venv/bin/python tests/perf/bench_score.py --docs 2000 --repeat 1

For each size it writes a synthetic corpus (docs.jsonl, gold.jsonl, preds.jsonl) to a
temporary folder: about 20 gold claims a document in 10 paragraphs, words drawn from a
Zipf-distributed vocabulary of 5,000 words as in running text; predictions copied from the
gold with 10% dropped, 25% with shifted boundaries, 10% retyped, claimants in other
spellings, and 0-4 spurious ones a document, placed between the claims (predictions never
overlap one another, so nervaluate, which is not one-to-one, and ClaimBench count the same
strict matches). Then, each as its own process (``measure.py``: CPU time and peak memory of
the child alone, best of ``--repeat`` after a warm-up run):

- ClaimBench: ``bench score preds.jsonl --gold gold.jsonl --docs docs.jsonl`` from process
  start to the run saved (every scheme the predictions call for, 1,000-resample intervals,
  outcomes and units);
- the same with ``--gold-cache DIR``, the cache written by its warm-up run: what each further
  system scored against the same gold costs;
- nervaluate: a script that reads the same three files with ``json``, one line at a time,
  into nervaluate's span lists and calls ``Evaluator(...).evaluate()``.

It prints the CPU times and their ratios, checks that ClaimBench's strict counts equal
nervaluate's and that the run with the cache is the run without it, and reports the size of the run folder against the predictions file. Figures
are in tests/perf/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from pathlib import Path

TYPES = ("quantity", "prediction", "position", "event")
ATTRIBUTIONS = ("direct", "indirect", "author")
CLAIMANTS = {"Vladimir Putin": ["Putin", "President Putin"], "Volodymyr Zelensky": ["Zelensky", "Zelenskyy"],
             "Dmitry Peskov": ["Peskov"], "Red Cross": ["ICRC"]}
VOCABULARY = 5000

NERVALUATE = """
import json, sys
from nervaluate import Evaluator
folder, types = sys.argv[1], ["quantity", "prediction", "position", "event"]
doc_ids = [json.loads(line)["doc_id"] for line in open(f"{folder}/docs.jsonl", encoding="utf-8")]
gold = {}
for line in open(f"{folder}/gold.jsonl", encoding="utf-8"):
    record = json.loads(line)
    gold[record["doc_id"]] = [{"label": c["type"], "start": c["start"], "end": c["end"] - 1} for c in record["claims"]]
preds = {d: [] for d in doc_ids}
for line in open(f"{folder}/preds.jsonl", encoding="utf-8"):
    c = json.loads(line)
    preds[c["doc_id"]].append({"label": c["type"], "start": c["start"], "end": c["end"] - 1})
result = Evaluator([gold.get(d, []) for d in doc_ids], [preds[d] for d in doc_ids], tags=types).evaluate()
strict = result["overall"]["strict"]
print(json.dumps({"tp": strict.correct, "fp": strict.incorrect + strict.partial + strict.spurious,
                  "fn": strict.incorrect + strict.partial + strict.missed}))
"""


def words(rng: random.Random, vocabulary: list[str], cum_weights: list[float], low: int, high: int) -> str:
    return " ".join(rng.choices(vocabulary, cum_weights=cum_weights, k=rng.randint(low, high)))


def make_document(doc_id: str, rng: random.Random, vocabulary, weights, claims_per_doc: int):
    parts, gold, leads, length = [], [], [], 0
    for paragraph in range(claims_per_doc // 2):
        if paragraph:
            parts.append("\n\n")
            length += 2
        for _ in range(2):
            lead = words(rng, vocabulary, weights, 2, 6) + " "
            body = words(rng, vocabulary, weights, 5, 12)
            parts.extend((lead, body, ". "))
            start = length + len(lead)
            leads.append((length, start - 1))
            attribution = rng.choice(ATTRIBUTIONS)
            claimant = "author" if attribution == "author" else rng.choice(list(CLAIMANTS))
            gold.append({"id": f"c{len(gold)}", "start": start, "end": start + len(body), "text": body,
                         "type": rng.choice(TYPES), "claimant": claimant, "attribution": attribution})
            length += len(lead) + len(body) + 2
    text = "".join(parts)
    preds = []
    for claim in gold:
        r = rng.random()
        if r < 0.10:
            continue
        spelling = claim["claimant"] if claim["claimant"] == "author" else rng.choice(
            [claim["claimant"], *CLAIMANTS[claim["claimant"]]]).upper()
        pred = {"doc_id": doc_id, "start": claim["start"], "end": claim["end"], "type": claim["type"],
                "claimant": spelling, "attribution": claim["attribution"], "score": round(rng.random(), 3)}
        if r < 0.35:
            pred["start"] = min(max(0, claim["start"] + rng.randint(-6, 12)), claim["end"] - 1)
            pred["end"] = max(pred["start"] + 1, min(len(text), claim["end"] + rng.randint(-12, 6)))
        elif r < 0.45:
            pred["type"] = rng.choice(TYPES)
        preds.append(pred)
    for lead_start, lead_end in rng.sample(leads, min(len(leads), rng.randint(0, 4))):  # spurious, between the claims
        if lead_end - 7 > lead_start:  # clear of a shifted prediction reaching 6 characters back
            preds.append({"doc_id": doc_id, "start": lead_start, "end": lead_end - 7, "type": rng.choice(TYPES)})
    rng.shuffle(preds)
    return text, gold, preds


def write_corpus(folder: Path, n_docs: int, claims_per_doc: int, seed: int) -> int:
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
                  for _ in range(VOCABULARY)]
    weights = list(itertools.accumulate(1 / (k + 1) for k in range(VOCABULARY)))  # Zipf, cumulated once
    n_claims = 0
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as docs, \
            (folder / "gold.jsonl").open("w", encoding="utf-8") as gold, \
            (folder / "preds.jsonl").open("w", encoding="utf-8") as preds:
        for k in range(n_docs):
            doc_id = f"doc{k:07d}"
            text, doc_gold, doc_preds = make_document(doc_id, rng, vocabulary, weights, claims_per_doc)
            docs.write(json.dumps({"doc_id": doc_id, "text": text}) + "\n")
            gold.write(json.dumps({"doc_id": doc_id, "claims": doc_gold}) + "\n")
            preds.writelines(json.dumps(p) + "\n" for p in doc_preds)
            n_claims += len(doc_gold)
    (folder / "claimants.json").write_text(json.dumps(CLAIMANTS), encoding="utf-8")
    return n_claims


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_size(n_docs: int, claims: int, repeat: int, seed: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # measure.py, beside this script
    from measure import bench_command, best_of

    with tempfile.TemporaryDirectory(prefix="claimbench-perf-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        n_gold = write_corpus(folder, n_docs, claims, seed)
        n_preds = sum(1 for _ in (folder / "preds.jsonl").open(encoding="utf-8"))
        print(f"corpus: {n_docs:,} documents, {n_gold:,} gold claims, {n_preds:,} predictions "
              f"(written in {time.perf_counter() - began:.1f} s); predictions file "
              f"{(folder / 'preds.jsonl').stat().st_size / 1e6:.1f} MB", flush=True)
        out = folder / "runs"
        command = [*bench_command(), "score", str(folder / "preds.jsonl"), "--gold", str(folder / "gold.jsonl"),
                   "--docs", str(folder / "docs.jsonl"), "--out", str(out), "--quiet", "--format", "json"]
        ours = best_of(command, repeat)
        cached = best_of([*command, "--gold-cache", str(folder / "cache")], repeat)  # the warm-up run writes it
        theirs = best_of([sys.executable, "-c", NERVALUATE, str(folder)], repeat)
        results, strict = json.loads(ours.stdout), json.loads(theirs.stdout)
        same = {k: v for k, v in json.loads(cached.stdout).items() if k not in ("run_id", "created", "timing")} == \
            {k: v for k, v in results.items() if k not in ("run_id", "created", "timing")}
        micro = results["scores"]["strict"]["micro"]
        run = sorted(p for p in out.iterdir() if p.is_dir())[-1]
        return {"docs": n_docs, "gold": n_gold, "preds": n_preds, "ours": ours, "cached": cached, "theirs": theirs,
                "equal": (micro["tp"], micro["fp"], micro["fn"]) == (strict["tp"], strict["fp"], strict["fn"])
                and same,
                "strict": micro, "schemes": list(results["scores"]),
                "run_mb": folder_size(run) / 1e6, "preds_mb": (folder / "preds.jsonl").stat().st_size / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[2_000, 20_000],
                        help="documents, one corpus per number (default: 2,000 and 20,000)")
    parser.add_argument("--claims", type=int, default=20, help="gold claims a document (default: 20)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs of each (default: 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = [measure_size(n, args.claims, args.repeat, args.seed) for n in args.docs]
    print("\n| gold claims | `bench score` CPU (peak memory) | with `--gold-cache` | nervaluate CPU (peak memory) "
          "| ratio | ratio with the cache | strict counts equal | run folder / predictions file |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ours, cached, theirs = r["ours"], r["cached"], r["theirs"]
        print(f"| {r['gold']:,} | {ours.cpu_s:.2f} s ({ours.peak_mb:.0f} MB) | {cached.cpu_s:.2f} s "
              f"({cached.peak_mb:.0f} MB) | {theirs.cpu_s:.2f} s ({theirs.peak_mb:.0f} MB) "
              f"| {theirs.cpu_s / ours.cpu_s:.2f}x | {theirs.cpu_s / cached.cpu_s:.2f}x | {'yes' if r['equal'] else 'NO'} "
              f"(tp {r['strict']['tp']:,}) | {r['run_mb']:.1f} / {r['preds_mb']:.1f} MB |")
    print(f"schemes computed: {', '.join(rows[-1]['schemes'])}")
    return 0 if all(r["equal"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
