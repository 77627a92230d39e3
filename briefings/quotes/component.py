"""Attribution as a spaCy component: ``nlp.add_pipe("briefbot_quotes")``.

The component runs after the parser and entity recogniser and stores the article's
quotes on ``doc._.quotes`` (a tuple of :class:`~briefings.model.Quote`, offsets into
``doc.text``). Its config names the language whose data files it reads and the
confidence below which a speaker is withheld: a name below ``min_confidence``, and an
unnamed source taken as written from the cue's own subject ("the father said", "a
lawyer for the family said") below ``min_source_confidence``. Such a source names
nobody, so it cannot put a wrong name beside a quote; it only has to be likelier right
than not::

    [components.briefbot_quotes]
    factory = "briefbot_quotes"
    lang = "en"
    min_confidence = 0.65
    min_source_confidence = 0.5
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..model import Quote
from .confidence import AttributionModel, features, load_model
from .extract import find_quotes
from .sieve import QuoteContext, QuoteItem
from .vocab import Vocabulary, vocabulary

if not Doc.has_extension("quotes"):
    Doc.set_extension("quotes", default=None)

DEFAULT_MIN_CONFIDENCE = 0.65
DEFAULT_MIN_SOURCE_CONFIDENCE = 0.5


@Language.factory(
    "briefbot_quotes",
    default_config={
        "lang": "en",
        "min_confidence": DEFAULT_MIN_CONFIDENCE,
        "min_source_confidence": DEFAULT_MIN_SOURCE_CONFIDENCE,
    },
    requires=["token.dep", "token.lemma", "token.pos", "doc.ents"],
    assigns=["doc._.quotes"],
)
def make_quote_attributor(
    nlp: Language, name: str, lang: str, min_confidence: float, min_source_confidence: float
) -> "QuoteAttributor":
    return QuoteAttributor(lang, min_confidence, min_source_confidence)


class QuoteAttributor:
    """Finds quotes, resolves their speakers with the sieve, withholds unsure names."""

    def __init__(
        self,
        lang: str = "en",
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        min_source_confidence: float = DEFAULT_MIN_SOURCE_CONFIDENCE,
    ) -> None:
        self.vocab = vocabulary(lang)
        self.model = load_model(lang)
        self.min_confidence = min_confidence
        self.min_source_confidence = min_source_confidence

    def __call__(self, doc: Doc) -> Doc:
        found = extract_quotes(doc, self.vocab, self.model, self.min_confidence, self.min_source_confidence)
        doc._.quotes = tuple(found)
        return doc


def extract_quotes(
    doc: Doc,
    vocab: Vocabulary | None = None,
    model: AttributionModel | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_source_confidence: float = DEFAULT_MIN_SOURCE_CONFIDENCE,
) -> list[Quote]:
    """Every quote in a parsed article; a speaker only where the model is confident
    (``min_source_confidence``, for unnamed sources, is never above ``min_confidence``)."""
    vocab = vocab or vocabulary()
    model = model or load_model(vocab.lang)
    ctx = find_quotes(doc, vocab)
    if ctx is None:
        return []
    source_bar = min(min_confidence, min_source_confidence)
    return [
        to_quote(ctx, it, p, source_bar if _literal_source(it) else min_confidence)
        for it, p in zip(ctx.items, confidences(ctx, model))
    ]


def _literal_source(it: QuoteItem) -> bool:
    """An unnamed source that is the quote's own cue subject, shown as written."""
    sp = it.speaker
    return sp is not None and sp.kind == "source" and sp.rule.startswith("cue:")


def confidences(ctx: QuoteContext, model: AttributionModel) -> list[float]:
    """The model's confidence per quote; a quote that took over another quote's speaker
    is no surer than that quote, so one doubtful name cannot spread down a run of quotes."""
    out = [model.probability(features(it, ctx)) if it.speaker else 0.0 for it in ctx.items]
    index = {id(it): k for k, it in enumerate(ctx.items)}
    for _ in range(len(out)):
        changed = False
        for k, it in enumerate(ctx.items):
            j = index.get(id(it.derived_from)) if it.derived_from is not None else None
            if j is not None and out[j] < out[k]:
                out[k], changed = out[j], True
        if not changed:
            break
    return out


def to_quote(ctx: QuoteContext, it: QuoteItem, confidence: float, min_confidence: float) -> Quote:
    r = it.report
    cue = None
    if r is not None:
        cue = "according to" if r.according else ctx.doc[r.cue].text
    text = ctx.text[it.start : it.end]
    sp = it.speaker
    if sp is None or confidence < min_confidence:
        return Quote(
            speaker=None,
            text=text,
            start=it.start,
            end=it.end,
            kind=it.kind,
            cue=cue,
            speaker_kind="unknown",
            rule=sp.rule if sp else None,
            confidence=confidence,
        )
    return Quote(
        speaker=sp.name,
        text=text,
        start=it.start,
        end=it.end,
        kind=it.kind,
        cue=cue,
        speaker_start=sp.start,
        speaker_end=sp.end,
        speaker_kind=sp.kind,
        role=sp.role,
        rule=sp.rule,
        confidence=confidence,
    )
