"""Run folders: the one module that writes them and reads them back, finished or partial.

A run is ``<out>/<run_id>/`` holding

- ``results.json``: what was scored (task, model, signature, gold hashes, settings,
  versions, timing, coverage, warnings, failures, usage), ``scores`` keyed by scheme, and
  ``files``, the SHA-256 of each other file, which every reader checks;
- ``predictions.jsonl``: the predictions scored, rescorable with ``bench score``; for a
  scored file, the file's own bytes, so free-text lines stay free text;
- ``units.npz``: the per-unit statistics behind the intervals, by scheme (what
  ``bench compare`` resamples for its paired test);
- ``outcomes.npz``: the outcome of every gold record and every prediction, by scheme
  (``bench.tasks.outcomes`` owns its layout and its codes);
- ``alignment.jsonl``: for a file with free-text lines, where each such line was placed;
- ``report.html`` when asked for.

Reading checks everything a reader uses: ``results.json`` field by field, every other file
against its hash (a file the list does not name, or names but is missing, is refused), the
unit arrays' shapes and ranges, and every score shown against what the unit statistics give,
so an edited number is refused rather than shown. Runs of format 2 (before hashes) are read
as such; a run that says format 2 but carries the parts of a later format is refused.

A *shard run* (``bench run --shard K/N``) is a run of the documents of one shard, whose
``results.json`` also says which shard of which corpus it is (``shard``); ``bench merge``
(``bench.shards``) makes the whole run of its shards. A run on Ray keeps its shard runs in
``<out>/<model>-<time>.shards/``, which the listing of runs in a folder passes over.

A finished run is built under a hidden staging name (``.<run_id>.<random>.partial``) and
renamed into place, so an existing run is never touched and a failed save leaves nothing.

A *partial run* (``<out>/<run_id>.partial/``) is what ``bench run`` keeps while a model
predicts: ``partial.json`` (what the run is: every setting that must match to resume it)
and ``journal.jsonl``, one line per document done, appended as each finishes: its
predictions, or the model's error. A run that stops (a failure, Ctrl-C, SIGKILL) leaves it;
``bench run … --resume`` reads it back and predicts only what is missing. A line cut short
by a kill is dropped and its document predicted again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from .exceptions import InputError
from .jsonio import decode_file, decode_lines, fresh_folder, read_bytes, to_json, write_atomic, write_error, \
    write_replacing, write_synced
from .significance import Units, units_from_arrays, units_to_arrays
from .tasks import get_task
from .tasks.outcomes import Outcomes, npz_bytes, read_npz

FORMAT = 4  # 4: typed scores checked against the units, failures; 3 listed hashes; 2 had none
READABLE_FORMATS = (2, 3, 4)
RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
UNITS_FILE = "units.npz"
OUTCOMES_FILE = "outcomes.npz"
ALIGNMENT_FILE = "alignment.jsonl"
REPORT_FILE = "report.html"
PARTIAL_SUFFIX = ".partial"
SHARDS_SUFFIX = ".shards"  # the shard runs of a run on Ray (bench.distributed), before and after their merge
PARTIAL_FILE = "partial.json"
JOURNAL_FILE = "journal.jsonl"
OWN_FILES = (RESULTS_FILE, PREDICTIONS_FILE, UNITS_FILE, OUTCOMES_FILE, ALIGNMENT_FILE)
DEFAULT_RESULTS_DIR = Path("results")
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


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


class Failure(msgspec.Struct):
    doc_id: str
    error: str


class ShardInfo(msgspec.Struct):
    """Which shard of which corpus a shard run is (``bench run --shard K/N``), and what ``bench merge`` needs
    to rebuild the run one process would have made: the whole corpus, the schemes asked for, the model's
    own warnings, and the digest of every setting the shards must share."""

    k: int
    n: int
    corpus: GoldInfo  # the whole corpus the shards split (after --limit)
    key: str
    schemes: list[str] | None = None
    model_warnings: list[str] = []


class Results(msgspec.Struct, omit_defaults=True):
    """The content of ``results.json``; ``scores`` are typed by the run's task (``Task.read_scores``)."""

    format: int
    task: str
    model: str
    run_id: str
    created: str
    signature: str
    signatures: dict[str, str]
    gold: GoldInfo
    evaluation: dict[str, Any]  # the evaluation settings (EvalConfig): what the numbers were measured under
    system: dict[str, Any]  # what produced the predictions, as the signature names it
    inputs: dict[str, Any]  # how the run was asked for: the model as named, its arguments, the protocol, files
    versions: dict[str, str]
    timing: dict[str, float]
    scores: dict[str, Any]
    coverage: Coverage | None = None
    warnings: list[str] = []
    failures: list[Failure] = []
    alignment: dict[str, int] | None = None
    usage: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None
    files: dict[str, str] | None = None  # SHA-256 of every other file of the run, checked when it is read
    shard: ShardInfo | None = None  # a shard run: merged with its siblings by ``bench merge``


