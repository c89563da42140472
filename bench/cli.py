"""The ``bench`` command: a thin layer over importable functions, one handler per subcommand.

stdout carries tables and JSON only; messages, warnings (``bench: warning: …``), progress
and anything a model prints go to stderr. Bad input ends with one ``bench: error: …`` line
and exit status 2; a failed check (``validate``, ``score --check``, a regression gate) with 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path

from .corpus.shards import EXECUTORS
from .version import __version__
from .exceptions import BenchWarning, InputError, printable

EXIT_PROBLEMS = 1
EXIT_INPUT = 2
SHOWN_CHECK_PROBLEMS = 20
ALIGN_THRESHOLD = 0.5  # bench.align.ALIGN_THRESHOLD, repeated so --help needs no import


def _corpus_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", type=Path, default=None,
                        help="gold: a folder of <doc_id>.json or a .jsonl file (default: the ClaimBench gold)")
    parser.add_argument("--docs", type=Path, default=None,
                        help="documents: a folder of <doc_id>.txt or a .jsonl of {doc_id, text} (default: the seed articles)")


def _moved_corpus_options(parser: argparse.ArgumentParser) -> None:
    """Where the gold and documents a run recorded are now, for a command that reads runs."""
    parser.add_argument("--docs", type=Path, default=None, help="where the documents are, if they moved since the run")
    parser.add_argument("--gold", type=Path, default=None, help="where the gold is, if it moved since the run")


def _results_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", type=Path, default=Path("results"),
                        help="where run ids are looked up (default: results/)")


def _scoring_options(parser: argparse.ArgumentParser) -> None:
    from .tables import FORMATS
    from .tasks import DEFAULT_TASK, TASKS

    parser.add_argument("--task", choices=TASKS, default=DEFAULT_TASK, help=f"what is scored (default: {DEFAULT_TASK})")
    parser.add_argument("--claims-run", default=None, metavar="RUN",
                        help="task links, end to end: the claims run whose predicted claims are linked "
                             "(default: the gold claims)")
    _corpus_options(parser)
    parser.add_argument("--scheme", default=None,
                        help="scheme of the printed table; every scheme is computed and saved "
                             "(default: the task's headline, lenient for claims)")
    parser.add_argument("--iou", type=float, default=0.5, metavar="X",
                        help="threshold of the threshold-based schemes, in (0, 1]: character IoU for lenient and "
                             "detection, token F1 for text (default: 0.5)")
    parser.add_argument("--align-threshold", type=float, default=ALIGN_THRESHOLD, metavar="X",
                        help="least token F1 at which a free-text claim is placed in its document; below it the "
                             f"claim stays unaligned and counts as spurious (default: {ALIGN_THRESHOLD})")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output layout (default: table)")
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder that receives the run folder (default: results/ in the current folder)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for the confidence intervals; 0 switches them off (default: 1000)")
    parser.add_argument("--schemes", default=None, type=lambda text: [s for s in text.split(",") if s],
                        metavar="A,B", help="schemes computed and saved (default: every scheme of the task; for "
                                            "claims, text only when some predictions are free text)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--report", action="store_true", help="also write report.html into the run folder")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake reported like every other bad input: one ``bench: error:`` line."""

    def error(self, message: str):
        command = self.prog.removeprefix("bench").strip()
        where = f"{command}: " if command else ""
        self.exit(EXIT_INPUT, f"bench: error: {where}{printable(message)} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bench",
        description="ClaimBench: run claim extractors, score them against gold claims, compare runs.",
        epilog="Run 'bench COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"claimbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="run a model over the documents, score it and save the run",
                              description="Run a model over the documents, score it under every scheme, print the "
                                          "table of --scheme and save the run as a new folder under --out.")
    run.add_argument("--model", required=True,
                     help="a registered name (see 'bench models'), an entry point of group claimbench.models, "
                          "module.path:Class or path/to/file.py:Class")
    run.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                     help="constructor argument for the model (repeatable)")
    run.add_argument("--train-gold", type=Path, default=None, metavar="PATH",
                     help="train a trainable model once on this gold (with --train-docs) instead of "
                          "leave-one-document-out; it must share no document with --docs")
    run.add_argument("--train-docs", type=Path, default=None, metavar="PATH", help="documents of --train-gold")
    run.add_argument("--limit", type=int, default=None, metavar="N",
                     help="only the first N documents (in doc_id order), for a quick check of a model")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="fail when the model takes longer than this on one document (default: no limit)")
    run.add_argument("--on-error", choices=("stop", "skip"), default="stop",
                     help="when the model fails on a document: stop the run, keeping what was done for --resume "
                          "(default), or skip the document, scoring it as predicting nothing and recording why")
    run.add_argument("--max-failures", type=float, default=None, metavar="SHARE",
                     help="with --on-error skip: exit 0 when the share of failed documents is under this "
                          "(default: 0, any failure exits 1)")
    run.add_argument("--resume", type=Path, default=None, metavar="PARTIAL",
                     help="continue a partial run (what a stopped, interrupted or killed run leaves), predicting "
                          "only the documents not done; it must have been started with the same settings")
    run.add_argument("--dry-run", action="store_true",
                     help="print what each document's request would hold (its size in tokens, estimated) and send "
                          "nothing; for models that send requests, such as openai")
    run.add_argument("--shard", default=None, metavar="K/N",
                     help="predict and score only shard K of N (documents split by a stable hash of their id) and "
                          "save a shard run; 'bench merge' puts the N shards together")
    run.add_argument("--executor", choices=EXECUTORS, default="local",
                     help="local: this process (default); ray: the shards as Ray tasks, on this machine or on the "
                          "cluster of --ray-address, merged when all are done (needs claimbench[distributed])")
    run.add_argument("--shards", type=int, default=None, metavar="N",
                     help="with --executor ray: how many shards (default: one a CPU of the Ray cluster)")
    run.add_argument("--ray-address", default=None, metavar="ADDRESS",
                     help="with --executor ray: the Ray cluster to use, as ray.init takes it (default: start Ray "
                          "on this machine)")
    _scoring_options(run)
    run.set_defaults(handler=cmd_run)

    from .tables import FORMATS

    merge = commands.add_parser("merge", help="merge the shard runs of one run into the run one process would make",
                                description="Check that the shard runs (bench run ... --shard K/N) are every shard "
                                            "of one corpus, made with the same settings, and save the merged run.")
    merge.add_argument("runs", nargs="+", metavar="SHARD_RUN", help="the shard runs: folders or run ids")
    _moved_corpus_options(merge)
    merge.add_argument("--out", type=Path, default=Path("results"),
                       help="folder the merged run is saved under (default: results/)")
    _results_dir_option(merge)
    merge.add_argument("--format", choices=FORMATS, default="table", help="output layout (default: table)")
    merge.add_argument("--report", action="store_true", help="also write report.html into the run folder")
    merge.set_defaults(handler=cmd_merge)

    cache = commands.add_parser("merge-cache", help="merge the LLM response caches of several shards into one",
                                description="Copy every cached answer and server record of the given caches "
                                            "(--model-arg cache=PATH of the openai model) into --into; an answer "
                                            "already there is kept.")
    cache.add_argument("caches", nargs="+", metavar="CACHE", help="SQLite cache files to read")
    cache.add_argument("--into", type=Path, required=True, metavar="CACHE", help="the cache written to")
    cache.set_defaults(handler=cmd_merge_cache)

    score = commands.add_parser("score", help="score a predictions file made elsewhere and save the run",
                                description="Score predictions made by any tool. Claims: a JSONL file, one claim a "
                                            'line: {"doc_id", "start", "end", "type"} plus optional "claimant", '
                                            '"attribution", "text", "score", "id", "meta". Lines may instead give '
                                            'only {"doc_id", "text", "type"} (free text, e.g. from an LLM): they are '
                                            "placed in their document by alignment (see bench.align). Quantities: "
                                            "one mention a line; links: one JSON object (see README).")
    score.add_argument("predictions", nargs="+", metavar="PREDICTIONS",
                       help="one or more prediction files, each scored as a run of its own (several: the "
                            "leaderboard of their runs is printed); - reads standard input")
    score.add_argument("--name", action="append", default=None,
                       help="model name recorded in the run (default: the file name; stdin for -); with several "
                            "files, once per file, or once to name the run of -")
    score.add_argument("--check", action="store_true",
                       help=f"only check the file: list its problems (at most {SHOWN_CHECK_PROBLEMS}), exit 1 if "
                            "any, write nothing")
    score.add_argument("--gold-cache", type=Path, default=None, metavar="DIR",
                       help="keep the checked gold and documents (JSONL files) in DIR, keyed by their bytes and "
                            "the ClaimBench version, so that scoring more systems against them reads them once")
    _scoring_options(score)
    score.set_defaults(handler=cmd_score)

    compare = commands.add_parser("compare", help="compare runs side by side with paired significance",
                                  description="Compare runs row by row (P, R, F1), with deltas against the first "
                                              "run and a paired bootstrap test per row.")
    compare.add_argument("runs", nargs="+", metavar="RUN",
                         help="a run folder, a run id under --results-dir, or a folder searched for runs")
    compare.add_argument("--scheme", default=None, help="scheme to compare (default: the task's headline)")
    _results_dir_option(compare)
    compare.add_argument("--format", choices=("table", "markdown", "latex", "json"), default="table", help="output layout")
    compare.add_argument("--label", action="append", default=None, metavar="NAME",
                         help="column label of each run, in order (repeat once per run; default: model names)")
    compare.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default: 0)")
    compare.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="paired bootstrap resamples (default: 1000)")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help="exit 1 when any row is significantly lower than the first run's, or when the "
                              "difference cannot be tested (the gate fails closed)")
    compare.add_argument("--allow-other-gold", action="store_true",
                         help="compare runs scored on other gold or documents than the first (refused otherwise); "
                              "every number of such a run is marked, and none is tested")
    compare.add_argument("--layout", choices=("auto", "rows", "systems"), default="auto",
                         help="a metric a row with the runs side by side, or one row per system (default: auto, "
                              "one row per system when the other is too wide)")
    compare.set_defaults(handler=cmd_compare)

    board = commands.add_parser("leaderboard", help="one row per system, best first, one table per evaluation",
                                description="One row per system, sorted by the task's headline: the system and its "
                                            "signature's system fields, the headline with its 95%% interval, what it "
                                            "breaks down into, the task's other key figures, and a mark (†) for "
                                            "systems not significantly below the best (paired bootstrap, "
                                            "Holm-corrected). Runs scored under different evaluation settings (task, "
                                            "gold, documents, scheme, version) go into separate tables.")
    board.add_argument("runs", nargs="+", metavar="RUN|DIR",
                       help="run folders, run ids under --results-dir, or folders searched for runs")
    board.add_argument("--scheme", default=None, help="scheme to rank by (default: each task's headline)")
    board.add_argument("--format", choices=("table", "markdown", "latex", "json", "csv"), default="table",
                       help="output layout (default: table)")
    _results_dir_option(board)
    board.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default: 0)")
    board.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                       help="paired bootstrap resamples (default: 1000; 0: no test, no mark)")
    board.set_defaults(handler=cmd_leaderboard)

    errors = commands.add_parser("errors", help="every gold record and prediction of a run with its outcome",
                                 description="List every gold record and prediction of a run with its outcome "
                                             "(matched, wrong_type, boundary, missed, spurious; on a match, a wrong "
                                             "claimant, attribution or value), document, offsets, type(s), "
                                             "claimant(s), similarity and text. Links runs: every gold claim "
                                             "(matched or wrong_cluster; end to end also missed), spurious predicted "
                                             "claims, and the conflicting pairs.")
    errors.add_argument("run", metavar="RUN", help="a run folder or a run id under --results-dir")
    errors.add_argument("--outcome", action="append", default=None, metavar="NAME",
                        help="only these outcomes (repeatable or comma-separated): matched, wrong_type, boundary, "
                             "missed, spurious, wrong_cluster, wrong_claimant, wrong_attribution, wrong_value")
    errors.add_argument("--type", action="append", default=None, metavar="TYPE",
                        help="only records of this type, gold or predicted (repeatable or comma-separated)")
    errors.add_argument("--doc", action="append", default=None, metavar="ID",
                        help="only this document (repeatable or comma-separated)")
    errors.add_argument("--format", choices=("table", "jsonl", "csv"), default="table",
                        help="output layout (default: table)")
    errors.add_argument("--scheme", default=None, help="scheme whose outcomes are listed (default: the run's)")
    _moved_corpus_options(errors)
    _results_dir_option(errors)
    errors.set_defaults(handler=cmd_errors)

    validate = commands.add_parser("validate", help="check a gold corpus, one line per problem",
                                   description="Check every gold claim (offsets, text, whitespace, type, attribution, "
                                               "claimant, ids), the quantity and link layers, the VERSION file, and "
                                               "that every document has gold. Exit 1 on any problem.")
    _corpus_options(validate)
    validate.set_defaults(handler=cmd_validate)

    report = commands.add_parser("report", help="write a self-contained HTML page of a run, or of two runs contrasted",
                                 description="Write one self-contained HTML file: summary, per-type chart, a table of "
                                             "every document, and the chosen articles with gold and predicted spans "
                                             "highlighted. With two runs, what one got right and the other did not.")
    report.add_argument("runs", nargs="+", metavar="RUN", help="one or two run folders or run ids")
    report.add_argument("-o", "--output", type=Path, default=None,
                        help="HTML file to write (default: report.html in the run folder, or compare-<B>.html in A's)")
    report.add_argument("--doc", action="append", default=None, metavar="ID",
                        help="show this article in full (repeatable; default: the --worst articles)")
    report.add_argument("--worst", type=int, default=20, metavar="N",
                        help="without --doc, show the N articles with the lowest F1 in full (default: 20)")
    _moved_corpus_options(report)
    _results_dir_option(report)
    report.set_defaults(handler=cmd_report)

    models = commands.add_parser("models", help="list the models 'bench run --model' accepts, with their tasks",
                                 description="List registered models and installed claimbench.models entry points.")
    models.set_defaults(handler=cmd_models)
    return parser


