"""The Python API: every command of the CLI as a keyword-only function, over the same pipeline.

In the manner of Hugging Face ``evaluate``: the same checks, settings and numbers as the
command line, because both call ``bench.pipeline``; runs stay in memory unless ``out=``
names a folder::

    import bench

    result = bench.evaluate([{"doc_id": "004_d85139658238920d", "start": 48, "end": 126, "type": "quantity"}])
    result.scores["micro"]["f1"], result.signature
    print(result.table(format="markdown"))

Bad input raises ``bench.exceptions.InputError``; suspicious input warns with
``bench.exceptions.BenchWarning``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from .corpus.shards import EXECUTORS
from .exceptions import InputError
from .records import Corpus


@dataclass(frozen=True, slots=True)
class Result:
    """A run, in memory or saved: ``scores`` is the headline scheme's entry of ``results.json``."""

    results: object  # bench.runs.Results
    scheme: str
    folder: Path | None = None

    @property
    def signature(self) -> str:
        return self.results.signatures[self.scheme]

    @property
    def scores(self) -> dict:
        return msgspec.to_builtins(self.results.scores[self.scheme])

    @property
    def warnings(self) -> list[str]:
        return list(self.results.warnings)

    @property
    def failures(self) -> list[dict]:
        return msgspec.to_builtins(self.results.failures)

    def table(self, *, format: str = "table", scheme: str | None = None) -> str:
        """The table ``bench run`` and ``bench score`` print (``format``: table, markdown, latex or json)."""
        from .tables import FORMATS

        if format not in FORMATS:
            raise InputError(f"format {format!r}: expected one of {', '.join(FORMATS)}")
        if scheme is not None and not isinstance(scheme, str):
            raise InputError(f"scheme {scheme!r}: expected a scheme name")
        from .runs import render

        task = _task(self.results.task)
        return render(self.results, task.check_scheme(scheme or self.scheme), format)

    def to_dict(self) -> dict:
        """The whole ``results.json``, as plain data."""
        return msgspec.to_builtins(self.results)

    def to_pandas(self):
        """The scores table as a pandas DataFrame, a row per table row (needs pandas, which is not a dependency)."""
        try:
            import pandas
        except ImportError:
            raise InputError("to_pandas needs pandas: pip install pandas") from None
        task = _task(self.results.task)
        rows = task.rows(self.results.scores[self.scheme])
        return pandas.DataFrame([{"row": r.name, "precision": r.precision, "recall": r.recall, "value": r.value,
                                  "ci_low": r.ci[0] if r.ci else None, "ci_high": r.ci[1] if r.ci else None,
                                  "higher_is_better": r.higher_is_better} for r in rows]).set_index("row")


def _task(name: str):
    from .tasks import get_task

    return get_task(name)


def _path(value: object, what: str) -> None:
    """An argument that names a file or folder is a str or a Path (None: the default)."""
    if value is not None and not isinstance(value, (str, Path)):
        raise InputError(f"{what}: expected a path (str or pathlib.Path), got {type(value).__name__}")


def _config(task, scheme, threshold, align_threshold, bootstrap, seed, schemes=None):
    from .pipeline import make_config

    if not isinstance(task, str):
        raise InputError(f"task {task!r}: expected a task name")
    return make_config(task=task, scheme=scheme, threshold=threshold, align_threshold=align_threshold,
                       n_bootstrap=bootstrap, seed=seed, schemes=schemes)


def _check_records(predictions: object, task) -> None:
    """In-memory predictions: records for a per-document task, one mapping for links."""
    got = type(predictions).__name__
    if not task.per_document:
        if not isinstance(predictions, Mapping):
            raise InputError(f'predictions: task "{task.name}" takes a path or one mapping '
                             f'{{"clusters", "conflicts"}}, got {got}')
    elif isinstance(predictions, (Mapping, bytes, bytearray, str)) or not isinstance(predictions, Iterable):
        raise InputError(f"predictions: expected a path or an iterable of records, got {got}")