class _LegacyResults(Results, omit_defaults=True, kw_only=True):
    """``results.json`` of run formats 2 and 3, which named ``evaluation`` "settings" and ``inputs`` "config"."""

    evaluation: dict[str, Any] = {}
    inputs: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    config: dict[str, Any] = {}


_RESULTS_DECODER = msgspec.json.Decoder(Results)
_LEGACY_DECODER = msgspec.json.Decoder(_LegacyResults)


class _Format(msgspec.Struct):
    format: int = 0


def _format_of(path: Path) -> int:
    """The run format a results file says it has (0 when it cannot tell; the full reading then says why)."""
    try:
        return msgspec.json.decode(read_bytes(path), type=_Format).format
    except (msgspec.DecodeError, msgspec.ValidationError, InputError):
        return FORMAT


@dataclass(slots=True)
class RunContent:
    """Everything a run folder holds, before it is written."""

    results: Results
    predictions: bytes
    units: dict[str, Units] = field(default_factory=dict)
    outcomes: Outcomes | None = None
    alignment: bytes | None = None

    def files(self) -> dict[str, bytes]:
        """Every file of the run, ``results.json`` (with the others' hashes) first."""
        files = {PREDICTIONS_FILE: self.predictions}
        if self.units:
            arrays = {}
            for scheme, units in self.units.items():
                arrays |= units_to_arrays(units, scheme)
            files[UNITS_FILE] = npz_bytes(arrays)
        if self.outcomes is not None:
            files[OUTCOMES_FILE] = self.outcomes.to_npz()
        if self.alignment is not None:
            files[ALIGNMENT_FILE] = self.alignment
        self.results.files = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        return {RESULTS_FILE: to_json(msgspec.to_builtins(self.results), indent=True), **files}


def render(results: Results, scheme: str, fmt: str) -> str:
    """A run as ``bench run`` and ``bench score`` print it: its task's table (text, markdown, LaTeX) or its JSON."""
    if fmt == "json":
        return to_json(msgspec.to_builtins(results), indent=True).decode("utf-8").rstrip("\n")
    return get_task(results.task).report(results, scheme, fmt)


# ---------------------------------------------------------------- writing

def slug(name: str) -> str:
    """A model name usable in a folder name (``./my.py:Model`` -> ``my.py-Model``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name.replace("\\", "/").rsplit("/", 1)[-1])
    return cleaned.strip("-.")[:80] or "model"


def new_run_id(model: str, created: datetime) -> str:
    return f"{slug(model)}-{created.strftime('%Y%m%d-%H%M%S')}"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _folder(out_dir: Path) -> Path:
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError("is a file, expected a folder for runs", path=out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, out_dir) from None
    return out_dir


def numbered_names(base: str, out_dir: Path) -> Iterator[str]:
    """``base``, ``base-2``, ``base-3``, ...: the names a new run tries in turn, until one is free."""
    for attempt in range(1, 1000):
        yield base if attempt == 1 else f"{base}-{attempt}"
    raise InputError(f"too many runs named {base}", path=out_dir)


def save_run(out_dir: Path | str, content: RunContent, *, run_id: str | None = None) -> Path:
    """Write a new run folder atomically; a taken id gets a numeric suffix (stored inside too)."""
    out_dir = _folder(Path(out_dir))
    for name in numbered_names(run_id or content.results.run_id, out_dir):
        target = out_dir / name
        try:
            if target.exists():
                continue
        except OSError as exc:
            raise write_error(exc, target) from None
        content.results.run_id = name
        staging = None
        try:
            staging = fresh_folder(out_dir, f".{name[:60]}.", PARTIAL_SUFFIX)
            for file, data in content.files().items():
                write_synced(staging / file, data)
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


def add_file(run: Path, name: str, data: bytes, replaceable) -> Path:
    """A file added to an existing run (its report), whole; never one of the run's own files, and a file
    already there only when ``replaceable(its bytes)`` (``bench.jsonio.write_replacing``)."""
    if name in OWN_FILES:
        raise ValueError(f"{name} belongs to the run and is never rewritten")
    return write_replacing(Path(run) / name, data, replaceable)


# ---------------------------------------------------------------- partial runs

class PartialHeader(msgspec.Struct, forbid_unknown_fields=True):
    """What a partial run is: ``key`` holds every setting that must match to resume it."""

    format: int
    run_id: str
    created: str
    task: str
    documents: int
    key: dict[str, Any]


class JournalLine(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One document done: its predictions as the model gave them, or the model's error."""

    doc: str
    items: list[Any] = []
    error: str | None = None


