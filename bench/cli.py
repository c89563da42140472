"""The ``bench`` command: a thin layer over importable functions, one handler per subcommand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .claims import CLAIM_TYPES
from .align import ALIGN_THRESHOLD
from .errors import InputError

EXIT_PROBLEMS = 1
EXIT_INPUT = 2


def _scheme_names() -> list[str]:
    from .scoring import SCHEMES

    return list(SCHEMES)


def _corpus_options(parser: argparse.ArgumentParser) -> None:
    from .corpus import DEFAULT_DOCS, DEFAULT_GOLD

    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                        help="gold: a folder of <doc_id>.json or a .jsonl file (default: the ClaimBench gold)")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS,
                        help="documents: a folder of <doc_id>.txt or a .jsonl of {doc_id, text} (default: the seed articles)")


def _scoring_options(parser: argparse.ArgumentParser) -> None:
    from .runs import DEFAULT_RESULTS_DIR
    from .tables import FORMATS

    _corpus_options(parser)
    parser.add_argument("--scheme", choices=_scheme_names(), default="lenient",
                        help="matching scheme of the printed table; every scheme is computed and saved (default: lenient)")
    parser.add_argument("--iou", type=float, default=0.5, metavar="X",
                        help="threshold of the threshold-based schemes, in (0, 1]: character IoU for lenient and "
                             "detection, token F1 for text (default: 0.5)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output layout (default: table)")
    parser.add_argument("--out", type=Path, default=DEFAULT_RESULTS_DIR,
                        help="folder that receives the run folder (default: results/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for the confidence intervals (default: 1000)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--report", action="store_true", help="also write report.html into the run folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    _scoring_options(run)
    run.set_defaults(handler=cmd_run)

    score = commands.add_parser("score", help="score a predictions file made elsewhere and save the run",
                                description="Score predictions made by any tool: a JSONL file, one claim a line: "
                                            '{"doc_id", "start", "end", "type"} plus optional "claimant", '
                                            '"attribution", "text", "score". Lines may instead give only '
                                            '{"doc_id", "text", "type"} (free text, e.g. from an LLM): they are '
                                            "placed in their document by alignment (see bench.align).")
    score.add_argument("predictions", type=Path, metavar="PREDICTIONS.jsonl")
    score.add_argument("--name", default=None, help="model name recorded in the run (default: the file name)")
    score.add_argument("--align-threshold", type=float, default=ALIGN_THRESHOLD, metavar="X",
                       help="least token F1 at which a free-text line is placed in its document; below it the "
                            f"line stays unaligned and counts as spurious (default: {ALIGN_THRESHOLD})")
    _scoring_options(score)
    score.set_defaults(handler=cmd_score)

    compare = commands.add_parser("compare", help="compare runs side by side with paired significance",
                                  description="Compare runs per type (P, R, F1), with F1 deltas against the first "
                                              "run and a paired bootstrap test per row.")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="a run folder or a run id under --results-dir")
    compare.add_argument("--scheme", choices=_scheme_names(), default="lenient", help="scheme to compare (default: lenient)")
    compare.add_argument("--results-dir", type=Path, default=Path("results"), help="where run ids are looked up (default: results/)")
    compare.add_argument("--format", choices=("table", "markdown", "latex"), default="table", help="output layout")
    compare.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default: 0)")
    compare.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="paired bootstrap resamples (default: 1000)")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help="exit 1 when any F1 is significantly lower than the first run's")
    compare.set_defaults(handler=cmd_compare)

    validate = commands.add_parser("validate", help="check a gold corpus, one line per problem",
                                   description="Check every gold claim (offsets, text, whitespace, type, attribution, "
                                               "claimant, ids) and that every document has gold. Exit 1 on any problem.")
    _corpus_options(validate)
    validate.set_defaults(handler=cmd_validate)

    report = commands.add_parser("report", help="write a self-contained HTML page of a run, or of two runs contrasted",
                                 description="Write one self-contained HTML file: per-type table and chart, and every "
                                             "article with gold and predicted spans highlighted by type and outcome. "
                                             "With two runs, the claims one got right and the other did not.")
    report.add_argument("runs", nargs="+", metavar="RUN", help="one or two run folders or run ids")
    report.add_argument("-o", "--output", type=Path, default=None,
                        help="HTML file to write (default: report.html in the run folder, or compare-<B>.html in A's)")
    report.add_argument("--docs", type=Path, default=None, help="where the documents are, if they moved since the run")
    report.add_argument("--results-dir", type=Path, default=Path("results"), help="where run ids are looked up (default: results/)")
    report.set_defaults(handler=cmd_report)

    models = commands.add_parser("models", help="list the models 'bench run --model' accepts",
                                 description="List registered models and installed claimbench.models entry points.")
    models.set_defaults(handler=cmd_models)
    return parser


def _config(args):
    from .fingerprint import EvalConfig

    if not 0 < args.iou <= 1:
        raise InputError(f"--iou {args.iou}: must be in (0, 1]")
    if args.bootstrap < 1:
        raise InputError(f"--bootstrap {args.bootstrap}: must be at least 1")
    return EvalConfig(scheme=args.scheme, threshold=args.iou, n_bootstrap=args.bootstrap, seed=args.seed, types=CLAIM_TYPES)


def _load(args):
    from .corpus import load_corpus
    from .fingerprint import gold_info

    corpus = load_corpus(gold=args.gold, docs=args.docs)
    unknown = sorted(set(corpus.gold) - set(corpus.documents))
    if unknown:
        raise InputError(f'gold for unknown document "{unknown[0]}" (not in {args.docs})', path=args.gold)
    unlabelled = sorted(set(corpus.documents) - set(corpus.gold))
    if unlabelled:
        raise InputError(f'no gold for document "{unlabelled[0]}" (every document needs gold, even an empty '
                         f'claim list; see bench validate)', path=args.gold)
    return corpus, gold_info(corpus, gold_path=args.gold, docs_path=args.docs)


def _finish(args, config, *, model: str, corpus, gold, predictions, extra_config, timing, alignment=None) -> int:
    from .evaluate import build_run, save_run
    from .tables import run_report

    run_id, results, files = build_run(model=model, corpus=corpus, predictions=predictions, config=config,
                                       gold=gold, extra_config=extra_config, timing=timing, alignment=alignment)
    folder = save_run(args.out, run_id, results, files)
    results["run_id"] = folder.name
    print(run_report(results, scheme=config.scheme, fmt=args.format))
    print(f"saved run {folder.name} to {folder}", file=sys.stderr)
    if args.report:
        from .report import write_report

        print(f"report: {write_report([folder])}", file=sys.stderr)
    return 0


def cmd_run(args) -> int:
    import time

    from .corpus import load_corpus
    from .fingerprint import gold_info
    from .protocol import SEPARATE_TRAINING, parse_model_args, run_model
    from .registry import MODELS

    config = _config(args)  # bad settings are rejected before any work
    cls = MODELS.resolve(args.model)
    model_args = parse_model_args(cls, args.model_arg)
    if (args.train_gold is None) != (args.train_docs is None):
        raise InputError("--train-gold and --train-docs go together")
    started = time.perf_counter()
    corpus, gold = _load(args)
    train = train_info = None
    if args.train_gold is not None:
        train = load_corpus(gold=args.train_gold, docs=args.train_docs)
        train_info = gold_info(train, gold_path=args.train_gold, docs_path=args.train_docs)
    load_s = time.perf_counter() - started
    outcome = run_model(cls, corpus, model_args=model_args, progress=not args.quiet, train=train)
    extra = {"model_spec": args.model, "model_args": model_args, "protocol": outcome.protocol}
    if train_info is not None and outcome.protocol == SEPARATE_TRAINING:
        extra["train"] = train_info
    return _finish(args, config, model=cls.name, corpus=corpus, gold=gold, predictions=outcome.predictions,
                   extra_config=extra, timing={"load_s": load_s, **outcome.timing})


def cmd_score(args) -> int:
    import time

    from .predictions import alignment_counts, read_predictions_with_alignment

    config = _config(args)
    if not 0 < args.align_threshold <= 1:
        raise InputError(f"--align-threshold {args.align_threshold}: must be in (0, 1]")
    started = time.perf_counter()
    corpus, gold = _load(args)
    predictions, alignment = read_predictions_with_alignment(args.predictions, corpus.documents,
                                                             threshold=args.align_threshold)
    load_s = time.perf_counter() - started
    counts = alignment_counts(alignment)
    if len(alignment) > counts["offsets"]:
        print("lines placed: " + ", ".join(f"{method} {n}" for method, n in counts.items()), file=sys.stderr)
    extra = {"predictions_file": str(args.predictions), "align_threshold": args.align_threshold}
    return _finish(args, config, model=args.name or args.predictions.stem, corpus=corpus, gold=gold,
                   predictions=predictions, extra_config=extra, timing={"load_s": load_s}, alignment=alignment)


def cmd_compare(args) -> int:
    from .compare import compare_runs
    from .runs import find_run, load_results, load_units

    folders = [find_run(spec, args.results_dir) for spec in args.runs]
    comparison = compare_runs([load_results(f) for f in folders], [load_units(f) for f in folders],
                              scheme=args.scheme, n=args.bootstrap, seed=args.seed)
    print(comparison.render(args.format))
    if args.fail_on_regression and comparison.regressions:
        print("significant F1 regression: " + "; ".join(comparison.regressions), file=sys.stderr)
        return EXIT_PROBLEMS
    return 0


def cmd_report(args) -> int:
    from .report import write_report
    from .runs import find_run

    if len(args.runs) > 2:
        raise InputError(f"bench report takes one or two runs, got {len(args.runs)}")
    runs = [find_run(spec, args.results_dir) for spec in args.runs]
    print(write_report(runs, args.output, docs=args.docs))
    return 0


def cmd_validate(args) -> int:
    from tabulate import tabulate

    from .validate import validate

    report = validate(args.gold, args.docs)
    if not report.ok:
        for problem in report.problems:
            print(problem)
        print(f"{len(report.problems)} problem(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    rows = [[t, report.counts.get(t, 0)] for t in CLAIM_TYPES] + [["total", sum(report.counts.values())]]
    print(f"gold OK: {report.documents} documents")
    print(tabulate(rows, headers=["type", "claims"], tablefmt="simple"))
    return 0


def cmd_models(args) -> int:
    from .registry import MODELS

    for name, origin in MODELS.available().items():
        print(f"{name}\t{origin}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