# ---------------------------------------------------------------- shared steps

def _config(args):
    from .pipeline import make_config

    return make_config(task=args.task, scheme=args.scheme, threshold=args.iou, align_threshold=args.align_threshold,
                       n_bootstrap=args.bootstrap, seed=args.seed, schemes=args.schemes)


@contextlib.contextmanager
def _stdout_to_stderr():
    """Everything written to stdout, even by C code, goes to stderr while a model runs."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _print_run(args, results) -> None:
    from .runs import render

    print(render(results, results.evaluation["scheme"], args.format))


def _report(args, folder) -> None:
    if args.report:
        from .pages import write_report

        print(f"report: {write_report([folder])}", file=sys.stderr)


# ---------------------------------------------------------------- handlers

def cmd_run(args) -> int:
    from .pipeline import run

    config = _config(args)  # bad settings are rejected before any work
    if args.max_failures is not None and not 0 <= args.max_failures <= 1:
        raise InputError(f"--max-failures {args.max_failures}: must be a share of the documents, from 0 to 1")
    if args.dry_run:
        return _dry_run(args, config)
    if args.executor != "ray" and (args.shards is not None or args.ray_address is not None):
        raise InputError("--shards and --ray-address go with --executor ray")
    if args.executor == "ray" and args.shard is not None:
        raise InputError("--shard runs one shard here; --executor ray runs them all: give one of the two")
    with _stdout_to_stderr():
        common = dict(model=args.model, model_args=args.model_arg, gold=args.gold, docs=args.docs, config=config,
                      train_gold=args.train_gold, train_docs=args.train_docs, limit=args.limit, timeout=args.timeout,
                      progress=not args.quiet, on_error=args.on_error, resume=args.resume, out=args.out)
        if args.executor == "ray":
            from .distributed import run_shards

            if args.claims_run is not None:
                raise InputError('--claims-run is for task links, which --executor ray cannot split')
            outcome = run_shards(**common, shards=args.shards, address=args.ray_address)
        else:
            from .pipeline import EmptyShard

            try:
                outcome = run(**common, claims_run=args.claims_run, results_dir=args.out, shard=args.shard)
            except EmptyShard as exc:
                print(f"bench: {exc}", file=sys.stderr)
                return 0
    _print_run(args, outcome.content.results)
    print(f"saved run {outcome.folder.name} to {outcome.folder}", file=sys.stderr)
    _report(args, outcome.folder)
    if outcome.failures and outcome.failed_share >= (args.max_failures or 0.0):
        share = f"{len(outcome.failures)} of {outcome.documents} documents"
        print(f"bench: the model failed on {share} (scored as predicting nothing; --max-failures "
              f"{args.max_failures or 0:g}): the run is saved but counts as failed", file=sys.stderr)
        return EXIT_PROBLEMS
    return 0


def cmd_merge(args) -> int:
    from .runs import save_run
    from .shards import merge

    content = merge(args.runs, gold=args.gold, docs=args.docs, results_dir=args.results_dir)
    folder = save_run(args.out, content)
    _print_run(args, content.results)
    print(f"saved run {folder.name} to {folder}", file=sys.stderr)
    _report(args, folder)
    return 0


def cmd_merge_cache(args) -> int:
    from .baselines.llm_cache import merge_caches

    added = merge_caches(args.into, args.caches)
    print(f"merged {len(args.caches)} cache(s) into {args.into}: {added:,} answer(s) added", file=sys.stderr)
    return 0


def _score_names(inputs: list[str], names: list[str] | None) -> list[str | None]:
    """The name of each input's run: given once per input, or once for standard input; else the default."""
    if inputs.count("-") > 1:
        raise InputError("- (standard input) is given twice: it can be read once")
    if not names:
        return [None] * len(inputs)
    if len(names) == len(inputs):
        return list(names)
    if len(names) == 1 and "-" in inputs:
        return [names[0] if spec == "-" else None for spec in inputs]
    raise InputError(f"--name given {len(names)} times for {len(inputs)} prediction files: give one name per file, "
                     "or one for standard input (-)")


