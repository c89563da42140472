"""Start-up: `bench run --model rules` over the seeds, cold, against the libraries it cannot do without.

Run from the repository root (not collected by pytest)::

    .venv/bin/python tests/perf/bench_startup.py
    .venv/bin/python tests/perf/bench_startup.py --repeat 10

Each command is its own process (``measure.py``: CPU time of the child alone, best of
``--repeat`` after a warm-up run, bytecode caches warm as an installed package has them):

- ``python -c pass``: the interpreter;
- ``python -c "import numpy, msgspec"``: the two libraries every command needs;
- ``bench run --model rules``: the rules baseline over the five seed articles, scored under
  every scheme with 1,000-resample intervals, from process start to the saved run.

Then it shows where the time of ``bench run`` goes: its imports, from ``python -X
importtime`` (self time summed by top-level package), and the run itself (``results.json``
timing).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # measure.py, beside this script
from measure import bench_command, best_of, run_once  # noqa: E402

IMPORTS = ("import bench.cli, bench.pipeline, bench.tasks.claims, baselines.rules, tabulate")


def import_times(repeat: int) -> dict[str, float]:
    """Seconds of self time per top-level package while importing what ``bench run --model rules`` imports."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        found: dict[str, float] = defaultdict(float)
        done = run_once([sys.executable, "-X", "importtime", "-c", IMPORTS])
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)", line)
            if match:
                found[match.group(3).split(".")[0]] += int(match.group(1)) / 1e6
        for name, seconds in found.items():
            best[name] = min(best.get(name, seconds), seconds)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs of each (default: 5)")
    args = parser.parse_args(argv)
    bare = best_of([sys.executable, "-c", "pass"], args.repeat)
    libraries = best_of([sys.executable, "-c", "import numpy, msgspec"], args.repeat)
    with tempfile.TemporaryDirectory(prefix="claimbench-perf-") as tmp:
        rules = best_of([*bench_command(), "run", "--model", "rules", "--quiet", "--format", "json", "--out", tmp],
                        args.repeat)
    timing = json.loads(rules.stdout)["timing"]
    print("| process | CPU | against `import numpy, msgspec` |")
    print("|---|---|---|")
    for name, measured in (("python -c pass", bare), ('python -c "import numpy, msgspec"', libraries),
                           ("bench run --model rules (seeds, to the saved run)", rules)):
        print(f"| `{name}` | {measured.cpu_s * 1000:.0f} ms | {measured.cpu_s / libraries.cpu_s:.2f}x |")
    times = import_times(args.repeat)
    shown = sorted(times.items(), key=lambda item: -item[1])
    print("\nimport self time by top-level package (best of runs, wall clock): "
          + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in shown[:8] if seconds >= 0.001))
    print(f"the run itself (results.json, wall clock): predict {timing['predict_s'] * 1000:.0f} ms "
          f"(the model {timing.get('model_s', 0) * 1000:.0f} ms), score {timing['score_s'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
