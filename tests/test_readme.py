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
