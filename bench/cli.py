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

from . import __version__
from .errors import BenchWarning, InputError, printable

EXIT_PROBLEMS = 1
EXIT_INPUT = 2
SHOWN_CHECK_PROBLEMS = 20
ALIGN_THRESHOLD = 0.5  # bench.align.ALIGN_THRESHOLD, repeated so --help needs no import


def _corpus_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", type=Path, default=None,
                        help="gold: a folder of <doc_id>.json or a .jsonl file (default: the ClaimBench gold)")
    parser.add_argument("--docs", type=Path, default=None,
                        help="documents: a folder of <doc_id>.txt or a .jsonl of {doc_id, text} (default: the seed articles)")


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
    _scoring_options(run)
    run.set_defaults(handler=cmd_run)

    score = commands.add_parser("score", help="score a predictions file made elsewhere and save the run",
                                description="Score predictions made by any tool. Claims: a JSONL file, one claim a "
                                            'line: {"doc_id", "start", "end", "type"} plus optional "claimant", '
                                            '"attribution", "text", "score", "id", "meta". Lines may instead give '
                                            'only {"doc_id", "text", "type"} (free text, e.g. from an LLM): they are '
                                            "placed in their document by alignment (see bench.align). Quantities: "
                                            "one mention a line; links: one JSON object (see README).")
    score.add_argument("predictions", type=Path, metavar="PREDICTIONS")
    score.add_argument("--name", default=None, help="model name recorded in the run (default: the file name)")
    score.add_argument("--check", action="store_true",
                       help=f"only check the file: list its problems (at most {SHOWN_CHECK_PROBLEMS}), exit 1 if "
                            "any, write nothing")
    _scoring_options(score)
    score.set_defaults(handler=cmd_score)

    compare = commands.add_parser("compare", help="compare runs side by side with paired significance",
                                  description="Compare runs row by row (P, R, F1), with deltas against the first "
                                              "run and a paired bootstrap test per row.")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="a run folder or a run id under --results-dir")
    compare.add_argument("--scheme", default=None, help="scheme to compare (default: the task's headline)")
    compare.add_argument("--results-dir", type=Path, default=Path("results"), help="where run ids are looked up (default: results/)")
    compare.add_argument("--format", choices=("table", "markdown", "latex", "json"), default="table", help="output layout")
    compare.add_argument("--label", action="append", default=None, metavar="NAME",
                         help="column label of each run, in order (repeat once per run; default: model names)")
    compare.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default: 0)")
    compare.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="paired bootstrap resamples (default: 1000)")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help="exit 1 when any row is significantly lower than the first run's, or when the "
                              "difference cannot be tested (the gate fails closed)")
    compare.set_defaults(handler=cmd_compare)

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
    report.add_argument("--docs", type=Path, default=None, help="where the documents are, if they moved since the run")
    report.add_argument("--gold", type=Path, default=None, help="where the gold is, if it moved since the run")
    report.add_argument("--results-dir", type=Path, default=Path("results"), help="where run ids are looked up (default: results/)")
    report.set_defaults(handler=cmd_report)

    models = commands.add_parser("models", help="list the models 'bench run --model' accepts, with their tasks",
                                 description="List registered models and installed claimbench.models entry points.")
    models.set_defaults(handler=cmd_models)
    return parser


# ---------------------------------------------------------------- shared steps

def _config(args):
    from .pipeline import make_config

    return make_config(task=args.task, scheme=args.scheme, threshold=args.iou, align_threshold=args.align_threshold,
                       n_bootstrap=args.bootstrap, seed=args.seed)


def _paths(args) -> tuple[Path, Path]:
    from .corpus import DEFAULT_DOCS, DEFAULT_GOLD

    return args.gold or DEFAULT_GOLD, args.docs or DEFAULT_DOCS


def _load(args, task, *, limit: int | None = None):
    from .corpus import load_corpus
    from .fingerprint import gold_info

    gold_path, docs_path = _paths(args)
    corpus = load_corpus(gold=gold_path, docs=docs_path)
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit {limit}: must be at least 1")
        if not task.per_document:
            raise InputError(f"--limit is for per-document tasks, not task {task.name!r}, whose links span documents")
        corpus = corpus.subset(corpus.doc_ids[:limit])
    task.require(corpus)
    return corpus, gold_info(corpus, gold_path=gold_path, docs_path=docs_path, layer=task.layer)


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


def _finish(args, content) -> int:
    from .runs import save_run

    folder = save_run(args.out, content)
    results = content.results
    print(_render(results, results.settings["scheme"], args.format))
    print(f"saved run {folder.name} to {folder}", file=sys.stderr)
    if args.report:
        from .report import write_report

        print(f"report: {write_report([folder])}", file=sys.stderr)
    return 0


def _no_credentials(value: object) -> object:
    """A URL argument with its password masked, so it never reaches a run folder."""
    import re

    return re.sub(r"(://[^/:@\s]+):[^/@\s]*@", r"\1:***@", value) if isinstance(value, str) else value