_JOURNAL_DECODER = msgspec.json.Decoder(JournalLine)


@dataclass(slots=True)
class PartialRun:
    """A run in progress: its folder, what it is, and the documents done so far."""

    folder: Path
    header: PartialHeader
    done: dict[str, JournalLine] = field(default_factory=dict)
    _handle: object = None

    @classmethod
    def start(cls, out_dir: Path | str, run_id: str, *, task: str, documents: int, key: dict) -> PartialRun:
        """A new partial run under ``out_dir`` (a taken name gets a numeric suffix)."""
        out_dir = _folder(Path(out_dir))
        for name in numbered_names(run_id, out_dir):
            folder = out_dir / f"{name}{PARTIAL_SUFFIX}"
            if (out_dir / name).exists():
                continue
            try:
                os.mkdir(folder, 0o777)
            except FileExistsError:
                continue
            except OSError as exc:
                raise write_error(exc, folder) from None
            header = PartialHeader(format=FORMAT, run_id=name, created=now().isoformat(), task=task,
                                   documents=documents, key=key)
            write_atomic(folder / PARTIAL_FILE, to_json(msgspec.to_builtins(header), indent=True))
            return cls(folder, header)

    @classmethod
    def open(cls, folder: Path | str) -> PartialRun:
        """A partial run read back, its journal's complete lines kept (a line cut short is dropped)."""
        folder = Path(folder)
        path = folder / PARTIAL_FILE
        if not path.is_file():
            if (folder / RESULTS_FILE).is_file():
                raise InputError("is a finished run, not a partial one: there is nothing to resume", path=folder)
            raise InputError(f"is not a partial run (no {PARTIAL_FILE})", path=folder)
        header = decode_file(path, msgspec.json.Decoder(PartialHeader),
                             lambda obj: "not a ClaimBench partial run")
        run = cls(folder, header)
        journal = folder / JOURNAL_FILE
        if journal.is_file():
            data = read_bytes(journal)
            complete = data[:data.rfind(b"\n") + 1]  # a kill can cut the last line short
            try:
                lines, _ = decode_lines(journal, _JOURNAL_DECODER, data=complete)
            except InputError as exc:
                raise InputError(f"damaged journal: {exc.message}", path=journal, line=exc.line) from None
            run.done = {line.doc: line for line in lines}
        return run

    def append(self, line: JournalLine) -> None:
        """One document done, written at once (a kill loses at most the line being written)."""
        if self._handle is None:
            try:
                self._handle = open(self.folder / JOURNAL_FILE, "ab")
            except OSError as exc:
                raise write_error(exc, self.folder / JOURNAL_FILE) from None
        self._handle.write(msgspec.json.encode(line) + b"\n")
        self._handle.flush()
        self.done[line.doc] = line

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def finish(self, content: RunContent) -> Path:
        """Save the finished run under the partial run's id, then remove the partial run."""
        self.close()
        target = save_run(self.folder.parent, content, run_id=self.header.run_id)
        shutil.rmtree(self.folder, ignore_errors=True)
        return target


# ---------------------------------------------------------------- reading

