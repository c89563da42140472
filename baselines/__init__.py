"""Shipped baselines. Importing this package registers them; heavy libraries load only when a model runs.

Installed as ``bench.baselines``. The models are ``rules``, ``sentences``, ``transformer``,
``tagger`` and ``openai``; what they share lives in modules of its own: ``segment``
(sentences, clauses, boilerplate), ``cues`` (type cue lexicons), ``attribution`` (quotes and
reporting frames), ``claimants`` (claimant names), ``candidates`` (candidate claim spans with
their claimant), ``numbers`` (figures and their normalised values), ``linking`` (claims
that agree or conflict), ``encoder`` (the MiniLM-L6 encoder).
"""

# name -> module that registers it: the one list of shipped models. A module is imported
# when its model is asked for (``bench.registry``), so running one model loads no other.
MODULES = {"rules": "rules", "sentences": "sentences", "transformer": "transformer", "tagger": "tagger",
           "openai": "llm"}
