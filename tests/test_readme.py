"""The README opens with the two commands a new user runs, and CI runs the second one."""

from conftest import ROOT


def _first_lines(n: int) -> list[str]:
    return [line.rstrip() for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:n]]


def test_readme_starts_with_the_run_and_test_commands():
    run, test, blank = _first_lines(3)
    assert run.endswith("bench run --model rules") and "pip install" in run
    assert test.endswith("pytest") and "[all,test]" in test
    assert blank == ""


def test_ci_runs_the_readme_test_command():
    test_command = _first_lines(2)[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def _table_blocks():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"<!-- table: compare (.*?) -->\n(.*?)<!-- end table -->", readme, flags=re.S)


def _compare_argv(spec: str) -> list[str]:
    import shlex

    argv = []
    for token in shlex.split(spec):
        if "*" in token:
            found = sorted(ROOT.glob(token))
            assert len(found) == 1, (token, found)
            argv.append(str(found[0]))
        else:
            argv.append(token)
    return argv


def test_reference_tables_are_what_compare_prints(capsys):
    from bench.cli import main

    blocks = _table_blocks()
    assert len(blocks) >= 9
    for spec, table in blocks:
        assert main(["compare", *_compare_argv(spec), "--format", "markdown"]) == 0, spec
        assert table.strip() == capsys.readouterr().out.strip(), spec


def test_committed_reference_runs_reproduce(tmp_path, capsys):
    """The untrained baselines, run again now, give exactly the committed scores."""
    import json

    from bench.cli import main

    heldout = ["--gold", str(ROOT / "tests/data/heldout/gold"), "--docs", str(ROOT / "tests/data/heldout/docs")]
    cases = [("seeds/claims", "rules", []), ("seeds/claims", "sentences", []), ("heldout/claims", "rules", heldout),
             ("seeds/quantities", "rules", ["--task", "quantities"]), ("seeds/links", "rules", ["--task", "links"])]
    for folder, model, extra in cases:
        (committed,) = sorted((ROOT / "results" / "reference" / folder).glob(f"{model}-*"))
        expected = json.loads((committed / "results.json").read_text(encoding="utf-8"))
        assert main(["run", "--model", model, *extra, "--out", str(tmp_path), "--quiet", "--format", "json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["scores"] == expected["scores"], (folder, model)
        assert again["signature"] == expected["signature"]