def _render(results, scheme: str, fmt: str) -> str:
    import msgspec

    from .jsonio import to_json
    from .tasks import get_task

    data = msgspec.to_builtins(results)
    if fmt == "json":
        return to_json(data, indent=True).decode("utf-8").rstrip("\n")
    return get_task(results.task).report(data, scheme, fmt)


# ---------------------------------------------------------------- handlers

def cmd_run(args) -> int:
    import time

    from .corpus import load_corpus
    from .pipeline import build_run
    from .fingerprint import System
    from .protocol import parse_model_args, run_model
    from .registry import MODELS
    from .tasks import get_task

    config = _config(args)  # bad settings are rejected before any work
    task = get_task(args.task)
    if (args.train_gold is None) != (args.train_docs is None):
        raise InputError("--train-gold and --train-docs go together")
    if args.timeout is not None and not args.timeout > 0:
        raise InputError(f"--timeout {args.timeout}: must be a positive number of seconds")
    with _stdout_to_stderr():
        cls = MODELS.resolve(args.model)
        model_args = parse_model_args(cls, args.model_arg)
        started = time.perf_counter()
        corpus, gold = _load(args, task, limit=args.limit)
        train = load_corpus(gold=args.train_gold, docs=args.train_docs) if args.train_gold is not None else None
        claims, claims_run = task.model_claims(corpus, args.claims_run, config)
        load_s = time.perf_counter() - started
        outcome = run_model(cls, corpus, task=task, config=config, model_args=model_args, progress=not args.quiet,
                            train=train, timeout=args.timeout, claims=claims)
    shown_args = {k: _no_credentials(v) for k, v in model_args.items()}
    signed = {k: v for k, v in shown_args.items() if k not in cls.neutral_args} | outcome.fingerprint
    system = System(model=cls.name, args=signed, train=outcome.train, claims=getattr(claims, "signed", None))
    extra = {"model_spec": args.model, "model_args": shown_args, "protocol": outcome.protocol, "limit": args.limit}
    if claims_run is not None:
        extra["claims_run"] = claims_run
    content = build_run(task=task, corpus=corpus, predictions=outcome.predictions, config=config, system=system,
                        gold=gold, model=cls.name, extra_config=extra,
                        timing={"load_s": load_s, **outcome.timing}, warnings=outcome.warnings,
                        usage=(outcome.provenance or {}).pop("usage", None), provenance=outcome.provenance)
    return _finish(args, content)


def cmd_score(args) -> int:
    import time

    from .jsonio import read_bytes
    from .pipeline import build_run, scored_system
    from .tasks import get_task

    config = _config(args)
    task = get_task(args.task)
    started = time.perf_counter()
    corpus, gold = _load(args, task)
    if args.check:
        problems = task.check_file(args.predictions, corpus, config, limit=SHOWN_CHECK_PROBLEMS)
        for problem in problems:
            print(printable(problem))
        if len(problems) >= SHOWN_CHECK_PROBLEMS:  # the check stops there
            found = f"{SHOWN_CHECK_PROBLEMS} or more problems (the first {SHOWN_CHECK_PROBLEMS} shown)"
        else:
            found = f"{len(problems) or 'no'} problem{'s' if len(problems) != 1 else ''}"
        print(f"{args.predictions}: {found}", file=sys.stderr)
        return EXIT_PROBLEMS if problems else 0
    data = read_bytes(args.predictions)
    predictions = task.read(args.predictions, corpus, config, data=data, claims_run=args.claims_run)
    extra = {"predictions_file": str(args.predictions), "claims_run": getattr(predictions, "claims_run", None)}
    load_s = time.perf_counter() - started
    if predictions.alignment:
        counts = predictions.alignment_counts()
        print("lines placed: " + ", ".join(f"{method} {n}" for method, n in counts.items()), file=sys.stderr)
    name = args.name or args.predictions.stem
    content = build_run(task=task, corpus=corpus, predictions=predictions, config=config,
                        system=scored_system(name, data, predictions), gold=gold, model=name, extra_config=extra,
                        timing={"load_s": load_s})
    return _finish(args, content)


def cmd_compare(args) -> int:
    from .comparison import compare_runs
    from .runs import find_run, read_run

    runs = [read_run(find_run(spec, args.results_dir)) for spec in args.runs]
    comparison = compare_runs(runs, scheme=args.scheme, n=args.bootstrap, seed=args.seed, labels=args.label)
    print(comparison.render(args.format))
    if args.fail_on_regression:
        if comparison.regressions:
            print("bench: significant regression: " + "; ".join(comparison.regressions), file=sys.stderr)
            return EXIT_PROBLEMS
        if comparison.untested:
            print("bench: the regression gate cannot test, so it fails: " + "; ".join(comparison.untested),
                  file=sys.stderr)
            return EXIT_PROBLEMS
    return 0


def cmd_report(args) -> int:
    from .report import write_report
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

    gold_path, docs_path = _paths(args)
    check = read_corpus(gold_path, docs_path)
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
    from .registry import MODELS

    for name, (origin, tasks) in MODELS.available().items():
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
        except KeyboardInterrupt:
            print("bench: interrupted", file=sys.stderr)
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
