"""Every offset a brief reports points back into the article as it was read.

For each seed article and each odd text below (empty, only marks, unbalanced marks,
CRLF and lone CR line ends, NUL bytes, a byte-order mark, hard wraps, furniture in the
middle of a sentence, a dateline, one huge paragraph), every summary span and every
quote's ``start:end`` must slice ``article.original`` to the same words the brief
shows, and speaker spans must lie inside the text. Nothing may raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings import render, render_digest
from briefings.engine import brief_articles
from briefings.loading import article_from_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

ODD_TEXTS = {
    "empty": "",
    "blank lines": "   \n\n \t \n",
    "only marks": '""""\n\n\u201c\u201d\u201c\u201d\n\n"',
    "unbalanced": (
        'He said "this is never closed.\n\nShe said \u201canother one without a close. '
        "And more text here, the minister said on Monday."
    ),
    "crlf": (
        'Bridge plan agreed\r\n\r\n"We will win," said John Smith, the mayor of London.\r\n'
        "The council agreed the plan on Monday after a long debate about\r\nhousing.\r\n\r\n"
        'Smith said the vote was "historic" and promised more homes.\r\n'
    ),
    "lone cr": (
        'Headline\r\rThe mayor said "we are ready" to reporters on Monday.\r'
        "The council agreed on Monday after a debate on the plan.\r"
    ),
    "nul bytes": 'Title\n\nThe minister said\x00 "no deal\x00 was reached," on Tuesday in the capital.\n',
    "bom": '\ufeffHeadline\n\nThe mayor said "we are ready" to reporters at the town hall on Monday.\n',
    "hard wrapped": (
        "The mayor said on Monday that the new\nbridge would open next year after years of\ndelay, officials said.\n"
    ),
    "furniture mid-sentence": (
        "The mayor said on Monday that the new bridge Scroll down for video "
        "would open next year after years of delay and rising costs.\n"
    ),
    "furniture between sentences": (
        "The mayor opened the bridge on Monday after years of delay. "
        "Scroll down for video The council said the cost had doubled "
        "since the plan was approved.\n"
    ),
    "dateline": (
        'LONDON (Reuters) - "It is over," said Prime Minister Jane Doe on Friday after the talks collapsed in the city.'
    ),
    "nbsp and separators": (
        'The mayor\u00a0said\u00a0"we are\u00a0ready" to reporters.\u2028'
        "The council agreed on Monday after a debate.\u2029\n"
    ),
    "huge paragraph": "The minister said the plan would work, officials said. " * 400,
}


def _words(text: str) -> str:
    return " ".join(text.split())


def _cases() -> list[tuple[str, str]]:
    seeds = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    return seeds + list(ODD_TEXTS.items())


@pytest.fixture(scope="module")
def briefs(nlp):
    articles = [article_from_text(text, path=name) for name, text in _cases()]
    return brief_articles(articles, nlp=nlp)


@pytest.mark.parametrize("index, name", list(enumerate(name for name, _ in _cases())))
def test_offsets_slice_the_original_to_the_same_words(briefs, index, name):
    brief = briefs[index]
    original = brief.article.original
    assert brief.article.path == name
    assert len(brief.summary_spans) == len(brief.summary)
    for shown, (start, end) in zip(brief.summary, brief.summary_spans):
        assert 0 <= start < end <= len(original)
        assert _words(original[start:end]) == _words(shown)
    for q in brief.quotes:
        assert 0 <= q.start < q.end <= len(original)
        assert _words(original[q.start : q.end]) == _words(q.text)
        if q.speaker_start is not None:
            assert 0 <= q.speaker_start <= q.speaker_end <= len(original)


@pytest.mark.parametrize("index, name", list(enumerate(name for name, _ in _cases())))
def test_every_format_renders(briefs, index, name):
    brief = briefs[index]
    assert render.to_text(brief) and render.to_markdown(brief) and render.to_jsonl(brief)
    for fmt in ("text", "markdown", "json", "jsonl"):
        render_digest.render([brief], fmt)


def test_seed_briefs_are_not_empty(briefs):
    seeds = [b for b in briefs if b.article.path.endswith(".txt")]
    assert seeds and all(b.summary for b in seeds)
    assert sum(len(b.quotes) for b in seeds) >= len(seeds)
