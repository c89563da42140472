"""Run folders: the one module that writes them and reads them back.

A run is ``<out>/<run_id>/`` holding

- ``results.json``: what was scored (task, model, signature, gold hashes, settings,
  versions, timing, coverage, warnings, usage), ``scores`` keyed by scheme, and ``files``,
  the SHA-256 of each other file, which every reader checks;
- ``predictions.jsonl``: the predictions scored, rescorable with ``bench score``; for a
  scored file, the file's own bytes, so free-text lines stay free text;
- ``units.npz``: the per-unit statistics behind the intervals, by scheme (what
  ``bench compare`` resamples for its paired test);
- ``outcomes.npz``: the outcome of every gold record and every prediction, by scheme, as
  references: a gold record is its position in the gold (documents in doc_id order, each
  in file order), a prediction its line in ``predictions.jsonl``; similarities are not
  stored, they follow from the spans;
- ``alignment.jsonl``: for a file with free-text lines, where each such line was placed;
- ``report.html`` when asked for.

The ``.npz`` files are NumPy's zip of arrays (``numpy.load`` opens them). Nothing is
stored twice, so a run is about the size of the predictions it scores.

A folder is built under a hidden staging name (``.<run_id>.<random>.partial``) and renamed
into place, so an existing run is never touched and a failed save leaves nothing. A save
that is killed outright may leave its staging folder: every reader ignores hidden folders,
and it can be deleted. Run folders follow the umask, like any file the user creates.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from .errors import InputError
from .jsonio import decode_file, decode_lines, read_bytes, to_json, umask, write_error
from .matching import OUTCOMES
from .significance import Units, units_from_arrays, units_to_arrays

FORMAT = 3  # 3 lists the SHA-256 of every file in results.json; 2 (read as before) did not
READABLE_FORMATS = (2, 3)
RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
UNITS_FILE = "units.npz"
OUTCOMES_FILE = "outcomes.npz"
ALIGNMENT_FILE = "alignment.jsonl"
REPORT_FILE = "report.html"
STAGING_SUFFIX = ".partial"
DEFAULT_RESULTS_DIR = Path("results")
_RUN_ID = re.compile(r"[A-Za-z0-9._-]{1,120}")


class GoldInfo(msgspec.Struct):
    path: str
    docs_path: str
    version: str
    sha256: str
    docs_sha256: str
    documents: int
    claims: int
    layer: str = "claims"
    claims_per_type: dict[str, int] = {}
    quantities: int | None = None
    clusters: int | None = None
    conflicts: int | None = None


class Coverage(msgspec.Struct):
    documents: int
    predicted: int
    predictions: int


class Results(msgspec.Struct, omit_defaults=True):
    """The typed content of ``results.json``; a file that does not fit is refused on reading."""

    format: int
    task: str
    model: str
    run_id: str
    created: str
    signature: str
    signatures: dict[str, str]
    gold: GoldInfo
    settings: dict[str, Any]
    system: dict[str, Any]
    config: dict[str, Any]
    versions: dict[str, str]
    timing: dict[str, float]
    scores: dict[str, dict[str, Any]]
    coverage: Coverage | None = None
    warnings: list[str] = []
    alignment: dict[str, int] | None = None
    usage: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None
    files: dict[str, str] | None = None  # SHA-256 of every other file of the run, checked when it is read


_RESULTS_DECODER = msgspec.json.Decoder(Results)


@dataclass(slots=True)
class RunContent:
    """Everything a run folder holds, before it is written."""

    results: Results
    predictions: bytes
    units: dict[str, Units] = field(default_factory=dict)
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)
    alignment: bytes | None = None


# ---------------------------------------------------------------- writing

def slug(name: str) -> str:
    """A model name usable in a folder name (``./my.py:Model`` -> ``my.py-Model``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("\\", "/").rsplit("/", 1)[-1])
    return cleaned.strip("-.")[:80] or "model"


def new_run_id(model: str, created: datetime) -> str:
    return f"{slug(model)}-{created.strftime('%Y%m%d-%H%M%S')}"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A NumPy ``.npz`` (zip of ``.npy``), deflated quickly."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _files(content: RunContent) -> dict[str, bytes]:
    files = {PREDICTIONS_FILE: content.predictions}
    if content.units:
        arrays = {}
        for scheme, units in content.units.items():
            arrays |= units_to_arrays(units, scheme)
        files[UNITS_FILE] = npz_bytes(arrays)
    if content.outcomes:
        files[OUTCOMES_FILE] = npz_bytes(content.outcomes)
    if content.alignment is not None:
        files[ALIGNMENT_FILE] = content.alignment
    content.results.files = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    return {RESULTS_FILE: to_json(msgspec.to_builtins(content.results), indent=True), **files}


