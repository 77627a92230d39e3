"""From articles to briefs: parse each article once, then summarize and extract quotes.

All articles of a call go through one ``nlp.pipe`` stream, so spaCy batches them; with
``jobs > 1`` and enough articles, the batch is split over worker processes, each
loading the model once.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

from spacy.language import Language
from spacy.tokens import Doc

from briefings import nlp as nlp_loader
from briefings.language import is_supported
from briefings.model import Article, Brief, Quote
from briefings.quotes import extract_quotes
from briefings.summarize import summarize

log = logging.getLogger(__name__)

#: Below this many articles per worker, extra processes cost more than they save.
_MIN_ARTICLES_PER_JOB = 16
_BATCH_SIZE = 32


def brief_doc(article: Article, doc: Doc, *, sentences: int = 3, words: int | None = None) -> Brief:
    """Brief one parsed article; offsets in the result point into ``article.original``."""
    spans = summarize(doc, sentences=sentences, words=words, title=article.title, dek=article.dek)
    to_original = article.offsets.span_to_original
    found = doc._.quotes if doc._.quotes is not None else extract_quotes(doc)
    quotes = tuple(_to_original(q, to_original) for q in found)
    return Brief(
        article=article,
        summary=tuple(s.text.strip() for s in spans),
        summary_spans=tuple(to_original(s.start_char, s.end_char) for s in spans),
        quotes=quotes,
    )


def _to_original(quote: Quote, to_original: Callable[[int, int], tuple[int, int]]) -> Quote:
    start, end = to_original(quote.start, quote.end)
    if quote.speaker_start is None or quote.speaker_end is None:
        return replace(quote, start=start, end=end)
    s_start, s_end = to_original(quote.speaker_start, quote.speaker_end)
    return replace(quote, start=start, end=end, speaker_start=s_start, speaker_end=s_end)


def parseable_text(article: Article, limit: int) -> str:
    """The article's text, cut at the last paragraph break (else space) before ``limit``.

    spaCy refuses longer texts outright, which would sink every article of the batch;
    the opening of a story is what its brief is made of anyway. Offsets into the prefix
    are offsets into ``article.text``, so the map to the original still holds.
    """
    text = article.text
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    if cut <= 0:
        cut = text.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    log.warning(
        "%s is %d characters long; briefing its first %d", article.path or article.url or "an article", len(text), cut
    )
    return text[:cut]


def iter_briefs(
    articles: Iterable[Article], *, sentences: int = 3, words: int | None = None, nlp: Language | None = None
) -> Iterator[Brief]:
    """Brief articles lazily, in order, parsing them as one batched stream."""
    nlp = nlp or nlp_loader.load()
    pending: deque[Article] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            pending.append(article)
            # Another language parsed as English is noise: the brief is its notice.
            yield parseable_text(article, nlp.max_length) if is_supported(article.language) else ""

    for doc in nlp.pipe(texts(), batch_size=_BATCH_SIZE):
        yield brief_doc(pending.popleft(), doc, sentences=sentences, words=words)


def brief_articles(
    articles: list[Article],
    *,
    sentences: int = 3,
    words: int | None = None,
    nlp: Language | None = None,
    jobs: int = 1,
    on_brief: Callable[[Brief], None] | None = None,
) -> list[Brief]:
    """Brief a batch, in order; ``on_brief`` is called as each brief is ready (progress bars)."""
    jobs = max(1, min(jobs, os.cpu_count() or 1, len(articles) // _MIN_ARTICLES_PER_JOB or 1))
    if jobs == 1:
        briefs = []
        for brief in iter_briefs(articles, sentences=sentences, words=words, nlp=nlp):
            briefs.append(brief)
            if on_brief:
                on_brief(brief)
        return briefs
    return _brief_in_processes(articles, sentences=sentences, words=words, jobs=jobs, on_brief=on_brief)


def _brief_chunk(chunk: list[Article], sentences: int, words: int | None) -> list[Brief]:
    return list(iter_briefs(chunk, sentences=sentences, words=words))


def _brief_in_processes(
    articles: list[Article], *, sentences: int, words: int | None, jobs: int, on_brief: Callable[[Brief], None] | None
) -> list[Brief]:
    size = max(_MIN_ARTICLES_PER_JOB // 2, -(-len(articles) // (jobs * 4)))
    chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
    briefs: list[Brief] = []
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=nlp_loader.load) as pool:
        for result in pool.map(_brief_chunk, chunks, [sentences] * len(chunks), [words] * len(chunks)):
            for brief in result:
                briefs.append(brief)
                if on_brief:
                    on_brief(brief)
    return briefs
