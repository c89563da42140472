"""How the tagger's number of epochs was chosen: 4-fold cross-validation on dev-train alone.

Each fold trains on the five seeds and fifteen dev-train articles and predicts the other five
(every fourth article in doc_id order); the folds' predictions are scored together (lenient
micro-F1). dev-test is never read. Run from the repository root:

    .venv/bin/python results/reference/tagger_epochs.py
"""

from __future__ import annotations

import time

from bench.baselines.tagger import TaggerModel
from bench.corpus import load_corpus
from bench.corpus.paths import CORPORA
from bench.scoring import score

SETTINGS = (dict(epochs=2), dict(epochs=3), dict(epochs=4), dict(epochs=3, learning_rate=3e-4))
FOLDS = 4


def main() -> None:
    seeds = load_corpus()
    gold_dir, docs_dir = CORPORA["dev-train"]
    dev = load_corpus(gold=gold_dir, docs=docs_dir)
    ids = sorted(dev.doc_ids)
    for args in SETTINGS:
        started = time.process_time()
        gold, predicted, documents = {}, {}, {}
        for k in range(FOLDS):
            held = [d for i, d in enumerate(ids) if i % FOLDS == k]
            kept = [d for d in ids if d not in held]
            model = TaggerModel(**args)
            model.progress = False
            model.fit(list(seeds.documents.values()) + [dev.documents[d] for d in kept],
                      {**seeds.gold, **{d: dev.gold[d] for d in kept}})
            out = model.predict([dev.documents[d] for d in held])
            for d in held:
                gold[d], predicted[d], documents[d] = dev.gold[d], out[d], dev.documents[d]
        result = score(gold=gold, predictions=predicted, documents=documents, scheme="lenient")
        print(f"{args}: lenient micro-F1 {result.micro.f1:.3f} ({time.process_time() - started:.0f} CPU-s)", flush=True)


if __name__ == "__main__":
    main()