@dataclass(slots=True)
class Run:
    """A run folder read back and checked: ``results`` (scores typed by the task), the rest when asked for."""

    folder: Path
    results: Results
    _units: dict[str, Units] | None = None
    _outcomes: Outcomes | None = None

    @property
    def run_id(self) -> str:
        return self.results.run_id

    @property
    def task(self):
        return get_task(self.results.task)

    @property
    def predictions_path(self) -> Path:
        return self.folder / PREDICTIONS_FILE

    def _read(self, name: str) -> bytes | None:
        """One of the run's files (None if absent), refused if it is not the file the run wrote."""
        path = self.folder / name
        listed = self.results.files
        if listed is None:  # format 2: read as it was written, before hashes
            return read_bytes(path) if path.is_file() else None
        recorded = listed.get(name)
        if not path.is_file():
            if recorded is not None:
                raise InputError(f"is missing, though the run wrote it ({RESULTS_FILE} lists it)", path=path)
            return None
        if recorded is None:
            raise InputError(f"is not among the files {RESULTS_FILE} lists: the run was changed", path=path)
        data = read_bytes(path)
        if hashlib.sha256(data).hexdigest() != recorded:
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
        """Unit statistics by scheme ({} for a run saved without them), their shapes and values checked."""
        if self._units is None:
            path = self.folder / UNITS_FILE
            data = self._read(UNITS_FILE)
            arrays = {} if data is None else read_npz(data, path)
            schemes = sorted({name.rsplit(".", 1)[0] for name in arrays})
            try:
                units = {s: units_from_arrays(arrays, s) for s in schemes}
                if self.results.format < FORMAT:
                    units = {s: self.task.legacy_units(u) for s, u in units.items()}
            except (KeyError, ValueError, TypeError) as exc:
                raise InputError(f"damaged unit statistics: {exc}", path=path) from None
            for scheme, found in units.items():
                counts = found.counts
                if counts.size and (not np.all(np.isfinite(counts)) or counts.min() < 0):
                    raise InputError(f'damaged unit statistics: "{scheme}" holds a negative or non-finite count',
                                     path=path)
            self._units = units
        return self._units

    def outcomes(self) -> Outcomes | None:
        """The outcome arrays (None for a run saved without them), every index checked."""
        if self._outcomes is None:
            data = self._read(OUTCOMES_FILE)
            if data is None:
                return None
            self._outcomes = Outcomes.from_npz(data, self.folder / OUTCOMES_FILE)
        return self._outcomes

    def alignment(self) -> list[dict] | None:
        data = self._read(ALIGNMENT_FILE)
        if data is None:
            return None
        rows, _ = decode_lines(self.folder / ALIGNMENT_FILE, _ALIGNMENT_DECODER, data=data)
        return [msgspec.to_builtins(r) for r in rows]


class AlignmentRow(msgspec.Struct):
    line: int
    doc_id: str
    method: str
    score: float | None
    start: int
    end: int


_ALIGNMENT_DECODER = msgspec.json.Decoder(AlignmentRow)


