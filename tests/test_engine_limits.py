"""The engine on articles longer than the model accepts in one piece.

spaCy refuses a text longer than ``nlp.max_length`` with a ValueError; that used to
end the whole batch (a traceback in the CLI, no brief for any of the articles). The
limit is lowered here so that the test text stays small.
"""

from __future__ import annotations

from briefings.engine import brief_articles
from briefings.loading import article_from_text

PARAGRAPH = (
    "The council said on Monday that the new bridge would open next spring after "
    "years of delay, and the mayor said the town was ready for it. "
)


def test_an_article_over_the_model_limit_is_briefed_from_its_opening(nlp, monkeypatch):
    monkeypatch.setattr(nlp, "max_length", 4000)
    long_text = "\n\n".join(PARAGRAPH * 3 for _ in range(20))  # ~9,000 characters
    assert len(long_text) > nlp.max_length
    short = article_from_text("Short story\n\n" + PARAGRAPH * 2, path="short.txt")
    long = article_from_text(long_text, path="long.txt")

    first, second = brief_articles([long, short], nlp=nlp)

    assert first.article is long and second.article is short
    assert first.summary and second.summary
    # Everything shown comes from the part that was parsed, and maps back into the file.
    for start, end in first.summary_spans:
        assert end <= nlp.max_length
        assert " ".join(long.original[start:end].split()) in " ".join(first.summary)
    assert all(q.end <= nlp.max_length for q in first.quotes)
