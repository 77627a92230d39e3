"""Articles from local files: plain text, Markdown and saved HTML pages, or whole folders.

Plain text follows the newsroom convention: a short first line with no final
punctuation, followed by a blank line, is the headline; anything else is body, so a
story that is one long paragraph is valid too.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from briefings import language
from briefings.cleaning import clean
from briefings.model import Article

#: File types read as articles when a folder is given.
ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
_HEADLINE_MAX_CHARS = 160
_HEADLINE_MAX_WORDS = 20
_HEADLINE = re.compile(r"\A\s*(?:#{1,3}[ \t]+)?(?P<title>[^\n]+?)[ \t]*\r?\n[ \t]*\r?\n")
_FINAL_PUNCT = re.compile(r"""[.!?,;:…]["'”’)]*$""")


class LoadError(Exception):
    """A source that cannot be read as an article; ``str()`` says why, in one sentence."""


def split_headline(text: str) -> tuple[str | None, int]:
    """Return the headline (if the text opens with one) and where the body starts."""
    m = _HEADLINE.match(text)
    if not m:
        return None, 0
    title = m.group("title").strip()
    if (
        not title
        or len(title) > _HEADLINE_MAX_CHARS
        or len(title.split()) > _HEADLINE_MAX_WORDS
        or _FINAL_PUNCT.search(title)
    ):
        return None, 0
    return title, m.end()


def article_from_text(
    text: str, *, path: str | None = None, url: str | None = None, source: str | None = None
) -> Article:
    """Build an article from plain text (or Markdown), keeping offsets into ``text``."""
    title, body_start = split_headline(text)
    body, offsets = clean(text, body_start)
    return Article(
        text=body,
        original=text,
        offsets=offsets,
        title=title,
        url=url,
        source=source or path,
        path=path,
        language=language.detect(body),
    )


#: Byte-order marks of the Unicode encodings editors save with one (UTF-32 first: its
#: little-endian mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_file(path: Path, *, given: str | None = None) -> Article:
    """Load one file; ``given`` is the path as the user typed it (reported back as-is)."""
    shown = given or str(path)
    try:
        text = _read_text(path)
    except OSError as exc:
        raise LoadError(f"cannot read {shown}: {exc.strerror or exc}") from None
    if path.suffix.lower() in {".html", ".htm"}:
        from briefings.webpages import article_from_html

        return article_from_html(text, path=shown)
    return article_from_text(text, path=shown)


def iter_paths(given: str) -> list[tuple[Path, str]]:
    """Files named by a path argument: the file itself, or a folder's articles in name order."""
    path = Path(given)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
        if not files:
            raise LoadError(f"no articles (.txt, .md, .html) in folder {given}")
        return [(p, str(p)) for p in files]
    if path.is_file():
        return [(path, given)]
    raise LoadError(f"no such file or folder: {given}")


def load_path(given: str) -> list[Article]:
    """All articles a path argument names."""
    return [load_file(p, given=shown) for p, shown in iter_paths(given)]
