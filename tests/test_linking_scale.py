"""The links baselines at scale: blocked candidate pairs give the clusters and conflicts of comparing
every pair, at a cost that grows about linearly with the claims."""

from __future__ import annotations

import random

import pytest
from conftest import GOLD, SEEDS

from bench.baselines import linking
from bench.corpus import load_corpus
from bench.records import Claim


def _all_pairs(claims) -> dict:
    """The reference: every pair compared, as the rules were first written."""
    flat = linking._flat(claims)
    features = figures, content = linking._features(flat)
    components = linking._Components(range(len(flat)))
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            union = content[i] | content[j]
            if union and len(content[i] & content[j]) / len(union) >= linking.JACCARD:
                components.join(i, j)
                continue
            for a in figures[i]:
                if any(linking._same_value(a, b) and a.low is not None and a.low >= 10 and (
                        linking._head(a.counted) == linking._head(b.counted)
                        or (content[i] & content[j]) - {linking._head(a.counted)}) for b in figures[j]):
                    components.join(i, j)
                    break
    groups = components.groups()
    group_of = {i: k for k, g in enumerate(groups) for i in g}
    conflicts = []
    for i in range(len(flat)):
        for j in range(i + 1, len(flat)):
            if group_of[i] == group_of[j] or flat[i].claimant == flat[j].claimant:
                continue
            if not (content[i] & content[j]) - {linking._head(q.counted) for q in figures[i]}:
                continue
            if any(a.unit == b.unit and linking._head(a.counted) and linking._head(a.counted) == linking._head(b.counted)
                   and not linking.compatible(a, b) for a in figures[i] for b in figures[j]):
                conflicts.append((i, j))
    return _canonical(flat, groups, {(group_of[i], group_of[j]) for i, j in conflicts}, group_of)


def _canonical(flat, groups, conflicting, group_of) -> tuple:
    names = [frozenset((flat[i].doc_id, flat[i].id) for i in g) for g in groups]
    return ({n for n in names if len(n) > 1}, {frozenset((names[a], names[b])) for a, b in conflicting})


def _blocked(claims) -> tuple:
    found = linking.link_by_rules(None, claims)
    clusters = {frozenset((r["doc_id"], r["id"]) for r in c["claims"]) for c in found["clusters"]}
    named = {c["id"]: frozenset((r["doc_id"], r["id"]) for r in c["claims"]) for c in found["clusters"]}

    def side(s):
        return named[s] if isinstance(s, str) else frozenset({(s["doc_id"], s["id"])})

    return clusters, {frozenset((side(c["a"]), side(c["b"]))) for c in found["conflicts"]}


def _copies(corpus, n: int, rng: random.Random, shuffle_words: bool = False) -> dict:
    """The gold claims copied ``n`` times under other doc_ids, some reworded by shuffling their words."""
    out = {}
    for k in range(n):
        for doc_id in corpus.doc_ids:
            claims = []
            for c in corpus.gold[doc_id]:
                text = c.text
                if shuffle_words and rng.random() < 0.3:
                    words = text.split()
                    rng.shuffle(words)
                    text = " ".join(words[: max(1, len(words) - rng.randint(0, 3))])
                claims.append(Claim(f"{doc_id}-{k}", 0, 1, c.type, claimant=c.claimant, attribution=c.attribution,
                                    text=text, id=c.id))
            out[f"{doc_id}-{k}"] = claims
    return out


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(gold=GOLD, docs=SEEDS)


def test_on_the_seeds_the_links_are_those_of_comparing_every_pair(seeds):
    claims = {d: seeds.gold[d] for d in seeds.doc_ids}
    assert _blocked(claims) == _all_pairs(claims)


@pytest.mark.parametrize("seed", range(4))
def test_on_copied_and_reworded_claims_the_links_are_those_of_comparing_every_pair(seeds, seed):
    claims = _copies(seeds, 3, random.Random(seed), shuffle_words=True)
    assert _blocked(claims) == _all_pairs(claims)