def find_run(spec: str | Path, results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Path:
    """A run named by its folder or by its id under the results folder (never a staging or partial folder)."""
    spec_path = Path(spec)
    if spec_path.name == RESULTS_FILE and spec_path.is_file():
        spec_path = spec_path.parent
    for candidate in (spec_path, Path(results_dir) / spec_path):
        if candidate.name.endswith(PARTIAL_SUFFIX):
            if (candidate / PARTIAL_FILE).is_file():
                raise InputError("is a partial run, not a finished one: finish it with "
                                 "bench run ... --resume", path=candidate)
            continue
        if (candidate / RESULTS_FILE).is_file():
            return candidate
    raise InputError(f'no run "{spec}" (expected a run folder or a run id under {results_dir}/)')


def read_run(folder: Path | str) -> Run:
    """The run in ``folder``, every part a reader uses checked (see the module docstring)."""
    folder = Path(folder)
    path = folder / RESULTS_FILE
    results = decode_file(path, _RESULTS_DECODER if _format_of(path) >= 4 else _LEGACY_DECODER, _explain_results)
    if isinstance(results, _LegacyResults):
        if results.evaluation or results.inputs or (results.format == 2 and (results.files or results.failures)):
            raise InputError(f"says run format {results.format} but carries the parts of a later format: the run "
                             "was changed", path=path)
        fields = {f: getattr(results, f) for f in Results.__struct_fields__ if f not in ("evaluation", "inputs")}
        results = Results(**fields, evaluation=results.settings, inputs=results.config)
    if results.format not in READABLE_FORMATS:
        raise InputError(f"run format {results.format}, this ClaimBench reads formats "
                         f"{', '.join(map(str, READABLE_FORMATS))}: score the run's predictions.jsonl again with "
                         "bench score", path=path)
    if results.format >= 3 and results.files is None:
        raise InputError(f'has no "files" (the hashes every run of format {results.format} records): '
                         "the run was changed", path=path)
    if not RUN_ID.fullmatch(results.run_id):
        raise InputError(f"not a run id: {results.run_id[:40]!r}", path=path)
    try:
        task = get_task(results.task)
    except InputError as exc:
        raise exc.at(path) from None
    try:
        results.scores = task.read_scores(results.scores)
    except ValueError as exc:
        raise InputError(f"damaged scores: {exc}", path=path) from None
    for name in results.signatures:
        if name not in results.scores:
            raise InputError(f'damaged scores: a signature for scheme "{name}", which has no scores', path=path)
    run = Run(folder, results)
    if results.format >= 4:
        required = (PREDICTIONS_FILE, UNITS_FILE) + ((OUTCOMES_FILE,) if task.per_document else ())
        for name in required:
            if name not in results.files:
                raise InputError(f"lists no hash for {name}, which every run writes: the run was changed", path=path)
    units = run.units()  # an earlier format may lack them; what it has must agree with its scores
    for scheme, entry in results.scores.items():
        found = units.get(scheme)
        if found is None and results.format < 4:
            continue
        problem = ("no unit statistics" if found is None else task.disagreement(scheme, entry, found))
        if problem:
            raise InputError(f'damaged scores: scheme "{scheme}": {problem}', path=path)
    return run


def _explain_results(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return "not a ClaimBench results file (expected a JSON object)"
    for name in ("format", "task", "run_id", "signature", "scores", "gold"):
        if name not in obj:
            return f'not a ClaimBench results file: missing field "{name}"'
    return None


@dataclass(slots=True)
class Found:
    """What a search of folders for runs found: the runs, and what it passed over, with why."""

    runs: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def search_runs(specs: list[str | Path], results_dir: Path | str = DEFAULT_RESULTS_DIR) -> Found:
    """Runs named directly, or found in folders searched recursively; partial and staging folders and
    files that are not runs are passed over with a note, and a folder holding no run is one note. A
    pattern the shell did not expand (``'results/*'``) is expanded here; a name that is nothing at all is
    an error."""
    found = Found()
    named: set[Path] = set()  # runs named directly are kept as given, even twice; runs found in folders once
    for spec in _expanded(specs, results_dir):
        path = Path(spec)
        if (path / RESULTS_FILE).is_file() or not path.is_dir():
            try:
                found.runs.append(find_run(spec, results_dir))
                named.add(found.runs[-1])
            except InputError as exc:
                if not path.exists() and not (Path(results_dir) / path).is_dir():
                    raise
                found.skipped.append((path, "not a run" if path.is_file() else exc.message))
            continue
        before = len(found.runs)
        for results in sorted(path.rglob(RESULTS_FILE)):
            folder = results.parent
            if any(part.startswith(".") for part in folder.relative_to(path).parts):
                found.skipped.append((folder, "a staging folder of a save that did not finish"))
            elif folder.name.endswith(PARTIAL_SUFFIX):
                found.skipped.append((folder, "a partial run"))
            elif any(part.endswith(SHARDS_SUFFIX) for part in folder.relative_to(path).parts[:-1]):
                continue  # a shard of a run on Ray: its merged run is what is listed
            else:
                found.runs.append(folder)
        for partial in sorted(path.rglob(f"*{PARTIAL_SUFFIX}")):
            if (partial / PARTIAL_FILE).is_file():
                found.skipped.append((partial, "a partial run (finish it with bench run ... --resume)"))
        if len(found.runs) == before:
            found.skipped.append((path, "holds no run"))
    seen, unique = set(), []
    for run in found.runs:
        key = run.resolve()
        if key not in seen or run in named:
            seen.add(key)
            unique.append(run)
    found.runs = unique
    return found


def _expanded(specs: list[str | Path], results_dir: Path | str) -> list[str | Path]:
    """Each spec, or what it matches when it is a pattern naming nothing as it stands."""
    import glob

    out = []
    for spec in specs:
        text = str(spec)
        if glob.has_magic(text) and not Path(text).exists() and not (Path(results_dir) / text).exists():
            matches = sorted(glob.glob(text)) or sorted(glob.glob(str(Path(results_dir) / text)))
            if not matches:
                raise InputError(f'no run matches "{text}"')
            out.extend(matches)
        else:
            out.append(spec)
    return out


def find_linked_run(links_run: Path, run_id: str, signed: str | None) -> Path:
    """The claims run an end-to-end links run linked, looked up by its id among runs: beside the
    links run, in the folders beside its folder, or under results/; only a run whose predictions
    have the hash the links run signed is taken. The id, read from a run file, is data: it must be
    a run id, never a path or a pattern."""
    where = Path(links_run)
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id) or run_id in (".", ".."):
        raise InputError(f"names its claims run {run_id!r}, which is not a run id: the run was changed", path=where)
    digest = signed.partition("#")[2].split(",")[0] if signed else ""
    parent = where.parent
    siblings = []
    try:
        siblings = sorted(d / run_id for d in parent.parent.iterdir() if d.is_dir() and not d.name.startswith("."))
    except OSError:
        pass
    for candidate in (parent / run_id, *siblings, DEFAULT_RESULTS_DIR / run_id):
        if (candidate / RESULTS_FILE).is_file():
            run = read_run(candidate)
            run.predictions()  # present and, when the run recorded its hash, unchanged
            if not digest or run.predictions_sha256().startswith(digest):
                return candidate
    raise InputError(f'cannot find the claims run "{run_id}" it linked (looked beside the run, in the folders '
                     f"beside its folder and under {DEFAULT_RESULTS_DIR}/)", path=where)
