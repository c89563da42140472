"""Cost of placing free-text claims (bench.align) as documents grow from 1x to 32x.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_align.py
    .venv/bin/python tests/perf/bench_align.py --scales 1 2 4 --repeat 1

The 1x document is the five seed articles and the two held-out ones joined together. The
k-x document is k copies of it; in copy i every word except the 100 most frequent of the
1x text gets the suffix i, so that, as along a real long text, function words recur
throughout while names and content words change. The claims to place grow with the
document too: for every gold claim of every copy, its text verbatim
(exact match), reworded (every third word dropped, "officials said" appended: fuzzy
match), and, for one claim in ten, a sentence the document does not support (unaligned).
A second table places only the claims of the first copy (a fixed set) in every document.

For each scale it reports the CPU time to index the document (normalised text, tokens and
windows, which ``DocumentIndex`` otherwise builds when a claim first needs them) and to place
the claims (best of ``--repeat``), in microseconds per character of document and per claim,
and how the claims were placed. Indexing is linear when its time per character is flat; placing is when the
time per claim is flat with claims growing with the document, or the time per character
flat with a fixed set of claims.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.align import DocumentIndex  # noqa: E402
from bench.corpus import load_documents, load_gold  # noqa: E402

WORD = re.compile(r"[^\W\d_]+")
SHARED_WORDS = 100
UNSUPPORTED = (
    "The football final was postponed because of heavy rain",
    "Scientists discovered a rare orchid species near the border",
    "Grain exports through the northern ports doubled in the first quarter",
    "An earthquake shook the coastal city late on Sunday",
)


def base() -> tuple[str, list[str]]:
    """The 1x text and the gold claim texts in it."""
    parts, claims = [], []
    for docs, gold in ((ROOT / "seeds", ROOT / "gold"),
                       (ROOT / "tests/data/heldout/docs", ROOT / "tests/data/heldout/gold")):
        documents, labels = load_documents(docs), load_gold(gold)
        for doc_id in sorted(documents):
            parts.append(documents[doc_id].text)
            claims += [c.text or documents[doc_id].text[c.start:c.end] for c in labels.get(doc_id, [])]
    return "\n\n".join(parts), claims


def shared_words(text: str) -> frozenset[str]:
    counts = Counter(w.lower() for w in WORD.findall(text))
    return frozenset(w for w, _ in counts.most_common(SHARED_WORDS))


def renamed(text: str, copy: int, shared: frozenset[str]) -> str:
    if copy == 0:
        return text
    return WORD.sub(lambda m: m.group() if m.group().lower() in shared else f"{m.group()}q{copy}", text)


def reworded(text: str) -> str:
    words = text.split()
    return " ".join(w for k, w in enumerate(words) if k % 3 != 1) + " officials said"


def workload(scale: int, growing: bool = True) -> tuple[str, list[str]]:
    text, claims = base()
    shared = shared_words(text)
    document = "\n\n".join(renamed(text, i, shared) for i in range(scale))
    queries = []
    for i in range(scale if growing else 1):
        for k, claim in enumerate(claims):
            queries += [renamed(claim, i, shared), renamed(reworded(claim), i, shared)]
            if k % 10 == 0:
                queries.append(UNSUPPORTED[(i + k) % len(UNSUPPORTED)])
    return document, queries


def measure(scale: int, repeat: int, growing: bool = True) -> dict:
    document, queries = workload(scale, growing)
    build = place = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        index = DocumentIndex(document)
        index.norm, index.window_arrays  # the index is built on demand: build it here, to time it apart
        built = time.process_time()
        placed = [index.align(q) for q in queries]
        done = time.process_time()
        build, place = min(build, built - started), min(place, done - built)
    return {
        "scale": scale, "chars": len(document), "claims": len(queries), "windows": len(index.windows),
        "build_s": build, "place_s": place, "methods": Counter(p.method for p in placed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for growing in (True, False):
        print("\nclaims growing with the document" if growing else "\na fixed set of claims (the first copy's)")
        print("| scale | chars | claims | windows | index | place all | index µs/char | place µs/char "
              "| place µs/claim | exact / fuzzy / unaligned |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for scale in args.scales:
            r = measure(scale, args.repeat, growing)
            m = r["methods"]
            print(f"| {r['scale']}x | {r['chars']:,} | {r['claims']:,} | {r['windows']:,} | {r['build_s']:.2f} s "
                  f"| {r['place_s']:.2f} s | {1e6 * r['build_s'] / r['chars']:.2f} "
                  f"| {1e6 * r['place_s'] / r['chars']:.2f} | {1e6 * r['place_s'] / r['claims']:.0f} "
                  f"| {m['exact'] + m['normalised']} / {m['fuzzy']} / {m['unaligned']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
