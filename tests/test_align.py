"""Placing free-text claims in their documents (bench.align) and reading them (bench.predictions)."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from conftest import GOLD, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.align import (
    BLOCK,
    CHECKPOINT,
    EXACT,
    FUZZY,
    MAX_WINDOW_TOKENS,
    NORMALISED,
    UNALIGNED,
    DocumentIndex,
    _find_whole,
    _trim,
    align,
    fold,
    fold_and_tokenise,
    normalise,
    squad_tokens,
    token_f1,
    tokenise,
    window_arrays,
    windows,
)
from bench.records import CLAIM_TYPES, Claim, Document
from bench.corpus import load_corpus, load_documents
from bench.exceptions import InputError
from bench.matching import SCHEMES, SPURIOUS, Spans
from bench.tasks.claims import claims_from_objects, read_claims as read_predictions
from bench.tasks.predictions import OFFSETS
from bench.scoring import score

TEXT = ("Putin said on Friday that 1,730 soldiers had surrendered, and Kyiv denied it.\n"
        "The “humanitarian corridor” – agreed in April – stays closed; talks resume Monday.")


# ---------------------------------------------------------------- normalisation and tokens

def test_normalise_folds_quotes_dashes_case_and_space_and_maps_back():
    text = "  He said: \u201cWe\u2019re\u00a0\u00a0ready\u201d \u2013 \ufb01ne.\n"
    norm = normalise(text)
    assert norm.text == 'he said: "we\'re ready" - fine.'
    # every normalised character comes from original characters that fold to it
    for i, char in enumerate(norm.text):
        source = text[norm.start[i]:norm.end[i]]
        assert char == " " and source.isspace() or char in normalise(source).text
    # the ligature "ﬁ" is one original code point giving two normalised characters
    at = norm.text.index("fi")
    assert norm.span(at, at + 2) == (text.index("\ufb01"), text.index("\ufb01") + 1)
    assert norm.span(0, len(norm.text)) == (2, len(text) - 1)


def test_normalise_keeps_combining_marks_with_their_letter():
    text = "Zelenskyj met Guterre\u0301s"  # e + combining acute accent
    norm = normalise(text)
    assert norm.text == "zelenskyj met guterr\u00e9s"  # NFKC composes the pair
    at = norm.text.index("\u00e9")
    assert norm.span(at, at + 1) == (text.index("e\u0301"), text.index("e\u0301") + 2)


def test_the_fast_paths_agree_with_normalise():
    """``fold`` (no map) and ``tokenise`` (with offsets) give what ``normalise`` and ``squad_tokens`` give."""
    rng = random.Random(5)
    alphabet = " \t\n\x0b\u00a0\u2003\u3000ab.,C-'\"_\u201c\u2019\u2013\ufb01\u00a8\u0301e\u00c9\u00df\u2474\u0663"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert fold(text) == normalise(text).text, repr(text)
        assert tokenise(text).words == squad_tokens(text), repr(text)


def test_squad_tokens_strip_punctuation_and_articles():
    assert squad_tokens("The U.S. \u201cwon\u2019t\u201d pay $1,730.50 \u2014 an apple, a pear") == [
        "us", "wont", "pay", "173050", "apple", "pear"]
    assert squad_tokens("  \u2014 the ... a  ") == []


@pytest.mark.parametrize(
    "a, b, f1",
    [
        ("Kyiv denied it", "Kyiv denied it", 1.0),
        ("Kyiv denied it", "Kyiv denied", 0.8),  # 2 shared; 2*2 / (3 + 2)
        ("the soldiers surrendered", "soldiers had surrendered", 0.8),  # article dropped: 2*2 / (2 + 3)
        ("no no no", "no", 0.5),  # multisets: 1 shared; 2*1 / (3 + 1)
        ("Kyiv", "Moscow", 0.0),
        ("", "Kyiv", 0.0),
        ("the", "", 1.0),  # as in SQuAD: two texts without tokens agree
    ],
)
def test_token_f1_by_hand(a, b, f1):
    assert token_f1(squad_tokens(a), squad_tokens(b)) == pytest.approx(f1)


def test_tokens_know_their_offsets_sentences_and_clauses():
    tokens = tokenise(TEXT)
    spans = [TEXT[s:e] for s, e in zip(tokens.start, tokens.end)]
    assert spans[:7] == ["Putin", "said", "on", "Friday", "that", "1,730", "soldiers"]
    assert tokens.words[5] == "1730"
    assert "“humanitarian" not in spans and "humanitarian" in spans  # quotes outside the token
    ends = [spans[k] for k, end in enumerate(tokens.sentence_end) if end]
    assert ends == ["it", "Monday"]  # after "." and at the line break, and at the end
    clause_ends = [spans[k] for k, end in enumerate(tokens.clause_end) if end]
    # before "that" and "and", after "," ";" and the dashes, and at sentence ends
    assert clause_ends == ["Friday", "surrendered", "it", "corridor", "April", "closed", "Monday"]


def test_windows_are_sentences_clauses_and_short_runs_and_stay_bounded():
    tokens = tokenise(TEXT)
    found = windows(tokens)
    first, second = (0, 13), (13, len(tokens.words))
    assert first in found and second in found and (0, len(tokens.words)) in found
    assert (4, 9) in found  # "that 1,730 soldiers had surrendered"
    long_text = " ".join(f"w{k}" for k in range(1000)) + "."
    pieces = windows(tokenise(long_text), max_tokens=100)
    assert max(hi - lo for lo, hi in pieces) == 100
    assert pieces[0] == (0, 100) and pieces[-1][1] == 1000
    covered = set()
    for lo, hi in pieces:
        covered.update(range(lo, hi))
    assert covered == set(range(1000))


# ---------------------------------------------------------------- one claim

def test_exact_match_takes_the_first_whole_word_occurrence():
    text = "Russian troops left. Russia said Russia won."
    found = align("Russia", text)
    assert (found.method, found.score, found.start, found.end) == (EXACT, 1.0, 21, 27)
    assert align("  Russia said  ", text).start == 21


def test_normalised_match_maps_back_to_original_offsets():
    found = align('the "HUMANITARIAN corridor" - agreed', TEXT)
    assert found.method == NORMALISED and found.score == 1.0
    assert TEXT[found.start:found.end] == "The “humanitarian corridor” – agreed"


def test_reworded_claim_is_placed_on_its_clause():
    found = align("the soldiers surrendered", TEXT)
    assert found.method == FUZZY
    assert TEXT[found.start:found.end] == "soldiers had surrendered"
    assert found.score == pytest.approx(0.8)  # 2 shared; 2*2 / (2 + 3)


def test_trimming_drops_an_edge_token_the_rest_supplies():
    words = "more than half left more than half laid down arms".split()
    wanted = Counter("more than half laid down arms".split())
    f1, first, last = _trim(words, 0, len(words), wanted, 6)
    assert (first, last) == (4, 9) and f1 == 1.0


@pytest.mark.parametrize("claim", [
    "NATO will send fighter jets to Warsaw next month",
    "The moon is made of green cheese",
    "",
    " \u2014 ",
])
def test_unsupported_claims_stay_unaligned(claim):
    found = align(claim, TEXT)
    assert found.method == UNALIGNED and not found.aligned
    assert (found.start, found.end) == (-1, -1) and found.score < 0.5


def test_threshold_decides_between_fuzzy_and_unaligned():
    claim = "Kyiv denied that soldiers surrendered on Friday"
    loose, strict = align(claim, TEXT, threshold=0.5), align(claim, TEXT, threshold=0.95)
    assert loose.method == FUZZY and 0.5 <= loose.score < 0.95
    assert strict.method == UNALIGNED and strict.score < 0.95


def test_index_finds_what_scoring_every_window_finds():
    """The inverted index skips only windows that cannot reach the threshold or beat the best."""
    text = "\n".join(doc.text for _, doc in sorted(load_documents(SEEDS).items()))
    index, capped = DocumentIndex(text, dense_limit=None), DocumentIndex(text)
    vocabulary = sorted(set(index.tokens.words))
    rng = random.Random(7)
    for _ in range(60):
        lo = rng.randrange(len(index.tokens.words) - 30)
        claim = index.tokens.words[lo:lo + rng.randint(3, 25)]
        claim = [rng.choice(vocabulary) if rng.random() < 0.35 else w for w in claim]
        if rng.random() < 0.3:
            rng.shuffle(claim)
        claim = " ".join(claim) + " zzz"  # never an exact match
        wanted = squad_tokens(claim)
        counts = Counter(wanted)
        for threshold in (0.3, 0.5, 0.8):
            got = index.align(claim, threshold)
            assert capped.align(claim, threshold) == got  # the cap on common-word windows does not bite here
            best = None
            for lo_w, hi_w in index.windows:
                if not any(w in counts for w in index.tokens.words[lo_w:hi_w]):
                    continue
                f1, first, last = _trim(index.tokens.words, lo_w, hi_w, counts, len(wanted))
                key = (-f1, index.tokens.start[first], index.tokens.end[last])
                best = key if best is None or key < best else best
            if best is not None and -best[0] >= threshold:
                assert (got.method, got.score, got.start, got.end) == (FUZZY, -best[0], best[1], best[2])
            else:
                assert got.method == UNALIGNED


# ---------------------------------------------------------------- prediction files

DOCS = {"a": Document("a", TEXT), "b": Document("b", "Another document.")}


def write_lines(tmp_path, rows, name="preds.jsonl"):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_text_only_and_offset_lines_mix(tmp_path):
    path = write_lines(tmp_path, [
        {"doc_id": "a", "start": 62, "end": 76, "type": "event", "text": "Kyiv denied it"},
        {"doc_id": "a", "text": "the soldiers surrendered", "type": "quantity", "claimant": "Putin"},
        {"doc_id": "a", "text": "Putin said", "type": "event"},
        {"doc_id": "b", "text": "NATO will send fighter jets", "type": "event"},
        {"doc_id": "a", "text": "THE “HUMANITARIAN  CORRIDOR”", "type": "position"},
    ])
    read = read_predictions(path, DOCS)
    rows = read.alignment
    assert [(r["line"], r["doc_id"], r["method"]) for r in rows] == [
        (2, "a", FUZZY), (3, "a", EXACT), (4, "b", UNALIGNED), (5, "a", NORMALISED)]
    assert read.lines_by_doc == {"a": [1, 2, 3, 5], "b": [4]}
    assert rows[1]["score"] == 1.0
    fuzzy = read.by_doc["a"][1]
    assert (fuzzy.start, fuzzy.end, fuzzy.text, fuzzy.claimant) == (
        rows[0]["start"], rows[0]["end"], "the soldiers surrendered", "Putin")
    assert TEXT[fuzzy.start:fuzzy.end] == "soldiers had surrendered"
    assert (read.by_doc["b"][0].start, read.by_doc["b"][0].end) == (-1, -1)
    assert read.alignment_counts() == {OFFSETS: 1, EXACT: 1, NORMALISED: 1, FUZZY: 1, UNALIGNED: 1}
    assert read_predictions(path, DOCS).by_doc == read.by_doc
    strict = read_predictions(path, DOCS, threshold=0.95).by_doc
    assert (strict["a"][1].start, strict["a"][1].end) == (-1, -1)


def test_saved_rows_keep_free_text_free_and_read_back_to_the_same_claims(tmp_path):

    rows = [
        {"doc_id": "a", "start": 62, "end": 76, "type": "event"},
        {"doc_id": "a", "text": "the soldiers surrendered", "type": "quantity"},
        {"doc_id": "b", "text": "NATO will send fighter jets", "type": "event"},
    ]
    read = claims_from_objects(rows, DOCS)
    saved = [json.loads(line) for line in read.source.decode().splitlines()]
    assert "start" in saved[0] and "start" not in saved[1] and "start" not in saved[2]
    again = (tmp_path / "again.jsonl")
    again.write_bytes(read.source)
    assert read_predictions(again, DOCS).by_doc == read.by_doc


@pytest.mark.parametrize(
    "row, message",
    [
        ({"doc_id": "a", "type": "event"}, 'missing field "text" (needed when "start" and "end" are absent)'),
        ({"doc_id": "a", "text": 3, "type": "event"}, 'field "text" must be a string, got 3'),
        ({"doc_id": "zzz", "text": "Kyiv denied it", "type": "event"}, 'unknown doc_id "zzz"'),
        ({"doc_id": "a", "text": "Kyiv denied it", "type": "opinion"}, 'unknown type "opinion"'),
        ({"doc_id": "a", "text": "Kyiv denied it", "start": 62, "type": "event"}, 'missing field "end"'),
        ({"doc_id": "a", "text": "Kyiv", "start": 0, "end": 5, "type": "event"}, "text does not match offsets 0-5"),
    ],
)
def test_bad_text_only_line_names_file_line_and_problem(tmp_path, row, message):
    path = write_lines(tmp_path, [{"doc_id": "a", "text": "Putin said", "type": "event"}, row])
    with pytest.raises(InputError) as caught:
        read_predictions(path, DOCS)
    assert str(caught.value).startswith(f"{path}:2: ") and message in str(caught.value)


def test_bad_alignment_threshold(tmp_path):
    path = write_lines(tmp_path, [{"doc_id": "a", "text": "Putin said", "type": "event"}])
    with pytest.raises(ValueError, match="threshold"):
        read_predictions(path, DOCS, threshold=0)


# ---------------------------------------------------------------- unaligned claims in the scorer

def test_an_unaligned_prediction_is_spurious_under_every_scheme():
    gold = {"a": [Claim("a", 62, 76, "event", text="Kyiv denied it")]}
    lost = Claim("a", -1, -1, "event", text="Kyiv denied it")  # same words, but never placed
    placed = Claim("a", 62, 76, "position")
    for scheme in SCHEMES:
        result = score(gold=gold, predictions={"a": [lost, placed]}, documents=DOCS, scheme=scheme)
        outcomes = {o.pred: o.kind for o in result.documents[0].outcomes if o.pred is not None}
        assert outcomes[0] == SPURIOUS, scheme
        assert result.per_type["event"].fp == 1, scheme
        assert sum(c.fp + c.tp for c in result.per_type.values()) == 2  # one outcome per prediction
        assert result.units.counts[0, CLAIM_TYPES.index("event") * 3 + 1] == 1  # filed under the document's first unit


def test_gold_claims_must_be_placed():
    with pytest.raises(ValueError, match="0 <= start < end"):
        Spans.build([[Claim("a", -1, -1, "event")]], {"event": 0})
    assert len(Spans.build([[Claim("a", -1, -1, "event")]], {"event": 0}, unplaced=True)) == 1


def test_seed_gold_texts_align_exactly_onto_their_spans():
    corpus = load_corpus(gold=GOLD, docs=SEEDS)
    documents, gold = corpus.documents, corpus.gold
    for doc_id, claims in gold.items():
        index = DocumentIndex(documents[doc_id].text)
        for claim in claims:
            found = index.align(claim.text)
            assert (found.method, found.start, found.end) == (EXACT, claim.start, claim.end), claim.id


# ---------------------------------------------------------------- the index's array paths

# Characters that exercise every rule: whitespace of several kinds, sentence and clause
# marks, closing quotes, articles and conjunctions, letters that fold to several characters
# (ligatures, "ß", "…"), to none of their own (combining marks), or to a space ("¨").
_TRICKY = (" \t\n\r\x0b\u00a0\u2003\u3000.,;:-!?\u2026\"')]}_\u201c\u201d\u2019\u2013\u2014\ufb01\u00df\u0301\u00a8"
           "\u00b4\u0130\u2474\u0663\u00bdaAeE\u00c9\u00e9zZ019")
_WORDS = ("the", "a", "and", "that", "said", "Kyiv", "1,730", "U.S.", "\u201cwon\u2019t\u201d", "\u2014")
_texts = st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_TRICKY, max_size=4), st.characters()),
                  max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_texts, block=st.sampled_from([1, 2, 7, 64, BLOCK]), checkpoint=st.sampled_from([1, 3, 16, CHECKPOINT]),
       max_tokens=st.sampled_from([1, 3, MAX_WINDOW_TOKENS]))
def test_array_paths_agree_with_the_reference_definitions(text, block, checkpoint, max_tokens):
    """The index folds, tokenises and cuts windows block by block on arrays; the result is
    ``normalise``, ``tokenise`` and ``windows`` exactly, offsets mapped back included."""
    folded, arrays = fold_and_tokenise(text, block, checkpoint)
    reference = normalise(text)
    assert folded.text == reference.text
    assert [folded.span(i, i + 1) for i in range(len(reference.text))] == [
        reference.span(i, i + 1) for i in range(len(reference.text))]
    tokens = tokenise(text)
    assert arrays.tokens() == tokens
    lo, hi = window_arrays(arrays.sentence_end, arrays.clause_end, max_tokens)
    assert list(zip(lo.tolist(), hi.tolist())) == windows(tokens, max_tokens)
    for i in range(0, len(reference.text), 3):  # whole-word search across the blocks
        needle = reference.text[i:i + 1 + i % 9].strip()
        if needle:
            assert folded.find_whole(needle) == _find_whole(reference.text, needle)


def test_index_of_a_long_document_places_claims_as_one_of_its_copy():
    """Folded and tokenised in many blocks, a document made of copies places a claim on the first copy."""
    text = "\n\n".join(doc.text for _, doc in sorted(load_documents(SEEDS).items()))
    index = DocumentIndex(text * 40)
    small = DocumentIndex(text)
    assert len(index.norm.parts) > 1
    for claim in ("Russian troops continued the assault on the steel plant after evacuations of civilians",
                  "the soldiers surrendered", "THE HUMANITARIAN CORRIDOR", "no such words anywhere zzz"):
        assert index.align(claim) == small.align(claim)


def test_a_token_too_long_for_a_byte_keeps_its_end():
    text = "A " + "x" * 300 + ". And \u201c" + "\u00e9" * 260 + "\u201d, then more."
    arrays = fold_and_tokenise(text, 4, 2)[1]
    assert arrays.long_end and arrays.tokens() == tokenise(text)
    assert DocumentIndex(text).align("then more x") == align("then more x", text)
