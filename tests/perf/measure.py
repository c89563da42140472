"""Whole processes timed side by side: CPU time (user + system) and peak resident memory of each.

Each command runs as a child process reaped with ``os.wait4``, whose resource usage is that
child's alone (its own ``ru_utime + ru_stime`` and ``ru_maxrss``), so two tools measured in
one script are measured the same way. Children run with Python's bytecode cache enabled, as
an installed package has it (``PYTHONDONTWRITEBYTECODE`` is dropped from their environment),
after one unmeasured warm-up run; the best of ``repeat`` runs is kept, since a shared machine
only ever adds time.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Measured:
    cpu_s: float
    wall_s: float
    peak_mb: float
    stdout: str
    stderr: str


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(command: list[str], cwd: Path = ROOT) -> Measured:
    import time

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=environment())
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command[:4]))} … failed ({child.returncode}):\n{stderr[-3000:]}")
    return Measured(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, stdout, stderr)


def best_of(command: list[str], repeat: int, *, warm_up: bool = True, cwd: Path = ROOT) -> Measured:
    """The run with the least CPU time of ``repeat`` (after a warm-up run, unless told not to)."""
    if warm_up:
        run_once(command, cwd)
    runs = [run_once(command, cwd) for _ in range(repeat)]
    return min(runs, key=lambda m: m.cpu_s)


def bench_command() -> list[str]:
    """The ``bench`` script of the environment running this script."""
    import sys

    script = Path(sys.executable).parent / "bench"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bench.cli"]