def evaluate(predictions, *, gold=None, docs=None, task: str = "claims", scheme: str | None = None,
             threshold: float = 0.5, align_threshold: float = 0.5, bootstrap: int = 1000, seed: int = 0,
             schemes: Sequence[str] | None = None, name: str | None = None, claims_run: str | Path | None = None,
             out: str | Path | None = None) -> Result:
    """Score ``predictions`` (a file path, or dicts / records with offsets or free text) against gold, as ``bench score``.

    ``gold`` and ``docs`` are paths, in-memory records (lists of dicts, ``{doc_id: text}``)
    or a ``datasets.Dataset`` made by ``bench.corpus.to_hf_dataset``; by default the
    ClaimBench gold and seed articles. With ``out``, the run is also saved there.
    """
    from .pipeline import score

    config = _config(task, scheme, threshold, align_threshold, bootstrap, seed, schemes)
    _path(claims_run, "claims_run")
    _path(out, "out")
    if not isinstance(predictions, (str, Path)):
        _check_records(predictions, config.task)
        if config.task.per_document:
            predictions = list(predictions)
    content = score(predictions, gold=gold, docs=docs, config=config, name=name,
                    claims_run=None if claims_run is None else str(claims_run))
    folder = None
    if out is not None:
        from .runs import save_run

        folder = save_run(out, content)
    return Result(content.results, config.scheme, folder)


def run(*, model, model_args: Mapping | None = None, gold=None, docs=None, task: str = "claims",
        scheme: str | None = None, threshold: float = 0.5, align_threshold: float = 0.5, bootstrap: int = 1000,
        seed: int = 0, schemes: Sequence[str] | None = None, train_gold=None, train_docs=None,
        limit: int | None = None, timeout: float | None = None, progress: bool = False,
        claims_run: str | Path | None = None, on_error: str = "stop", resume: str | Path | None = None,
        out: str | Path | None = None, shard: str | None = None, executor: str = "local",
        shards: int | None = None, ray_address: str | None = None) -> Result:
    """Run a model over the documents and score it, as ``bench run``.

    ``model`` is a registered name, ``module:Class``, ``path/to/file.py:Class`` or a
    ``bench.model.Model`` subclass; ``model_args`` its constructor arguments. The run stays
    in memory unless ``out`` names a folder (then it is saved as the CLI saves it, and a run
    that stops can be continued with ``resume``). ``shard="K/N"`` runs one shard (see
    ``merge``); ``executor="ray"`` runs ``shards`` shards as Ray tasks and merges them.
    """
    from .pipeline import run as run_pipeline

    config = _config(task, scheme, threshold, align_threshold, bootstrap, seed, schemes)
    for value, what in ((out, "out"), (resume, "resume"), (claims_run, "claims_run")):
        _path(value, what)
    if not isinstance(progress, bool):
        raise InputError(f"progress {progress!r}: expected True or False")
    if model_args is not None and not isinstance(model_args, Mapping):
        raise InputError(f"model_args: expected a mapping of argument names to values, got {type(model_args).__name__}")
    common = dict(model=model, model_args=dict(model_args or {}), gold=gold, docs=docs, config=config,
                  train_gold=train_gold, train_docs=train_docs, limit=limit, timeout=timeout, progress=progress,
                  on_error=on_error, resume=resume, out=out)
    if executor == "ray":
        from .distributed import run_shards

        if shard is not None or claims_run is not None:
            raise InputError('executor="ray" runs every shard of a per-document task: shard and claims_run do not apply')
        outcome = run_shards(**common, shards=shards, address=ray_address)
    elif executor == "local":
        if shards is not None or ray_address is not None:
            raise InputError('shards and ray_address go with executor="ray"')
        outcome = run_pipeline(**common, claims_run=None if claims_run is None else str(claims_run), shard=shard)
    else:
        raise InputError(f"executor {executor!r}: expected one of {', '.join(EXECUTORS)}")
    return Result(outcome.content.results, config.scheme, outcome.folder)


def merge(runs: Sequence[str | Path], *, gold=None, docs=None, out: str | Path | None = None,
          results_dir: str | Path = "results") -> Result:
    """The run one process would have made, from its shard runs, as ``bench merge``; saved under ``out`` if given."""
    from .runs import save_run
    from .shards import merge as merge_shards

    _path(out, "out")
    content = merge_shards(_specs(runs, results_dir), gold=gold, docs=docs, results_dir=results_dir)
    folder = None if out is None else save_run(out, content)
    return Result(content.results, content.results.evaluation["scheme"], folder)


def _specs(runs, results_dir, what: str = "runs") -> list:
    if isinstance(runs, (str, Path)) or not isinstance(runs, Iterable):
        raise InputError(f"{what}: expected a list of run folders or run ids")
    runs = list(runs)
    for spec in runs:
        _path(spec, what)
    _path(results_dir, "results_dir")
    return runs