def _dry_run(args, config) -> int:
    """``run --dry-run``: the model's rows of request sizes as a table (or JSON); nothing sent or saved."""
    import json

    from .pipeline import dry_run
    from .tables import render

    with _stdout_to_stderr():
        rows = dry_run(model=args.model, model_args=args.model_arg, gold=args.gold, docs=args.docs, config=config,
                       limit=args.limit)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        headers = list(rows[0])
        print(render([["-" if row.get(h) is None else row.get(h) for h in headers] for row in rows], headers,
                     args.format))
    print(f"dry run: {len(rows)} document(s), nothing sent", file=sys.stderr)
    return 0


def cmd_score(args) -> int:
    from .collector import paused
    from .pipeline import load, score
    from .runs import save_run

    config = _config(args)
    inputs = list(args.predictions)
    names = _score_names(inputs, args.name)
    if args.check:
        if "-" in inputs:
            raise InputError("--check reads files: save standard input to a file to check it")
        corpus = load(config.task, gold=args.gold, docs=args.docs).corpus
        failed = False
        for path in inputs:
            problems = config.task.check_file(Path(path), corpus, config, limit=SHOWN_CHECK_PROBLEMS)
            for problem in problems:
                print(printable(problem))
            if len(problems) >= SHOWN_CHECK_PROBLEMS:  # the check stops there
                found = f"{SHOWN_CHECK_PROBLEMS} or more problems (the first {SHOWN_CHECK_PROBLEMS} shown)"
            else:
                found = f"{len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}"
            print(f"{path}: {found}", file=sys.stderr)
            failed = failed or bool(problems)
        return EXIT_PROBLEMS if failed else 0
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    contents = []
    with paused():  # this process scores and runs no model: see bench.collector
        for spec, name in zip(inputs, names):  # every file is scored before any run is saved
            source = stdin if spec == "-" else Path(spec)
            contents.append(score(source, gold=args.gold, docs=args.docs, config=config, name=name,
                                  claims_run=args.claims_run, results_dir=args.out, gold_cache=args.gold_cache))
            counts = contents[-1].results.alignment
            if counts:
                print(f"{spec}: lines placed: " + ", ".join(f"{method} {n}" for method, n in counts.items()),
                      file=sys.stderr)
        folders = [save_run(args.out, content) for content in contents]
    if len(contents) == 1:
        _print_run(args, contents[0].results)
    else:
        from .ranking import build
        from .runs import read_run

        board = build([read_run(folder) for folder in folders], scheme=config.scheme, n=config.n_bootstrap,
                      seed=config.seed)
        print(board.render(args.format))
    for folder in folders:
        print(f"saved run {folder.name} to {folder}", file=sys.stderr)
        _report(args, folder)
    return 0