def save_run(out_dir: Path | str, content: RunContent) -> Path:
    """Write a new run folder atomically; a taken id gets a numeric suffix (stored inside too)."""
    out_dir = Path(out_dir)
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError("is a file, expected a folder for runs", path=out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, out_dir) from None
    base = content.results.run_id
    for attempt in range(1, 1000):
        run_id = base if attempt == 1 else f"{base}-{attempt}"
        target = out_dir / run_id
        try:
            if target.exists():
                continue
        except OSError as exc:
            raise write_error(exc, target) from None
        content.results.run_id = run_id
        staging = None
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{run_id[:60]}.", suffix=STAGING_SUFFIX, dir=out_dir))
            for name, data in _files(content).items():
                with open(staging / name, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it private; a run follows the umask
            try:
                os.rename(staging, target)  # fails if another run took the name meanwhile
            except OSError:
                if target.exists():
                    continue
                raise
            staging = None
            return target
        except OSError as exc:
            raise write_error(exc, target) from None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    raise InputError(f"too many runs named {base}", path=out_dir)


def add_file(run: Path, name: str, data: bytes) -> Path:
    """A file added to an existing run (its report), atomically; never one of the run's own files."""
    from .jsonio import write_atomic

    if name in (RESULTS_FILE, PREDICTIONS_FILE, UNITS_FILE, OUTCOMES_FILE, ALIGNMENT_FILE):
        raise ValueError(f"{name} belongs to the run and is never rewritten")
    return write_atomic(Path(run) / name, data)


# ---------------------------------------------------------------- reading

@dataclass(slots=True)
class Run:
    """A run folder read back: ``results`` at once, the rest when asked for."""

    folder: Path
    results: Results
    _units: dict[str, Units] | None = None
    _outcomes: dict[str, np.ndarray] | None = None

    @property
    def run_id(self) -> str:
        return self.results.run_id

    @property
    def predictions_path(self) -> Path:
        return self.folder / PREDICTIONS_FILE

    def _read(self, name: str) -> bytes | None:
        """One of the run's files (None if absent), refused if it is not the file the run wrote.

        Runs saved before hashes were recorded are read unchecked.
        """
        path = self.folder / name
        recorded = (self.results.files or {}).get(name)
        if not path.is_file():
            if recorded is not None:
                raise InputError(f"is missing, though the run wrote it ({RESULTS_FILE} lists it)", path=path)
            return None
        data = read_bytes(path)
        if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
            raise InputError(f"is not the file this run wrote (its hash differs from the one in {RESULTS_FILE}): "
                             "the run was changed", path=path)
        return data

    def predictions(self) -> bytes:
        data = self._read(PREDICTIONS_FILE)
        if data is None:
            raise InputError("not found", path=self.predictions_path)
        return data

    def predictions_sha256(self) -> str:
        """The hash of ``predictions.jsonl``: as recorded (checked whenever the file is read), else computed."""
        return (self.results.files or {}).get(PREDICTIONS_FILE) or hashlib.sha256(self.predictions()).hexdigest()

    def units(self) -> dict[str, Units]:
        """Unit statistics by scheme ({} for a run saved without them)."""
        if self._units is None:
            arrays = _read_npz(self._read(UNITS_FILE), self.folder / UNITS_FILE)
            schemes = sorted({name.rsplit(".", 1)[0] for name in arrays})
            try:
                self._units = {s: units_from_arrays(arrays, s) for s in schemes}
            except (KeyError, ValueError, TypeError) as exc:
                raise InputError(f"damaged unit statistics: {exc}", path=self.folder / UNITS_FILE) from None
        return self._units

    def outcomes(self) -> dict[str, np.ndarray]:
        """The outcome arrays ({} for a run saved without them), their indices checked."""
        if self._outcomes is None:
            path = self.folder / OUTCOMES_FILE
            arrays = _read_npz(self._read(OUTCOMES_FILE), path)
            problem = _outcome_problem(arrays) if arrays else None
            if problem:
                raise InputError(f"damaged outcomes: {problem}", path=path)
            self._outcomes = arrays
        return self._outcomes

    def alignment(self) -> list[dict] | None:
        data = self._read(ALIGNMENT_FILE)
        if data is None:
            return None
        rows, _ = decode_lines(self.folder / ALIGNMENT_FILE, _ALIGNMENT_DECODER, data=data)
        return [msgspec.to_builtins(r) for r in rows]


def _outcome_problem(arrays: dict[str, np.ndarray]) -> str | None:
    """What makes outcome arrays unusable: a missing table, an index out of range (see ``outcome_arrays``)."""
    for name in ("gold_offsets", "pred_offsets", "pred_line"):
        if name not in arrays:
            return f'no "{name}"'
    gold, preds = arrays["gold_offsets"], arrays["pred_offsets"]
    for offsets in (gold, preds):
        if offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 or np.any(np.diff(offsets) < 0):
            return "offsets out of order"
    n_gold, n_pred = int(gold[-1]), int(preds[-1])
    if len(arrays["pred_line"]) != n_pred:
        return "a line number for each prediction is missing"
    for name, array in arrays.items():
        kind = name.rpartition(".")[2]
        size, high = {"gold_kind": (n_gold, len(OUTCOMES)), "pred_kind": (n_pred, len(OUTCOMES)),
                      "gold_pred": (n_gold, n_pred)}.get(kind, (None, None))
        if size is not None and (len(array) != size or (len(array) and not -1 <= array.min() <= array.max() < high)):
            return f'"{name}" does not fit the records it describes'
    return None


class AlignmentRow(msgspec.Struct):
    line: int
    doc_id: str
    method: str
    score: float | None
    start: int
    end: int


_ALIGNMENT_DECODER = msgspec.json.Decoder(AlignmentRow)


def _read_npz(data: bytes | None, path: Path) -> dict[str, np.ndarray]:
    if data is None:
        return {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except Exception as exc:  # a damaged zip or array: any of several exception types
        raise InputError(f"damaged or unreadable: {type(exc).__name__}", path=path) from None


def find_run(spec: str | Path, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    """A run named by its folder or by its id under the results folder (never a hidden staging folder)."""
    spec_path = Path(spec)
    if spec_path.name == RESULTS_FILE and spec_path.is_file():
        spec_path = spec_path.parent
    for candidate in (spec_path, Path(results_dir) / spec_path):
        if candidate.name.startswith(".") and candidate.name.endswith(STAGING_SUFFIX):
            continue
        if (candidate / RESULTS_FILE).is_file():
            return candidate
    raise InputError(f'no run "{spec}" (expected a run folder or a run id under {results_dir}/)')


def read_run(folder: Path | str) -> Run:
    """The run in ``folder``, its results checked field by field."""
    folder = Path(folder)
    path = folder / RESULTS_FILE
    results = decode_file(path, _RESULTS_DECODER, _explain_results)
    if results.format not in READABLE_FORMATS:
        raise InputError(f"run format {results.format}, this ClaimBench reads formats "
                         f"{', '.join(map(str, READABLE_FORMATS))}: score the run's predictions.jsonl again with "
                         "bench score", path=path)
    if results.format >= 3 and results.files is None:
        raise InputError(f'has no "files" (the hashes every run of format {results.format} records): '
                         "the run was changed", path=path)
    if not _RUN_ID.fullmatch(results.run_id):
        raise InputError(f"not a run id: {results.run_id[:40]!r}", path=path)
    from .tasks import get_task

    try:
        task = get_task(results.task)
    except InputError as exc:
        raise exc.at(path) from None
    problem = task.check_scores(results.scores)
    if problem:
        raise InputError(f"damaged scores: {problem}", path=path)
    return Run(folder, results)


def _explain_results(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return "not a ClaimBench results file (expected a JSON object)"
    for name in ("format", "task", "run_id", "signature", "scores", "gold"):
        if name not in obj:
            return f'not a ClaimBench results file: missing field "{name}"'
    return None


def find_linked_run(links_run: Path, run_id: str, signed: str | None) -> Path:
    """The claims run an end-to-end links run linked: beside it, in a folder beside its folder, or
    under results/; only a run whose predictions have the hash the links run signed is taken."""
    digest = signed.partition("#")[2] if signed else ""
    parent = Path(links_run).parent
    for candidate in (parent / run_id, *sorted(parent.parent.glob(f"*/{run_id}")), DEFAULT_RESULTS_DIR / run_id):
        if (candidate / RESULTS_FILE).is_file():
            run = read_run(candidate)
            run.predictions()  # present and, when the run recorded its hash, unchanged
            if not digest or run.predictions_sha256().startswith(digest):
                return candidate
    raise InputError(f'cannot find the claims run "{run_id}" it linked (looked beside the run, in the folders '
                     f"beside its folder and under {DEFAULT_RESULTS_DIR}/)", path=links_run)