def _names(value, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{what}: expected a name or a list of names")
    return list(value)


def compare(runs: Sequence[str | Path], *, scheme: str | None = None, bootstrap: int = 1000, seed: int = 0,
            labels: Sequence[str] | None = None, results_dir: str | Path = "results", allow_other_gold: bool = False):
    """Runs side by side with paired tests, as ``bench compare`` (returns ``bench.comparison.Comparison``):
    folders are searched for runs, and runs scored on other gold are refused unless ``allow_other_gold``."""
    from .comparison import compare_runs, find_runs

    if labels is not None:
        labels = list(labels) if isinstance(labels, Iterable) and not isinstance(labels, str) else [None]
        if not all(isinstance(label, str) for label in labels):
            raise InputError("labels: expected a list of labels (strings), one a run")
    if not isinstance(allow_other_gold, bool):
        raise InputError(f"allow_other_gold {allow_other_gold!r}: expected True or False")
    read, _ = find_runs(_specs(runs, results_dir), results_dir)
    return compare_runs(read, scheme=scheme, n=bootstrap, seed=seed, labels=labels,
                        allow_other_gold=allow_other_gold)


def leaderboard(runs: Sequence[str | Path], *, scheme: str | None = None, bootstrap: int = 1000, seed: int = 0,
                results_dir: str | Path = "results"):
    """One row per system, best first, one table per evaluation, as ``bench leaderboard`` (returns
    ``bench.ranking.Leaderboard``: ``render(format)``, ``table(format=...)``, ``to_dict()``, ``to_pandas()``)."""
    from .ranking import leaderboard as build

    return build(_specs(runs, results_dir), scheme=scheme, n=bootstrap, seed=seed, results_dir=results_dir)


def errors(run: str | Path, *, outcome: Sequence[str] | str | None = None, type: Sequence[str] | str | None = None,  # noqa: A002
           doc: Sequence[str] | str | None = None, scheme: str | None = None, docs=None, gold=None,
           results_dir: str | Path = "results"):
    """Every gold record and prediction of a run with its outcome, as ``bench errors`` (returns
    ``bench.errorlist.ErrorList``: ``lines``, ``render(format)``, ``table(format=...)``, ``to_dict()``,
    ``to_pandas()``); ``outcome``, ``type`` and ``doc`` filter as the options of the same names."""
    from .errorlist import error_list
    from .runs import find_run

    _path(run, "run")
    _path(results_dir, "results_dir")
    _path(docs, "docs")
    _path(gold, "gold")
    return error_list(find_run(run, results_dir), scheme=scheme, outcomes=_names(outcome, "outcome"),
                      types=_names(type, "type"), docs=_names(doc, "doc"),
                      doc_path=None if docs is None else Path(docs), gold_path=None if gold is None else Path(gold))


def validate(*, gold=None, docs=None) -> list[str]:
    """Every problem of a gold corpus, one line each (empty when it is valid), as ``bench validate``."""
    from .corpus import read_corpus

    return list(read_corpus(gold if gold is not None else _default_gold(), docs).problems)


def _default_gold():
    from .corpus import DEFAULT_GOLD

    return DEFAULT_GOLD


def load_corpus(*, gold=None, docs=None) -> Corpus:
    """A corpus with every gold layer it has, checked as ``bench validate`` checks it."""
    from .corpus import load_corpus as load

    return load(gold=gold if gold is not None else _default_gold(), docs=docs)


def report(runs: Sequence[str | Path], *, output: str | Path | None = None, docs=None, gold=None,
           show: Sequence[str] | None = None, worst: int = 20, results_dir: str | Path = "results") -> Path:
    """Write the HTML report of one run, or of two contrasted, as ``bench report``; returns where it went."""
    from .pages import write_report
    from .runs import find_run

    if isinstance(runs, (str, Path)):
        runs = [runs]
    _path(output, "output")
    if isinstance(worst, bool) or not isinstance(worst, int) or worst < 0:
        raise InputError(f"worst {worst!r}: must be 0 or more")
    folders = [find_run(spec, results_dir) for spec in runs]
    return write_report(folders, None if output is None else Path(output), docs=docs, gold=gold,
                        show=None if show is None else list(show), worst=worst)
