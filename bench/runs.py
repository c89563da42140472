"""Run folders: written whole or not at all, never overwritten, found again by id or path.

A run is ``<out>/<run_id>/`` holding ``results.json``, ``predictions.jsonl`` (rescorable)
``errors.jsonl`` (the per-document error breakdown of every scheme), ``units.json`` (the
per-paragraph counts the bootstrap and the paired test resample) and, for a scored
file with free-text lines, ``alignment.jsonl`` (where each line was placed, and how). The folder is
built under a hidden temporary name and renamed into place, so a crash leaves no half run
and an existing run is never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path

from .errors import InputError

RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
ERRORS_FILE = "errors.jsonl"
ALIGNMENT_FILE = "alignment.jsonl"
# Per-paragraph counts behind the intervals and the paired test: large, so kept compact.
UNITS_FILE = "units.json"
DEFAULT_RESULTS_DIR = Path("results")


def slug(name: str) -> str:
    """A model name usable in a folder name (``./my.py:Model`` -> ``my.py-Model``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("\\", "/").rsplit("/", 1)[-1])
    return cleaned.strip("-.") or "model"


def new_run_id(model: str, created: datetime) -> str:
    return f"{slug(model)}-{created.strftime('%Y%m%d-%H%M%S')}"


def write_run(out_dir: Path, run_id: str, render: Callable[[str], dict[str, str]]) -> Path:
    """Write a new run folder atomically; a taken id gets a numeric suffix.

    ``render`` gives the files for the id finally chosen, so the id stored inside a run
    always equals its folder name.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("is a file, expected a folder for runs", path=out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the runs folder: {exc.strerror}", path=out_dir) from None
    for attempt in range(1, 1000):
        candidate = run_id if attempt == 1 else f"{run_id}-{attempt}"
        target = out_dir / candidate
        if target.exists():
            continue
        staging = Path(tempfile.mkdtemp(prefix=f".{candidate}.", dir=out_dir))
        try:
            for name, content in render(candidate).items():
                with open(staging / name, "w", encoding="utf-8") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
            try:
                os.rename(staging, target)  # fails if another run took the name meanwhile
            except OSError:
                if target.exists():
                    continue
                raise
            return target
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise InputError(f"too many runs named {run_id}", path=out_dir)


def results_json(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2) + "\n"


def jsonl(rows) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


def find_run(spec: str, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    """A run named by its folder or by its id under the results folder."""
    for candidate in (Path(spec), Path(results_dir) / spec):
        if (candidate / RESULTS_FILE).is_file():
            return candidate
    if Path(spec).is_file() and Path(spec).name == RESULTS_FILE:
        return Path(spec).parent
    raise InputError(f'no run "{spec}" (expected a run folder or a run id under {results_dir}/)')


def load_results(run: Path) -> dict:
    path = Path(run) / RESULTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    for key in ("run_id", "signature", "scores"):
        if key not in data:
            raise InputError(f'not a ClaimBench results file: missing field "{key}"', path=path)
    return data


def load_units(run: Path) -> dict:
    """The per-paragraph counts of a run, by scheme ({} for a run saved without them)."""
    path = Path(run) / UNITS_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)
