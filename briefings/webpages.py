"""News pages (HTML) to :class:`Article`, with trafilatura doing the extraction.

trafilatura finds the story among the navigation, comments and footers and reads the
page's metadata (headline, byline, date, site name). What it extracts becomes the
article's ``original``; :func:`briefings.cleaning.clean` then drops leftover furniture
and keeps a map back into it.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from briefings import headlines, language
from briefings.cleaning import clean, rejoin_wrapped
from briefings.fetching import FetchError
from briefings.loading import LoadError
from briefings.model import Article

log = logging.getLogger(__name__)

#: htmldate settings: the publication date (not the last edit), with the time when given.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_BLOCK_TAGS = frozenset(
    "p div br li h1 h2 h3 h4 h5 h6 blockquote pre tr section article header footer "
    "ul ol table figure figcaption dd dt hr".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
#: Fewer story words than this is a menu or a login form, not an article.
MIN_ARTICLE_WORDS = 12


class NoArticleText(FetchError, LoadError):
    """A page from which no story text could be extracted.

    It is both a :class:`FetchError` (for URLs) and a :class:`LoadError` (for saved
    ``.html`` files), so each caller's usual handler reports it in one line.
    """


@dataclass(frozen=True)
class PageContent:
    """The story and metadata trafilatura found in a page."""

    text: str
    title: str | None
    author: str | None
    sitename: str | None
    hostname: str | None
    published: datetime | None
    dek: str | None = None


def extract_page(html: str, url: str | None = None) -> PageContent | None:
    """Run trafilatura; None when the page holds no recognisable story text."""
    import trafilatura

    doc: Any = trafilatura.bare_extraction(  # a Document, though typed as a union with dict
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        date_extraction_params={
            "outputformat": _DATE_FORMAT,
            "original_date": True,
            "extensive_search": True,
            "max_date": datetime.now().strftime("%Y-%m-%d"),
        },
    )
    if doc is None or not (doc.text or "").strip():
        return None
    meta = headlines.page_meta(html)
    hostname = _tidy(doc.hostname) or _host(url)
    sitename = headlines.site_name(_tidy(doc.sitename), meta)
    extracted = _tidy(doc.title)
    title = headlines.choose_headline(meta, extracted, sitename, hostname)
    # A page hard-wrapped at its source (<pre>, a <br> every line) gives a line per
    # wrapped line: rejoin them into paragraphs first.
    paragraphs = rejoin_wrapped([p.strip() for p in doc.text.splitlines() if p.strip()])
    raw_titles = [t for t in (extracted, meta.og_title, meta.title_tag, *meta.h1s) if t]
    paragraphs, dek = headlines.split_top(
        paragraphs, title, raw_titles, list(meta.marked_deks), _tidy(doc.description) or meta.description
    )
    if not paragraphs:
        return None
    return PageContent(
        # Blank lines between paragraphs: cleaning must never join two of them.
        text="\n\n".join(paragraphs),
        title=title,
        author=_tidy(doc.author),
        sitename=sitename,
        hostname=hostname,
        published=parse_date(doc.date),
        dek=dek,
    )


def article_from_html(html: str, *, url: str | None = None, path: str | None = None) -> Article:
    """One article from a page's HTML (fetched from ``url`` or read from ``path``)."""
    where = url or path or "the page"
    page = extract_page(html, url)
    if page is None:
        log.info("no story text found in %s", where)
        raise NoArticleText(where, "no article text was found in the page")
    text, offsets = clean(page.text)
    if len(text.split()) < MIN_ARTICLE_WORDS:
        log.info("only %d words of story text in %s", len(text.split()), where)
        raise NoArticleText(where, "no article text was found in the page")
    return Article(
        text=text,
        original=page.text,
        offsets=offsets,
        title=page.title,
        url=url,
        source=page.sitename or page.hostname or _host(url) or path,
        author=page.author,
        published=page.published,
        path=path,
        dek=page.dek,
        language=language.detect(text),
    )


def parse_date(value: str | None) -> datetime | None:
    """Parse htmldate's output (or any ISO 8601 date); None when it is not a date."""
    if not value:
        return None
    text = value.strip()
    for fmt in (_DATE_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's content), one paragraph a line.

    Feed content is a fragment, often a single paragraph, which page extraction would
    throw away as too short; here every block element simply becomes a line break.
    """
    if "<" not in fragment:
        return _tidy_lines(fragment)
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy_lines(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath("//script|//style|//noscript|//iframe|//object"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() != "br":
                el.text = "\n" + (el.text or "")
    return _tidy_lines(root.text_content())


def _tidy_lines(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _tidy(value: str | None) -> str | None:
    if not value:
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None
