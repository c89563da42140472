"""Every shipped baseline, on every task it does, on random and garbled text: it never raises,
and what it returns is accepted by the runner's own reader of that task (legal offsets,
types, finite values, known claim ids)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.baselines.rules import RulesModel
from bench.baselines.sentences import SentencesModel
from bench.corpus import load_corpus
from bench.pipeline import make_config
from bench.records import Claim, Document
from bench.tasks import get_task

BOM = "\ufeff"

# pieces real pages are made of, to be garbled
PIECES = (
    "The council said on Monday that 1,200 homes would be built.", '"We will not pay," she said.',
    "“Prices rose 4.5% in May,” the agency reported", "About 2,300 people left, officials said.",
    "Photo: A. Writer/Agency", "CITY, Oct 14 (Wire) - ", "Tags: one, two, three", "- ", "• ", "6.12am\n",
    "between 40 and 60", "£41m", "two-thirds of them", "a further 3%", "Berth 7", "Forty-three of them",
    "he said", "according to", ",", ";", ":", '"', "“", "”", "‘", "’", "(", ")", "[", "](", "#", "\n", "\n\n",
    "\t", "\x00", "\x07", "\x1b[31m", "\u200b", "\u202e", "May", "may", "would", "will", "ruled out",
    "one of the buses", "The first of the cuts announced on Tuesday", "9" * 400, "1" + "0" * 320 + " million", "0." + "0" * 50 + "1%", "1,000,000,000,000,000,000",
    ", ".join(["12"] * 300), ", ".join(["word"] * 400),
)

texts = st.one_of(
    st.just(""),
    st.text(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=20).map(" ".join),
).map(lambda t: t.lstrip(BOM))

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAVY = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def corpus_of(text: str, claims=()):
    gold = [{"doc_id": "doc", "claims": [c.to_dict() for c in claims], "quantities": []}]
    return load_corpus(gold=gold, docs={"doc": text})


def accepted(task: str, output, text: str, claims=()):
    """What the runner makes of a model's output for one document (raises if it refuses it);
    links are read over ``claims``, given as the document's claims."""
    from bench.protocol import items_of

    corpus = corpus_of(text, claims)
    chosen = get_task(task)
    config = make_config(task=task, n_bootstrap=0)
    if task == "links":
        return chosen.from_objects(output, corpus, config)
    items = items_of(output, Document("doc", text), model="m", what=task)
    rows = [{**item, "doc_id": "doc"} if isinstance(item, dict) and "doc_id" not in item else item for item in items]
    return chosen.from_objects(rows, corpus, config)


def check_claims(model, text: str) -> list[Claim]:
    output = model.predict([Document("doc", text)])
    accepted("claims", output, text)
    claims = list(output["doc"])
    for claim in claims:
        assert 0 <= claim.start < claim.end <= len(text) and claim.text == text[claim.start:claim.end]
    return claims


@pytest.mark.parametrize("cls", [RulesModel, SentencesModel])
@FAST
@given(text=texts)
def test_untrained_baselines_never_raise(cls, text):
    model = cls()
    claims = check_claims(model, text)
    if "quantities" in cls.tasks:
        figures = model.predict_quantities([Document("doc", text)])
        accepted("quantities", figures, text)
    if "links" in cls.tasks:
        numbered = [Claim(doc_id="doc", start=c.start, end=c.end, type=c.type, claimant=c.claimant,
                          attribution=c.attribution, text=c.text, id=f"c{k}") for k, c in enumerate(claims, 1)]
        links = model.predict_links([Document("doc", text)], {"doc": numbered})
        accepted("links", links, text, numbered)


def test_a_subject_that_is_only_an_article_is_no_claimant():
    """A participle read as a reporting frame can leave "The" as its subject ("The first of the
    cuts announced on Tuesday"): nothing is left to name, and the model must not fail on it."""
    text = "Good morning. The first of the overnight supply cuts announced on Tuesday begins tonight."
    claims = check_claims(RulesModel(), text)
    assert all(c.claimant.lower() != "the" for c in claims)


def test_a_400_digit_number_is_no_infinite_figure():
    text = f"They counted {'9' * 400} ballots and {'4' * 305} million votes, and 12 seats."
    figures = RulesModel().predict_quantities([Document("doc", text)])["doc"]
    assert [f["text"] for f in figures] == ["12"]  # a float cannot hold the others: no figure, never inf
    accepted("quantities", {"doc": figures}, text)


# ---------------------------------------------------------------- learned baselines, fitted once

TRAINING = [
    Document("t1", "The mayor said 300 homes were flooded. The council will open a shelter on Friday. "
                   "The union has rejected the offer. Police arrested two men."),
    Document("t2", '"We expect the river to peak tonight," the agency said. The fire service urged residents '
                   "to leave. About 40 roads were closed, officials said. The bridge reopened on Monday."),
]


def _gold(doc: Document, *pairs: tuple[str, str]) -> list[Claim]:
    out = []
    for k, (piece, claim_type) in enumerate(pairs, 1):
        start = doc.text.index(piece)
        out.append(Claim(doc_id=doc.doc_id, start=start, end=start + len(piece), type=claim_type,
                         claimant="author", attribution="author", text=piece, id=f"c{k}"))
    return out


GOLD = {
    "t1": _gold(TRAINING[0], ("300 homes were flooded", "quantity"),
                ("The council will open a shelter on Friday", "prediction"),
                ("The union has rejected the offer", "position"), ("Police arrested two men", "quantity")),
    "t2": _gold(TRAINING[1], ("We expect the river to peak tonight", "prediction"),
                ("urged residents to leave", "position"), ("About 40 roads were closed", "quantity"),
                ("The bridge reopened on Monday", "event")),
}


@pytest.fixture(scope="module")
def transformer():
    pytest.importorskip("sklearn")
    from bench.baselines.transformer import TransformerModel

    model = TransformerModel()
    model.progress = False
    model.fit(TRAINING, GOLD)
    return model


@pytest.fixture(scope="module")
def tagger():
    pytest.importorskip("torch")
    from bench.baselines.tagger import TaggerModel

    model = TaggerModel(epochs=1, window=32, stride=24, batch_size=4)
    model.progress = False
    model.fit(TRAINING, GOLD)
    return model


@pytest.mark.slow
@HEAVY
@given(text=texts)
def test_transformer_never_raises(transformer, text):
    claims = check_claims(transformer, text)
    numbered = [Claim(doc_id="doc", start=c.start, end=c.end, type=c.type, claimant=c.claimant,
                      attribution=c.attribution, text=c.text, id=f"c{k}") for k, c in enumerate(claims, 1)]
    links = transformer.predict_links([Document("doc", text)], {"doc": numbered})
    accepted("links", links, text, numbered)


@pytest.mark.slow
@HEAVY
@given(text=texts)
def test_tagger_never_raises(tagger, text):
    check_claims(tagger, text)
