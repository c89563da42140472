"""Shipped baselines, listed in ``MODELS``; heavy libraries load only when a model runs.

Installed as ``bench.baselines``. The models are ``rules``, ``sentences``, ``transformer``,
``tagger`` and ``openai``; what they share lives in modules of its own: ``segment``
(sentences, clauses, boilerplate), ``furniture`` (captions, datelines and other page
furniture; the prose lines every baseline reads), ``cues`` (type cue lexicons), ``attribution`` (quotes and
reporting frames), ``claimants`` (claimant names), ``candidates`` (candidate claim spans with
their claimant), ``numbers`` (figures and their normalised values), ``linking`` (claims
that agree or conflict), ``encoder`` (the MiniLM-L6 encoder). The ``openai`` model's parts
are the ``llm_*`` modules (see ``llm``).
"""

# name -> module:class, the one list of shipped models. A module is imported when its model
# is asked for (``bench.registry``), so running one model loads no other.
MODELS = {
    "rules": "bench.baselines.rules:RulesModel",
    "sentences": "bench.baselines.sentences:SentencesModel",
    "transformer": "bench.baselines.transformer:TransformerModel",
    "tagger": "bench.baselines.tagger:TaggerModel",
    "openai": "bench.baselines.llm:OpenAIModel",
}
