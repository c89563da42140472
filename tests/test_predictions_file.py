"""Reading and writing prediction files (bench.predictions)."""

from __future__ import annotations

import json
import warnings

import pytest

from bench.records import Claim, Document
from bench.exceptions import InputError
from bench.tasks.claims import claims_from_objects as predictions_from_objects
from bench.tasks.claims import read_claims as read


def read_predictions(path, documents, **kwargs):
    return read(path, documents, **kwargs).by_doc

TEXT = "Putin said 1,730 soldiers surrendered.\nKyiv denied it."
DOCS = {"a": Document("a", TEXT), "b": Document("b", "Another document.")}


def write_lines(tmp_path, lines, name="preds.jsonl"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def record(**fields):
    base = {"doc_id": "a", "start": 11, "end": 37, "type": "quantity"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None}, ensure_ascii=False)


def test_reads_claims_and_lists_every_document(tmp_path):
    path = write_lines(tmp_path, [
        record(claimant="Putin", attribution="direct", text="1,730 soldiers surrendered", score=0.9, id="p1"),
        "",
        record(start=39, end=54, type="event"),
    ])
    predictions = read_predictions(path, DOCS)
    assert set(predictions) == {"a", "b"} and predictions["b"] == []
    first, second = predictions["a"]
    assert first == Claim("a", 11, 37, "quantity", "Putin", "direct", "1,730 soldiers surrendered", "p1", 0.9)
    assert read(path, DOCS).lines_by_doc == {"a": [1, 3], "b": []}  # line numbers, blank lines counted
    assert (second.start, second.end, second.type, second.claimant) == (39, 54, "event", None)


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        (record(doc_id=None), 'missing field "doc_id"'),
        (record(end=None), 'missing field "end"'),
        (record(start="11"), 'field "start" must be an integer, got "11"'),
        (record(type="opinion"), 'unknown type "opinion" (expected one of quantity, prediction, position, event)'),
        (record(attribution="quoted"), 'unknown attribution "quoted"'),
        (record(claimant=3), 'field "claimant" must be a string, got 3'),
        (record(score="high"), 'field "score" must be a number'),
        (record(claimaint="Putin"), 'unknown field "claimaint" (did you mean "claimant"?)'),
        (record(atribution="direct"), 'unknown field "atribution" (did you mean "attribution"?)'),
        (record(start=True), 'field "start" must be an integer, got True'),
        (record(start=11.0), 'field "start" must be an integer, got 11.0'),
        (record(start=10 ** 30), "outside the text"),
        ('{"doc_id": "a", "start": 1' + "0" * 5000 + ', "end": 37, "type": "event"}',
         'field "start": integer value out of range'),
        ('{"doc_id": "a", "start": 11, "end": 37, "type": "event", "score": NaN}', "invalid JSON"),
        ('{"doc_id": "a", "start": 11, "end": 37, "type": "event", "score": 1e999}', 'field "score"'),
        ('{"doc_id": "a", "start": 11, "end": 37, "type": "event", "text": "\\ud800"}', "invalid JSON"),
        ('{"doc_id": "a", "start": 11, "end": 37, "type": "event"} {"doc_id": "a"}', "trailing characters"),
        (record(doc_id="zzz"), 'unknown doc_id "zzz"'),
        (record(end=999), "offsets 11-999 outside the text"),
        (record(start=20, end=20), "offsets 20-20 outside the text or empty"),
        (record(start=-1), "offsets -1-37 outside the text"),
        (record(text="something else"), "text does not match offsets 11-37"),
    ],
)
def test_bad_line_names_file_line_and_problem(tmp_path, line, message):
    path = write_lines(tmp_path, [record(), record(start=39, end=54), line])
    with pytest.raises(InputError) as caught:
        read_predictions(path, DOCS)
    text = str(caught.value)
    assert text.startswith(f"{path}:3: ")
    assert message in text
    assert "\n" not in text


def test_example_message_reads_as_documented(tmp_path):
    path = write_lines(tmp_path, [record(type="opinion")])
    with pytest.raises(InputError) as caught:
        read_predictions(path, DOCS)
    assert str(caught.value) == (
        f'{path}:1: unknown type "opinion" (expected one of quantity, prediction, position, event)')


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_an_empty_file_is_no_prediction(tmp_path, content):
    """A model that found nothing writes an empty predictions.jsonl: legal, and read back as nothing."""
    path = tmp_path / "preds.jsonl"
    path.write_text(content, encoding="utf-8")
    assert read_predictions(path, DOCS) == {"a": [], "b": []}


