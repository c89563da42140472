"""The ``tagger`` baseline: its spans come from its own tags, it never sees the gold it is
scored on, it is deterministic, its window decoding maps tags to the right characters, and
it borrows only the claimant and attribution of the rules' candidates (``frame_for``).

Tiny settings throughout (one short synthetic document, a few dozen optimizer steps), so
the file runs in seconds on two CPU cores; the real settings are measured by ``bench run``.
"""

import re

import pytest
from conftest import ROOT, model_run

from bench.baselines.candidates import Candidate, extract_candidates, frame_for
from bench.baselines.encoder import encoder_path
from bench.baselines.tagger import (
    LABEL_ID, LABELS, TaggerModel, central_tags, decode, gold_tags, tokenize, viterbi, windows,
)
from bench.records import AUTHOR, Claim, Corpus, Document
from bench.protocol import LEAVE_ONE_OUT
from bench.registry import resolve

SENTENCES = [
    ("The ministry said that the port handled 40 ships last month.", "quantity"),
    ("Officials reported that the bridge will reopen in early June.", "prediction"),
    ("The council said that the mayor rejected calls for a new tax.", "position"),
    ("Police said that the storm damaged several houses near the river.", "event"),
    ("The union said that the workers demanded a higher minimum wage.", "position"),
    ("The agency said that the airport expects more passengers next year.", "prediction"),
]
TEXT = "\n\n".join(s for s, _ in SENTENCES) + "\n"
DOC = Document("synthetic", TEXT)
# one window holds the whole document; a high rate so a few steps memorise it
TINY = dict(window=128, stride=96, batch_size=1, learning_rate=1e-3, epochs=20, seed=0)


def content_spans(shift_words: int) -> list[Claim]:
    """Each sentence's claim: the words after "that", up to the full stop, with the start
    moved ``shift_words`` words later."""
    claims = []
    for sentence, claim_type in SENTENCES:
        offset = TEXT.index(sentence)
        starts = [m.start() for m in re.finditer(r"\S+", sentence)]
        first = sentence.split().index("that") + 1 + shift_words
        start, end = offset + starts[first], offset + len(sentence) - 1  # no full stop
        claims.append(Claim(doc_id=DOC.doc_id, start=start, end=end, type=claim_type, claimant=AUTHOR,
                            attribution=AUTHOR, text=TEXT[start:end]))
    return claims


def quiet(**args) -> TaggerModel:
    model = TaggerModel(**args)
    model.progress = False
    return model


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(encoder_path(), local_files_only=True)


@pytest.fixture(scope="module")
def shifted():
    """A tagger trained on gold whose every span starts two words after the candidate's."""
    gold = content_spans(2)
    model = quiet(**TINY, snap=False)
    model.fit([DOC], {DOC.doc_id: gold})
    return model, gold, model.predict([DOC])[DOC.doc_id]


def test_registered_and_trainable():
    assert resolve("tagger").cls is TaggerModel
    assert TaggerModel.is_trainable() and TaggerModel.tasks == ("claims",)


# (a) spans come from its own tags

def test_spans_follow_the_tags_not_the_candidates(shifted):
    model, gold, predicted = shifted
    candidate_starts = {c.start for c in extract_candidates(DOC)}
    assert {c.start for c in content_spans(0)} <= candidate_starts  # the rules cut at "that"
    found = {(c.start, c.end) for c in predicted}
    wanted = {(c.start, c.end) for c in gold}
    assert found == wanted, [c.text for c in predicted]
    assert not {c.start for c in predicted} & candidate_starts  # no span starts where a candidate does
    assert all(c.text == TEXT[c.start:c.end] for c in predicted)


def test_snapped_spans_lie_on_clause_boundaries(shifted):
    """With ``snap`` (the default) each span moves onto the candidate segment it overlaps best:
    the same claims as the raw tags, on the rules' clause boundaries, no fragment left."""
    model, _, raw = shifted
    model.snap = True
    try:
        snapped = model.predict([DOC])[DOC.doc_id]
    finally:
        model.snap = False
    segments = {(c.start, c.end) for c in extract_candidates(DOC)}
    assert snapped and len(snapped) == len(raw)
    assert {(c.start, c.end) for c in snapped} <= segments
    assert [c.type for c in snapped] == [c.type for c in raw]


# (b) never the gold of the document it predicts

