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


def _tables():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "results" / "reference" / "readme_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_blocks_are_what_the_commands_print():
    """Every compare, leaderboard and errors block of the README is what the command prints over the committed runs."""
    tables = _tables()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = tables.BLOCK.findall(readme)
    kinds = [command for _, command, _, _, _ in blocks]
    assert kinds.count("leaderboard") >= 5 and kinds.count("compare") >= 3 and "errors" in kinds
    for _, command, spec, shown, _ in blocks:
        assert shown == tables.block(command, spec, ROOT), (command, spec)


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