def test_folder_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(InputError, match="is a folder, expected a file"):
        read_predictions(tmp_path, DOCS)
    with pytest.raises(InputError, match="no such file"):
        read_predictions(tmp_path / "nope.jsonl", DOCS)
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"doc_id": "a", "type": "caf\xe9"}\n')
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_predictions(bad, DOCS)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write_lines(tmp_path, [record()])

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    with pytest.raises(InputError) as caught:
        read_predictions(path, DOCS)
    assert str(caught.value) == f"{path}: cannot read: Permission denied"


def test_meta_is_kept_and_ignored(tmp_path):
    path = write_lines(tmp_path, [record(meta={"model": "x", "logits": [0.1, 0.9]})])
    claim = read_predictions(path, DOCS)["a"][0]
    assert claim.meta == {"model": "x", "logits": [0.1, 0.9]}
    assert read(path, DOCS).source == path.read_bytes()


def test_objects_are_checked_like_lines_and_write_back_as_lines(tmp_path):
    import numpy as np

    claims = [Claim("a", 39, 54, "event", text="Kyiv denied it."),
              {"doc_id": "a", "start": np.int64(0), "end": 5, "type": "position", "claimant": "Putin",
               "attribution": "direct", "id": "x", "score": np.float32(0.5)},
              Claim("b", 0, 7, "quantity", claimant="Ünïcode")]
    found = predictions_from_objects(claims, DOCS)
    path = tmp_path / "out.jsonl"
    path.write_bytes(found.source)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["start"] for line in lines] == [39, 0, 0]
    assert "Ünïcode" in lines[-1]  # written as UTF-8, not escaped
    assert read_predictions(path, DOCS) == found.by_doc
    for bad, message in [({"doc_id": "a", "start": True, "end": 5, "type": "event"}, 'field "start" must be an integer'),
                         (Claim("a", 0, 5, "event", claimant=3), 'field "claimant" must be a string'),
                         ({"doc_id": "a", "start": "0", "end": 5, "type": "event"}, 'field "start" must be an integer'),
                         ({"doc_id": "a", "start": 0, "end": 5, "type": "event", "score": float("nan")},
                          "finite number"),
                         ({"doc_id": "a", "start": 0, "end": 5, "type": "event", "claimaint": "x"}, "did you mean"),
                         ("a claim", "expected a claim")]:
        with pytest.raises(InputError, match=message):
            predictions_from_objects([bad], DOCS)


def test_an_id_repeated_in_a_document_is_warned_about_once_and_kept(tmp_path, capsys):
    from bench.cli import main

    lines = [record(id="x"), record(id="y", start=0, end=5), record(doc_id="b", id="x", start=0, end=7),
             record(id="x", start=39, end=54, type="event"), record(id="y", start=0, end=10)]
    path = write_lines(tmp_path, lines)
    expected = (f'{path}:4: id "x" was already given in document a (2 repeated ids in all); ids should be unique '
                "within a document")
    assert read(path, DOCS).warnings == [expected]
    assert predictions_from_objects([json.loads(line) for line in lines], DOCS).warnings == [
        expected.replace(f"{path}:4", "predictions[3]")]
    assert read(write_lines(tmp_path, lines[:3], name="unique.jsonl"), DOCS).warnings == []  # two documents: fine
    seed = tmp_path / "seed.jsonl"  # the same on the real corpus, through bench score: shown once and recorded
    seed.write_text("".join(json.dumps({"doc_id": "004_d85139658238920d", "id": "a", "start": s, "end": s + 10,
                                        "type": "event"}) + "\n" for s in (0, 20)), encoding="utf-8")
    assert main(["score", str(seed), "--bootstrap", "0", "--quiet", "--format", "json",
                 "--out", str(tmp_path / "runs")]) == 0
    captured = capsys.readouterr()
    shown = [line for line in captured.err.splitlines() if "already given" in line]
    assert len(shown) == 1 and shown[0].startswith(f'bench: warning: {seed}:2: id "a" was already given')
    assert any("already given" in w for w in json.loads(captured.out)["warnings"])
