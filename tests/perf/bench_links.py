"""The rules links baseline at scale: CPU time against the number of claims, in one run.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_links.py                  # 7,245 and 210,000 claims
    .venv/bin/python tests/perf/bench_links.py --copies 69 300

The claims are the 105 seed gold claims copied under other doc_ids (``--copies`` times), 30%
of the copies reworded (words shuffled, up to three dropped), so that both identical and
near-identical claims are linked. Each size is linked in a fresh process (CPU time of the
process, user + sys, and its peak memory); a time that grows no faster than the claims shows
the blocking at work (comparing every pair grew 3.5-4x per doubling).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import random, sys, time
sys.path.insert(0, "tests")
from test_linking_scale import _copies
from bench.baselines import linking
from bench.corpus import load_corpus
claims = _copies(load_corpus(), int(sys.argv[1]), random.Random(0), shuffle_words=True)
found = linking.link_by_rules(None, claims)
print(sum(map(len, claims.values())), len(found["clusters"]), len(found["conflicts"]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[69, 2000])
    args = parser.parse_args()
    print("| claims | clusters | conflicts | CPU s | peak MB |")
    print("| --- | --- | --- | --- | --- |")
    for copies in args.copies:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-c", CHILD, str(copies)], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        claims, clusters, conflicts = done.stdout.split()
        print(f"| {int(claims):,} | {clusters} | {conflicts} | {cpu:.1f} | {after.ru_maxrss / 1024:.0f} |")


if __name__ == "__main__":
    main()
