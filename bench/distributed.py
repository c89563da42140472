"""``bench run --executor ray``: the shards of a run as Ray tasks, on this machine or a cluster, then merged.

Ray does the distribution (scheduling, the object store that ships the corpus once, retries of
lost workers); ClaimBench only splits the corpus into shards (``bench.corpus.shards``), runs
each with the one pipeline and merges them (``bench.shards``). Each finished shard is saved by
the driver into the run's shards folder (``<out>/<model>-<time>.shards/``) as soon as it comes
back, so a failed or interrupted run keeps every finished shard; ``--resume`` on that folder
runs only the shards missing from it. Ray is imported here only, and only when asked for.
"""

from __future__ import annotations

import time
from pathlib import Path

from .corpus.load import load_corpus
from .corpus.shards import MAX_SHARDS, Shard, shard_index
from .exceptions import InputError
from .jsonio import write_error
from .pipeline import RunOutcome, load, model_and_args, run
from .records import Corpus
from .runs import RESULTS_FILE, SHARDS_SUFFIX, find_run, new_run_id, now, numbered_names, read_run, save_run
from .shards import merge

def _ray():
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray needs Ray: pip install 'claimbench[distributed]'") from None
    return ray


def run_shards(*, model, model_args=None, gold=None, docs=None, config, train_gold=None, train_docs=None,
               limit: int | None = None, timeout: float | None = None, on_error: str = "stop", out=None,
               resume=None, shards: int | None = None, address: str | None = None,
               progress: bool = True) -> RunOutcome:
    """Run ``model`` as ``shards`` Ray tasks (default: one a CPU of the Ray cluster), then merge them into the
    run one process would have made. ``address`` is a Ray cluster's (None: a Ray instance on this machine)."""
    task = config.task
    if not task.per_document:
        raise InputError(f"--executor ray splits a corpus by document, which task {task.name!r} cannot be: "
                         "its links span documents")
    if out is None and resume is None:
        raise InputError("--executor ray keeps each finished shard in a folder: give one (--out)")
    if shards is not None and (isinstance(shards, bool) or not isinstance(shards, int)
                               or not 1 <= shards <= MAX_SHARDS):
        raise InputError(f"--shards {shards!r}: must be from 1 to {MAX_SHARDS:,}")
    model_and_args(model, model_args)  # a bad model or argument is refused here, not in every shard
    whole = load(task, gold=gold, docs=docs, limit=limit)  # loaded once: the shards and the merge take it as it is
    ids = whole.corpus.doc_ids
    train = train_gold if isinstance(train_gold, Corpus) or train_gold is None else load_corpus(gold=train_gold,
                                                                                                   docs=train_docs)
    ray = _ray()
    finished, made = ({}, None) if resume is None else _finished_shards(Path(resume))
    started_ray = not ray.is_initialized()
    if started_ray:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except Exception as exc:  # no cluster at the address, a version mismatch, ...
            raise InputError(f"cannot start or reach Ray{f' at {address}' if address else ''}: "
                             f"{type(exc).__name__}: {exc}") from None
    folder = Path(resume) if resume is not None else None
    try:
        n = _shard_count(made, shards, ray, folder)
        folder = folder or _new_folder(out, model)
        expected = sorted({shard_index(d, n) + 1 for d in ids})
        todo = [k for k in expected if k not in finished]
        params = {"model": model, "model_args": model_args, "config": config, "limit": limit, "timeout": timeout,
                  "on_error": on_error}
        remote = ray.remote(max_retries=1)(_predict_shard)
        corpus_ref, train_ref = ray.put(whole), ray.put(train)
        pending = {remote.remote(params, corpus_ref, train_ref, k, n): k for k in todo}
        failed = _collect(ray, pending, folder, finished, expected, progress)
    except BaseException as exc:
        exc.partial = folder  # where the caller says the finished shards are kept
        raise
    finally:
        if started_ray:
            ray.shutdown()
    if failed:
        shown = "; ".join(f"shard {k}/{n}: {message}" for k, message in sorted(failed.items())[:3])
        raise InputError(f"{len(failed)} of {len(expected)} shards failed ({shown}); the {len(finished)} finished "
                         f"are kept in {folder}: run only the failed ones with the same command and --resume {folder}")
    content = merge([finished[k] for k in expected], gold=whole)
    saved = save_run(Path(out) if out is not None else folder.parent, content)
    return RunOutcome(content, saved, list(content.results.failures), len(ids))


def _new_folder(out, model) -> Path:
    """A new folder for the shard runs of a run on Ray (its own, even for two runs started in the same second)."""
    name = new_run_id(model if isinstance(model, str) else getattr(model, "__name__", "model"), now())
    for numbered in numbered_names(name, Path(out)):
        folder = Path(out) / f"{numbered}{SHARDS_SUFFIX}"
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(exc, folder) from None


def _finished_shards(folder: Path) -> tuple[dict[int, Path], int | None]:
    """The shards already finished in the shards folder of a run on Ray, by number, and how many shards
    they are of (None: none finished)."""
    if not folder.name.endswith(SHARDS_SUFFIX) or not folder.is_dir():
        raise InputError(f"is not the shards folder of a run on Ray (a folder named *{SHARDS_SUFFIX})", path=folder)
    finished, made = {}, set()
    for results in sorted(folder.glob(f"*/{RESULTS_FILE}")):
        shard = read_run(find_run(results.parent)).results.shard
        if shard is not None:
            finished[shard.k] = results.parent
            made.add(shard.n)
    if len(made) > 1:
        raise InputError(f"holds shards of {' and '.join(map(str, sorted(made)))}: not the shards of one run",
                         path=folder)
    return finished, made.pop() if made else None


def _shard_count(made: int | None, shards: int | None, ray, folder: Path | None) -> int:
    """How many shards: as many as those already finished are of, else ``--shards``, else the cluster's CPUs."""
    if made is not None:
        if shards is not None and shards != made:
            raise InputError(f"holds shards of {made}, not {shards}: resume it with --shards {made}", path=folder)
        return made
    return shards or max(1, int(ray.cluster_resources().get("CPU", 1)))


def _collect(ray, pending: dict, folder: Path, finished: dict[int, Path], expected: list[int],
             progress: bool) -> dict[int, str]:
    """Each shard run saved as it comes back; the failed shards' messages."""
    from tqdm import tqdm

    failed = {}
    with tqdm(total=len(expected), initial=len(expected) - len(pending), unit="shard", desc="shards",
              disable=not progress, leave=False) as bar:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            try:
                kind, value = ray.get(ready[0])
            except ray.exceptions.RayError as exc:  # a worker lost, killed or out of memory
                kind, value = "error", (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            if kind == "run":
                finished[k] = save_run(folder, value)
            else:
                failed[k] = value
            bar.update()
    return failed


def _predict_shard(params: dict, whole, train, k: int, n: int):
    """One shard, run in a Ray worker: ``("run", its RunContent)``, or ``("error", the message)``."""
    started = time.perf_counter()
    try:
        outcome = run(**params, gold=whole, train_gold=train, shard=Shard(k, n), progress=False)
    except InputError as exc:
        return "error", str(exc)
    except Exception as exc:  # a model's own bug: reported for its shard, the others go on
        return "error", f"{type(exc).__name__}: {exc} (after {time.perf_counter() - started:.0f} s)"
    return "run", outcome.content
