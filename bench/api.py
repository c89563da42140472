"""The Python API: score predictions, compare runs, load a corpus, without the command line.

Keyword-only, like Hugging Face ``evaluate``; the same checks, settings and numbers as
``bench score`` and ``bench compare``, because both call the same functions::

    import bench

    result = bench.evaluate([{"doc_id": "004_d85139658238920d", "start": 48, "end": 126, "type": "quantity"}])
    result.scores["micro"]["f1"], result.signature
    print(result.table(format="markdown"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from .records import Corpus
from .errors import InputError


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What ``evaluate`` returns. ``scores`` is the headline scheme's entry of ``results.json``."""

    results: dict
    scheme: str

    @property
    def signature(self) -> str:
        return self.results["signatures"][self.scheme]

    @property
    def scores(self) -> dict:
        return self.results["scores"][self.scheme]

    @property
    def warnings(self) -> list[str]:
        return list(self.results.get("warnings", []))

    def table(self, *, format: str = "table", scheme: str | None = None) -> str:
        """The table ``bench score`` prints (``format``: table, markdown or latex)."""
        from .tables import TABLE_FORMATS
        from .tasks import get_task

        if format not in TABLE_FORMATS:
            raise InputError(f"format {format!r}: expected one of {', '.join(TABLE_FORMATS)}")
        task = get_task(self.results["task"])
        if scheme is not None and not isinstance(scheme, str):
            raise InputError(f"scheme {scheme!r}: expected a scheme name")
        return task.report(self.results, task.check_scheme(scheme or self.scheme), format)

    def to_dict(self) -> dict:
        """The ``scores`` of ``results.json``, every scheme."""
        return self.results["scores"]


def _path(value: object, what: str) -> None:
    """An argument that names a file or folder is a str or a Path (None: the default)."""
    if value is not None and not isinstance(value, (str, Path)):
        raise InputError(f"{what}: expected a path (str or pathlib.Path), got {type(value).__name__}")


def _check_records(predictions: object, task) -> None:
    """In-memory predictions: records for a per-document task, one mapping for links."""
    got = type(predictions).__name__
    if not task.per_document:
        if not isinstance(predictions, Mapping):
            raise InputError(f'predictions: task "{task.name}" takes a path or one mapping '
                             f'{{"clusters", "conflicts"}}, got {got}')
    elif isinstance(predictions, (Mapping, bytes, bytearray, str)) or not isinstance(predictions, Iterable):
        raise InputError(f"predictions: expected a path or an iterable of records, got {got}")


def _corpus(gold, docs) -> tuple[Corpus, Path | str, Path | str]:
    from .corpus import DEFAULT_DOCS, DEFAULT_GOLD, load_corpus

    _path(gold, "gold")
    _path(docs, "docs")
    gold = DEFAULT_GOLD if gold is None else gold
    docs = DEFAULT_DOCS if docs is None else docs
    return load_corpus(gold=gold, docs=docs), gold, docs


def evaluate(predictions: str | Path | Iterable[Mapping | object], *, gold: str | Path | None = None,
             docs: str | Path | None = None, task: str = "claims", scheme: str | None = None,
             threshold: float = 0.5, align_threshold: float = 0.5, bootstrap: int = 1000, seed: int = 0,
             name: str = "predictions", claims_run: str | Path | None = None,
             out: str | Path | None = None) -> Evaluation:
    """Score ``predictions`` (a file path, or dicts / records with offsets or free text) against gold.

    ``gold`` and ``docs`` default to the ClaimBench gold and seed articles. With ``out``,
    the run is also saved there as ``bench score`` saves it. Bad input raises
    ``bench.errors.InputError``; suspicious input warns with ``bench.errors.BenchWarning``.
    """
    from .fingerprint import gold_info
    from .jsonio import read_bytes
    from .pipeline import build_run, make_config, scored_system
    from .tasks import get_task

    config = make_config(task=task, scheme=scheme, threshold=threshold, align_threshold=align_threshold,
                         n_bootstrap=bootstrap, seed=seed)
    chosen = get_task(task)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"name {name!r}: expected a non-empty string")
    _path(claims_run, "claims_run")
    _path(out, "out")
    claims_run = None if claims_run is None else str(claims_run)
    if not isinstance(predictions, (str, Path)):
        _check_records(predictions, chosen)
    corpus, gold_path, docs_path = _corpus(gold, docs)
    chosen.require(corpus)
    info = gold_info(corpus, gold_path=gold_path, docs_path=docs_path, layer=chosen.layer)
    if isinstance(predictions, (str, Path)):
        data = read_bytes(predictions)
        read = chosen.read(predictions, corpus, config, data=data, claims_run=claims_run)
    else:
        read = chosen.from_objects(predictions if isinstance(predictions, Mapping) else list(predictions), corpus,
                                   config, claims_run=claims_run)
        data = read.source
    content = build_run(task=chosen, corpus=corpus, predictions=read, config=config,
                        system=scored_system(name, data, read), gold=info, model=name)
    if out is not None:
        from .runs import save_run

        save_run(out, content)
    return Evaluation(msgspec.to_builtins(content.results), config.scheme)


def compare(runs: Sequence[str | Path], *, scheme: str | None = None, bootstrap: int = 1000, seed: int = 0,
            labels: Sequence[str] | None = None, results_dir: str | Path = "results"):
    """Runs side by side with paired tests, as ``bench compare`` (returns ``bench.comparison.Comparison``)."""
    from .comparison import compare_runs
    from .runs import find_run, read_run

    if isinstance(runs, (str, Path)) or not isinstance(runs, Iterable):
        raise InputError("runs: expected a list of run folders or run ids")
    if isinstance(labels, str):
        raise InputError("labels: expected a list of labels, one a run, not one string")
    for spec in runs:
        _path(spec, "runs")
    _path(results_dir, "results_dir")
    read = [read_run(find_run(spec, results_dir)) for spec in runs]
    return compare_runs(read, scheme=scheme, n=bootstrap, seed=seed, labels=None if labels is None else list(labels))


def load_corpus(*, gold: str | Path | None = None, docs: str | Path | None = None) -> Corpus:
    """A corpus with every gold layer it has, checked as ``bench validate`` checks it."""
    return _corpus(gold, docs)[0]