class SpyTagger(TaggerModel):
    """Records, for every document it predicts, the documents and gold it was trained on."""

    seen: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []

    def fit(self, documents, gold):
        self._trained_on = (tuple(d.doc_id for d in documents), tuple(gold))
        super().fit(documents, gold)

    def predict(self, documents):
        for document in documents:
            SpyTagger.seen.append((document.doc_id, *self._trained_on))
        return super().predict(documents)


def test_runner_never_trains_on_the_predicted_document():
    docs = {f"d{k}": Document(f"d{k}", "\n\n".join(s for s, _ in SENTENCES[2 * k:2 * k + 2]) + "\n")
            for k in range(3)}
    gold = {doc_id: [] for doc_id in docs}
    for doc_id, document in docs.items():
        for sentence, claim_type in SENTENCES:
            at = document.text.find(sentence)
            if at >= 0:
                gold[doc_id].append(Claim(doc_id=doc_id, start=at, end=at + len(sentence) - 1, type=claim_type,
                                          claimant=AUTHOR, attribution=AUTHOR))
    corpus = Corpus(documents=docs, gold=gold)
    SpyTagger.seen = []
    run = model_run(SpyTagger, corpus, model_args={"max_steps": 1, "window": 32, "stride": 16, "batch_size": 8})
    assert run.protocol == LEAVE_ONE_OUT
    assert sorted(d for d, _, _ in SpyTagger.seen) == sorted(docs)
    for doc_id, trained_docs, trained_gold in SpyTagger.seen:
        assert doc_id not in trained_docs and doc_id not in trained_gold
        dev_train = {p.stem for p in (ROOT / "gold/dev/train/docs").glob("*.txt")}
        assert set(trained_docs) == set(trained_gold) == (set(docs) - {doc_id}) | dev_train  # extra_training


# (c) deterministic

def test_same_settings_give_identical_claims_and_weights():
    import random

    import torch

    flag = torch.are_deterministic_algorithms_enabled()
    random_state, torch_state = random.getstate(), torch.get_rng_state()
    models = []
    for _ in range(2):
        model = quiet(**(TINY | {"max_steps": 4}))
        model.fit([DOC], {DOC.doc_id: content_spans(2)})
        models.append(model)
    a, b = models
    assert a.steps == b.steps == 4
    for (name, x), (_, y) in zip(a._model.state_dict().items(), b._model.state_dict().items()):
        assert torch.equal(x, y), name
    assert a.tag(DOC)[1] == b.tag(DOC)[1]
    assert a.predict([DOC]) == b.predict([DOC])
    # the process's own settings and random streams are left as they were
    assert torch.are_deterministic_algorithms_enabled() == flag
    assert random.getstate() == random_state and torch.equal(torch.get_rng_state(), torch_state)


# (d) windows, stride and offsets

def test_window_decoding_maps_tags_to_character_offsets(tokenizer):
    """Tags known per token, cut into overlapping windows whose edges are corrupted: the
    most central window of every token is clean, so decoding recovers every span exactly."""
    sentences, targets, pos = [], [], 0
    for k in range(40):
        claim_type = LABELS[1 + 2 * (k % 4)][2:]
        body = f"the depot number {k} shipped {k + 3} crates to the northern warehouse"
        sentence = f"Officials said on day {k} that {body}."
        start = pos + sentence.index(body)
        sentences.append(sentence)
        targets.append((start, start + len(body), claim_type))
        pos += len(sentence) + 1
    text = " ".join(sentences)
    tokens = tokenize(tokenizer, text)
    assert len(tokens) > 600  # far longer than a window
    truth = gold_tags(tokens, [Claim(start=s, end=e, type=t) for s, e, t in targets])
    content, stride, edge = 30, 10, 9
    spans = windows(len(tokens), content, stride)
    assert spans[0][0] == 0 and spans[-1][1] == len(tokens) and all(b - a == content for a, b in spans)
    junk = LABEL_ID["I-event"]
    window_tags = []
    for a, b in spans:
        tags = truth[a:b]
        tags = [junk if (i - a < edge and a > 0) or (b - 1 - i < edge and b < len(tokens)) else tag
                for i, tag in zip(range(a, b), tags)]
        window_tags.append(tags)
    merged = central_tags(len(tokens), spans, window_tags)
    assert merged == truth
    assert decode(text, tokens, merged) == targets
    assert all(text[s:e].startswith("the depot") and text[s:e].endswith("warehouse") for s, e, _ in targets)


