"""Reading JSONL: the one-call path for a file of one object a line gives what decoding line by line gives."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.exceptions import InputError
from bench.jsonio import decode_lines, split_lines


class Row(msgspec.Struct, forbid_unknown_fields=True):
    a: int
    b: list[int] = []


DECODER = msgspec.json.Decoder(Row)
PIECES = ['{"a": 1}', '{"a": 2, "b": [1, 2]}', '{"a": {"x": 1}}', '{"a": 3} {"a": 4}', '{"a":', '5}', "{", "}",
          '{"a": 6', ', "b": []}', "", "  ", '{"c": 1}', "[1]", '{"a": 7}\r', ' {"a": 8} ', '{"a": 9}}', "{{}"]


def line_by_line(data: bytes):
    """The reference: every non-blank line decoded on its own."""
    lines, numbers = split_lines(data)
    for k, raw in enumerate(lines):
        try:
            DECODER.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return "error", k + 1 if numbers is None else numbers[k]
    return [DECODER.decode(raw) for raw in lines], numbers


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.booleans())
def test_bulk_decoding_finds_what_line_by_line_decoding_finds(pieces, final_newline):
    data = ("\n".join(pieces) + ("\n" if final_newline and pieces else "")).encode()
    expected = line_by_line(data)
    if expected[0] == "error":
        with pytest.raises(InputError) as caught:
            decode_lines("f.jsonl", DECODER, data=data)
        assert caught.value.line == expected[1]
    else:
        assert decode_lines("f.jsonl", DECODER, data=data) == expected