def cmd_compare(args) -> int:
    from .comparison import compare_runs, find_runs

    runs, _ = find_runs(args.runs, args.results_dir)
    comparison = compare_runs(runs, scheme=args.scheme, n=args.bootstrap, seed=args.seed, labels=args.label,
                              allow_other_gold=args.allow_other_gold)
    print(comparison.render(args.format, args.layout))
    if args.fail_on_regression:
        if comparison.regressions:
            print("bench: significant regression: " + "; ".join(comparison.regressions), file=sys.stderr)
            return EXIT_PROBLEMS
        if comparison.untested:
            print("bench: the regression gate cannot test, so it fails: " + "; ".join(comparison.untested),
                  file=sys.stderr)
            return EXIT_PROBLEMS
    return 0


def cmd_leaderboard(args) -> int:
    from .ranking import leaderboard

    board = leaderboard(args.runs, scheme=args.scheme, n=args.bootstrap, seed=args.seed,
                        results_dir=args.results_dir)
    print(board.render(args.format))
    return 0


def _listed(values: list[str] | None) -> list[str] | None:
    """A repeatable option that also takes comma-separated values."""
    return None if values is None else [v.strip() for value in values for v in value.split(",") if v.strip()]


def cmd_errors(args) -> int:
    from .errorlist import error_list
    from .runs import find_run

    listing = error_list(find_run(args.run, args.results_dir), scheme=args.scheme, outcomes=_listed(args.outcome),
                         types=_listed(args.type), docs=_listed(args.doc), doc_path=args.docs, gold_path=args.gold)
    print(listing.render(args.format))
    return 0