def test_bio_repair_and_trimming(tokenizer):
    text = "Alpha beta gamma delta. “Epsilon zeta eta.”\nTheta iota kappa lambda"
    tokens = tokenize(tokenizer, text)
    word_labels = ["I-event", "I-event", "I-quantity", "I-quantity", "I-quantity",
                   "B-position", "I-position", "I-position", "I-position", "I-position", "I-position",
                   "I-position", "I-position", "I-position", "I-position"]
    assert len(set(tokens.words)) == len(word_labels) < len(tokens)  # "iota" is two subwords
    # a word's first subword carries its tag; the others are ignored by decoding
    tags = [LABEL_ID[word_labels[w]] if k == 0 or tokens.words[k - 1] != w else LABEL_ID["O"]
            for k, w in enumerate(tokens.words)]
    spans = decode(text, tokens, tags)
    # I- after O opens a span; I- of another type opens another; enclosing quotes and the
    # full stop are trimmed; a span never crosses a line break
    assert [(text[s:e], t) for s, e, t in spans] == [
        ("Alpha beta", "event"), ("gamma delta", "quantity"), ("Epsilon zeta eta", "position"),
        ("Theta iota kappa lambda", "position")]
    assert [text[s:e] for s, e, _ in decode(text, tokens, tags, min_words=3)] == [
        "Epsilon zeta eta", "Theta iota kappa lambda"]
    # subwords follow their word in training labels: B- on the first, I- on the rest
    iota = text.index("iota")
    labels = [LABELS[t] for t in gold_tags(tokens, [Claim(start=iota, end=len(text), type="event")])]
    assert labels[-4:] == ["B-event", "I-event", "I-event", "I-event"] and set(labels[:-4]) == {"O"}


def test_viterbi_gives_bio_consistent_tags(tokenizer):
    """Greedy tags would be B-event I-quantity I-event O (two spans, one opened by a stray
    I- across a line break); the best consistent sequence keeps the first span whole and
    opens the second with B-."""
    text = "alpha beta\ngamma delta"
    tokens = tokenize(tokenizer, text)

    def row(**scores):
        return [scores.get(label.replace("-", "_"), -5.0) for label in LABELS]

    rows = [row(B_event=0.0), row(I_event=-1.0, I_quantity=-0.5), row(I_event=0.0, B_event=-1.0), row(O=0.0)]
    assert [LABELS[t] for t in viterbi(text, tokens, rows)] == ["B-event", "I-event", "B-event", "O"]


# (e) claimant and attribution from frame_for

def test_frame_for_takes_the_most_overlapping_candidate():
    cands = [Candidate(0, 10, "A", "indirect"), Candidate(5, 30, "B", "direct"), Candidate(5, 30, "C", "indirect")]
    assert frame_for(cands, 0, 8) == ("A", "indirect")
    assert frame_for(cands, 6, 20) == ("B", "direct")  # a tie between B and C: the first
    assert frame_for(cands, 40, 50) == (AUTHOR, AUTHOR)
    assert frame_for([], 0, 5) == (AUTHOR, AUTHOR)


def test_claimant_and_attribution_come_from_frame_for(shifted):
    _, _, predicted = shifted
    candidates = extract_candidates(DOC)
    assert predicted
    for claim in predicted:
        assert (claim.claimant, claim.attribution) == frame_for(candidates, claim.start, claim.end)
    assert {c.claimant for c in predicted} - {AUTHOR}  # the frames' speakers, not the training gold's "author"


def test_upper_layers_on_remembered_states_compute_what_the_whole_model_computes(shifted):
    """Training runs the layers above the frozen ones on states worked out once per window
    (``Encoder.layer_states``): without dropout they must give the whole model's logits,
    whatever the windows are padded to."""
    import torch

    from bench.baselines.tagger import upper_logits

    model, _, _ = shifted
    encoder = model._encoder()
    ids = tokenize(encoder.tokenizer, TEXT).ids
    rows = [ids[:40], ids[10:70], ids[60:65]]
    batch, attention, _ = model._batch(rows)
    with torch.no_grad():
        whole = model._model(input_ids=batch, attention_mask=attention).logits
        upper = upper_logits(model._model, encoder.layer_states(rows, model.frozen_layers), attention,
                             model.frozen_layers)
    real = attention.bool()
    assert torch.allclose(whole[real], upper[real], atol=1e-4)
    assert encoder.layer_states(rows[:1], model.frozen_layers)[0] is encoder.layer_states(rows, model.frozen_layers)[0]
