"""Shipped baselines. Importing this package registers them; heavy libraries load only when a model runs.

Installed as ``bench.baselines``. The models are ``rules``, ``sentences``, ``transformer``,
``tagger`` and ``openai``; what they share lives in modules of its own: ``segment``
(sentences, clauses, boilerplate), ``cues`` (type cue lexicons), ``attribution`` (quotes and
reporting frames), ``claimants`` (claimant names), ``candidates`` (candidate claim spans with
their claimant), ``numbers`` (figures and their normalised values), ``linking`` (claims
that agree or conflict), ``encoder`` (the MiniLM-L6 encoder).
"""

# registration side effects, one model module a line
from . import rules  # noqa: F401
from . import sentences  # noqa: F401
from . import transformer  # noqa: F401
from . import tagger  # noqa: F401
from . import llm  # noqa: F401
