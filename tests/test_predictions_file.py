"""Reading and writing prediction files (bench.predictions)."""

from __future__ import annotations

import json

import pytest

from bench.claims import Claim, Document
from bench.errors import InputError
from bench.predictions import prediction_rows, read_predictions
from bench.runs import jsonl

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
def test_empty_file(tmp_path, content):
    path = tmp_path / "preds.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="empty file"):
        read_predictions(path, DOCS)


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

    monkeypatch.setattr(type(path), "read_text", refuse)
    with pytest.raises(InputError) as caught:
        read_predictions(path, DOCS)
    assert str(caught.value) == f"{path}: cannot read: Permission denied"


def test_write_then_read_round_trip(tmp_path):
    claims = {
        "a": [Claim("a", 39, 54, "event", text="Kyiv denied it."),
              Claim("a", 0, 5, "position", claimant="Putin", attribution="direct", id="x", score=0.5),
              Claim("a", 0, 5, "event")],
        "b": [Claim("b", 0, 7, "quantity", claimant="Ünïcode")],
    }
    path = tmp_path / "out.jsonl"
    path.write_text(jsonl(prediction_rows(claims)), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["start"] for line in lines] == [0, 0, 39, 0]
    assert [json.loads(line)["type"] for line in lines[:2]] == ["event", "position"]
    assert "Ünïcode" in lines[-1]  # written as UTF-8, not escaped
    again = read_predictions(path, DOCS)
    assert {k: sorted(v, key=lambda c: (c.start, c.type)) for k, v in again.items()} == {
        k: sorted(v, key=lambda c: (c.start, c.type)) for k, v in claims.items()}