def cmd_report(args) -> int:
    from .pages import write_report
    from .runs import find_run

    if len(args.runs) > 2:
        raise InputError(f"bench report takes one or two runs, got {len(args.runs)}")
    if args.worst < 0:
        raise InputError(f"--worst {args.worst}: must be 0 or more")
    runs = [find_run(spec, args.results_dir) for spec in args.runs]
    print(write_report(runs, args.output, docs=args.docs, gold=args.gold, show=args.doc, worst=args.worst))
    return 0


def cmd_validate(args) -> int:
    from .corpus import read_corpus
    from .tables import render

    from .corpus import DEFAULT_DOCS, DEFAULT_GOLD

    check = read_corpus(args.gold or DEFAULT_GOLD, args.docs or DEFAULT_DOCS)
    if not check.ok:
        for problem in check.problems:
            print(printable(problem))
        print(f"{len(check.problems)} problem(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    from .records import CLAIM_TYPES

    corpus = check.corpus
    rows = [[t, check.counts.get(t, 0)] for t in CLAIM_TYPES] + [["total", sum(check.counts.values())]]
    layers = []
    if corpus.quantities is not None:
        layers.append(f"{check.n_quantities} quantity mentions")
    if corpus.links is not None:
        layers.append(f"{len(corpus.links.clusters)} clusters, {len(corpus.links.conflicts)} conflicts")
    print(f"gold OK: {len(corpus.documents)} documents" + (f"; {'; '.join(layers)}" if layers else ""))
    print(render(rows, ["type", "claims"]))
    return 0


def cmd_models(args) -> int:
    from .registry import available

    for name, (origin, tasks) in available().items():
        print(f"{name}\t{','.join(tasks) or '?'}\t{origin}")
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, BenchWarning):
        print(f"bench: warning: {printable(message)}", file=sys.stderr)
    else:
        print(f"bench: warning: {category.__name__}: {printable(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", BenchWarning)
        warnings.showwarning = _show_warning
        try:
            return args.handler(args)
        except InputError as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return EXIT_INPUT
        except KeyboardInterrupt as exc:
            partial = getattr(exc, "partial", None)
            kept = f"; what was done is kept in {partial}: continue it with --resume {partial}" if partial else ""
            print(f"bench: interrupted{kept}", file=sys.stderr)
            return 130
        except BrokenPipeError:
            return 0
        except MemoryError:
            print("bench: error: out of memory", file=sys.stderr)
            return EXIT_INPUT
        except OSError as exc:  # a path the system refuses (too long, a loop of links, ...) wherever it is used
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"bench: error: {printable(where + (exc.strerror or str(exc)))}", file=sys.stderr)
            return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
