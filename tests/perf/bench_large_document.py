"""`bench score` on one very long document whose free-text prediction must be placed by alignment.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_large_document.py                 # 2 MB and 20 MB
    .venv/bin/python tests/perf/bench_large_document.py --mb 20 --repeat 1

The document repeats the five seed articles, joined by blank lines, to about the size asked
(UTF-8 bytes). Its gold is the first five claims of the first seed, with their offsets. The
predictions are three lines: two with offsets (one exact, one with a shifted start) and one
free-text line, a rewording of a gold claim that no exact or normalised match finds, so the
whole fuzzy alignment runs (the document is folded, tokenised and cut into windows, and the
windows holding each of the line's words are found). ``bench score`` runs as its own process
(``measure.py``: CPU time and peak memory of the child alone, best of ``--repeat`` after a
warm-up run), every scheme with 1,000-resample intervals, to the saved run. Reported: CPU
time, peak memory against the document's size, and where the line was placed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # measure.py, beside this script
from measure import ROOT, bench_command, best_of, run_once  # noqa: E402

REWORDED = "Russian troops continued the assault on the steel plant after evacuations of civilians"


def write_case(folder: Path, megabytes: float) -> tuple[int, int]:
    """docs.jsonl, gold.jsonl and preds.jsonl; returns the document's size in bytes and characters."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    unit = "\n\n".join(p.read_text(encoding="utf-8") for p in seeds)
    copies = max(1, round(megabytes * 1e6 / (len(unit.encode("utf-8")) + 2)))
    text = "\n\n".join([unit] * copies)
    claims = json.loads((ROOT / "gold" / f"{seeds[0].stem}.json").read_text(encoding="utf-8"))["claims"][:5]
    (folder / "docs.jsonl").write_text(json.dumps({"doc_id": "long", "text": text}, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    (folder / "gold.jsonl").write_text(json.dumps({"doc_id": "long", "claims": claims}, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    first, second = claims[0], claims[1]
    preds = [{"doc_id": "long", "start": first["start"], "end": first["end"], "type": first["type"]},
             {"doc_id": "long", "start": second["start"] + 3, "end": second["end"], "type": second["type"]},
             {"doc_id": "long", "text": REWORDED, "type": "event"}]
    (folder / "preds.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
    return len(text.encode("utf-8")), len(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[2, 20], help="document sizes in MB (default: 2 20)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default: 3)")
    args = parser.parse_args(argv)
    bare = best_of([sys.executable, "-c", "import numpy, msgspec"], args.repeat)
    print("| document | `bench score` CPU | peak memory | memory / document | placed |")
    print("|---|---|---|---|---|")
    for megabytes in args.mb:
        with tempfile.TemporaryDirectory(prefix="claimbench-perf-") as tmp:
            folder = Path(tmp)
            size, chars = write_case(folder, megabytes)
            out = folder / "runs"
            command = [*bench_command(), "score", str(folder / "preds.jsonl"), "--gold", str(folder / "gold.jsonl"),
                       "--docs", str(folder / "docs.jsonl"), "--out", str(out), "--quiet", "--format", "json"]
            measured = best_of(command, args.repeat) if args.repeat > 1 else run_once(command)
            run = sorted(p for p in out.iterdir() if p.is_dir())[-1]
            placed = json.loads((run / "alignment.jsonl").read_text(encoding="utf-8").splitlines()[0])
            print(f"| {size / 1e6:.1f} MB ({chars:,} characters) | {measured.cpu_s:.2f} s | "
                  f"{measured.peak_mb:.0f} MB | {measured.peak_mb * 2**20 / size:.1f}x "
                  f"| {placed['method']} {placed['start']}-{placed['end']} (F1 {placed['score']:.3f}) |", flush=True)
    print(f"beside it: python -c 'import numpy, msgspec' {bare.cpu_s:.2f} s CPU, {bare.peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
