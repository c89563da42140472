"""bench validate: the repo's gold passes; corrupted copies give one clear line per problem."""

import json

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.cli import main


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_repo_gold_is_valid(capsys):
    assert main(["validate", "--gold", str(GOLD), "--docs", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "gold OK: 5 documents" in out
    for name in ("quantity", "prediction", "position", "event"):
        line = next(l for l in out.splitlines() if l.startswith(name))
        assert int(line.split()[1]) > 0


def test_corrupted_gold_gives_one_line_per_problem(gold_copy, capsys):
    gold = gold_copy / "gold"
    files = sorted(gold.glob("0*.json"))

    def shift(data):
        data["claims"][0]["start"] += 1
        data["claims"][0]["end"] += 1

    def retype(data):
        data["claims"][1]["type"] = "opinion"
        data["claims"][2]["claimant"] = "Nobody Known"
        data["claims"][3]["id"] = data["claims"][4]["id"]

    _edit(files[0], shift)
    _edit(files[1], retype)
    files[2].unlink()
    code = main(["validate", "--gold", str(gold), "--docs", str(gold_copy / "seeds")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    first = json.loads(files[0].read_text())["claims"][0]
    c = json.loads(files[1].read_text())["claims"]
    expected = [
        f"{files[0]}: claim c1: text does not match offsets {first['start']}-{first['end']}",
        f'{files[1]}: claim c2: unknown type "opinion" (expected one of quantity, prediction, position, event)',
        f'{files[1]}: claim c3: claimant "Nobody Known" is not a canonical name in claimants.json nor "author"',
        f'{files[1]}: claim {c[4]["id"]}: duplicate id "{c[4]["id"]}"',
        f'{gold}: no gold for document "{files[2].stem}" (every document needs gold, even an empty claim list)',
    ]
    for line in expected:
        assert line in out, (line, out)
    assert len(out) == len(expected)  # the links to the missing document's claims add no line of their own


def test_whitespace_and_author_rules(gold_copy, capsys):
    gold = gold_copy / "gold"
    path = sorted(gold.glob("0*.json"))[0]
    text = (gold_copy / "seeds" / f"{path.stem}.txt").read_text(encoding="utf-8")

    def widen(data):
        claim = data["claims"][0]
        claim["start"] -= 1
        claim["text"] = text[claim["start"]:claim["end"]]
        data["claims"][1]["attribution"] = "author"

    _edit(path, widen)
    assert main(["validate", "--gold", str(gold), "--docs", str(gold_copy / "seeds")]) == 1
    out = capsys.readouterr().out
    assert "claim c1: span" in out and "starts or ends with whitespace" in out
    assert 'claim c2: claimant "author" goes with attribution "author" and only with it' in out


def test_unreadable_gold_is_one_problem_and_run_refuses_it_with_the_same_words(gold_copy, capsys):
    gold = gold_copy / "gold"
    broken = sorted(gold.glob("0*.json"))[0]
    broken.write_text("{not json")
    code = main(["validate", "--gold", str(gold), "--docs", str(gold_copy / "seeds")])
    captured = capsys.readouterr()
    assert code == 1 and "Traceback" not in captured.err
    problem = next(line for line in captured.out.splitlines() if line.startswith(str(broken)))
    assert problem.startswith(f"{broken}:1: invalid JSON") and problem.count(str(broken)) == 1
    code = main(["run", "--model", "rules", "--gold", str(gold), "--docs", str(gold_copy / "seeds"),
                 "--out", str(gold_copy / "r")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("bench: error: invalid gold: ") and problem in err
    assert len(err.strip().splitlines()) == 1 and not (gold_copy / "r").exists()


@pytest.mark.parametrize("name", ["unseen", "heldout", "figures"])
def test_test_corpora_are_valid_gold(name, capsys):
    folder = ROOT / "tests" / "data" / name
    assert main(["validate", "--gold", str(folder / "gold"), "--docs", str(folder / "docs")]) == 0
    assert "gold OK" in capsys.readouterr().out
