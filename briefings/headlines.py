"""A page's own headline and standfirst, from what the page says about itself.

A page names its story in several places: ``og:title``, ``twitter:title``, the ``<h1>``,
the ``<title>``, and trafilatura's pick among them. Most add something that is not the
headline: the site's name ("… – TechCrunch"), a section label ("Opinion | …"), a
tagline ("SiteName | news you can trust: …"). The rules here are general:

* pieces at either end of a title, cut off by a separator (``|``, `` - ``, `` – ``,
  ``:`` …), are dropped when they name the site (its ``og:site_name`` or host name) or
  are a section label (``lang/en/page_labels.json``);
* the headline is what the sources agree on: the shortest cleaned candidate that two of
  the page's sources say alike (the ``<h1>`` and the ``<title>``), or that another
  candidate holds as whole pieces between separators or at its end (the ``<h1>`` inside a
  ``<title>`` that carries a tagline as well, a kicker glued before it); failing that,
  the first cleaned candidate in order of trust;
* a candidate that is only the opening words of another, cut off mid-sentence (a
  ``twitter:title`` clipped to a length), is no candidate; nor is a hidden ``<h1>`` (a
  logo's text for screen readers); the extractor's own pick, when no title source of
  the page confirms it (it took a sidebar's heading), comes last in that order.

The standfirst ("dek") is an element the page marks as one (class or id ``standfirst``,
``dek``, ``subtitle`` …) or a heading right under the ``<h1>``; else the page's
description, unless that is merely the opening of the story (then it is the lead, not a
dek). The same words are then found again in the body, however repeated (case,
punctuation, a site suffix, a kicker before them), and taken out of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

#: Separators between a headline and what pages add to it.
_SEPARATOR = re.compile(r"\s+(?:[|\-–—:·•»«›‹~/]|::|--)\s+|\s*[|•»›]\s*|(?<=\w):\s+")
#: What is trimmed from either end of a cleaned title (a kicker taken off leaves ": ...").
_END_PUNCT = " \t|-–—:·•»«›‹~/"
_WORDS = re.compile(r"\w+(?:['’]\w+)*")
#: A site or section piece has at most this many words.
MAX_LABEL_WORDS = 5
#: Classes and ids that mark a standfirst.
_DEK_MARK = re.compile(
    r"(?:^|[\s_-])(?:standfirst|stand-first|dek|deck|sub-?head(?:line|ing)?|sub-?title|strap(?:line)?|"
    r"summary)(?:$|[\s_-])",
    re.IGNORECASE,
)
#: Boxes whose "standfirst" sells something else (a newsletter, other stories).
_PROMO_MARK = re.compile(r"newsletter|briefing|sign-?up|subscri|promo|related|recommend|teaser", re.IGNORECASE)
_KICKER_MARK = re.compile(r"kicker|eyebrow|overline|label|rubric|flag|category|section", re.IGNORECASE)
#: Classes of text kept for screen readers and search engines but not shown (a logo's
#: hidden ``<h1>`` that holds the site's name).
_HIDDEN_MARK = re.compile(
    r"(?:^|[\s_-])(?:hidden|sr-only|screen-reader-text|visually-?hidden|show-for-sr|offscreen|off-screen)(?:$|\s)",
    re.IGNORECASE,
)
#: A standfirst is a sentence or two: bounds in words.
MIN_DEK_WORDS, MAX_DEK_WORDS = 5, 80
#: Words of a byline or dateline a description may open with before copying the lead,
#: and how many words in a row then make it a copy.
_BYLINE_WORDS, _LEAD_RUN = 8, 12
#: Paragraphs at the top of the body searched for a repeated headline or standfirst.
_TOP_PARAGRAPHS = 4
#: Words a repeat of the headline may carry besides it (a kicker, a site name).
_EXTRA_WORDS = 6


@lru_cache(maxsize=1)
def _labels() -> dict[str, frozenset[str]]:
    raw = json.loads(resources.files("briefings.lang").joinpath("en", "page_labels.json").read_text("utf-8"))
    return {"sections": frozenset(raw["sections"]), "link_box_labels": frozenset(raw["link_box_labels"])}


def link_box_labels() -> frozenset[str]:
    """Upper-case labels that open a box of links to other stories ("MORE", "RELATED")."""
    return _labels()["link_box_labels"]


def words(text: str) -> list[str]:
    """Lower-case words, with one apostrophe (a page's h1 types ’ where its title has ')."""
    return [w.lower().replace("’", "'") for w in _WORDS.findall(text)]


def _norm(text: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "", text.lower())
    return s[3:] if s.startswith("the") and len(s) > 6 else s


@dataclass(frozen=True)
class PageMeta:
    """What a page's markup says about its story, beside trafilatura's reading."""

    og_title: str | None = None
    title_tag: str | None = None
    h1s: tuple[str, ...] = ()
    site_name: str | None = None
    description: str | None = None
    marked_deks: tuple[str, ...] = field(default_factory=tuple)


def page_meta(html: str) -> PageMeta:
    """Read titles, headings and standfirst candidates from the page's HTML."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return PageMeta()

    def meta(*names: str) -> str | None:
        for n in names:
            for el in root.xpath(f'//meta[@property="{n}" or @name="{n}"]'):
                value = _tidy(el.get("content"))
                if value:
                    return value
        return None

    title_el = root.find(".//title")
    scope = root.xpath("//article|//main|//*[@role='main']")
    h1_els = [h for s in scope for h in s.iter("h1")] or root.xpath("//h1")
    h1_els = [h for h in h1_els if not _hidden(h)]
    h1s = []
    for h in h1_els[:3]:
        h1s.append(_tidy(_text_without_kicker(h)) or "")
    deks = []
    # Standfirsts sit beside the headline: look near the first <h1> (else in the story).
    near = []
    if h1_els:
        up = h1_els[0].getparent()
        if up is not None and up.getparent() is not None and up.getparent().tag not in ("body", "html"):
            up = up.getparent()
        near = [up] if up is not None else []
    for el in (x for box in (near or scope) for x in box.iter() if isinstance(x.tag, str)):
        if el.tag in ("html", "body", "article", "main", "section", "header", "meta", "script", "style"):
            continue
        if _marks(el, _DEK_MARK) and not any(_marks(a, _PROMO_MARK) for a in el.iterancestors()):
            text = _tidy(el.text_content())
            if text and MIN_DEK_WORDS <= len(text.split()) <= MAX_DEK_WORDS:
                deks.append(text)
    for h in h1_els[:1]:
        nxt = h.getnext()
        if nxt is not None and nxt.tag in ("h2", "p"):
            text = _tidy(nxt.text_content())
            # A heading right under the headline is a subheadline; a paragraph only if marked.
            if text and nxt.tag == "h2" and MIN_DEK_WORDS <= len(text.split()) <= MAX_DEK_WORDS:
                deks.append(text)
    return PageMeta(
        og_title=meta("og:title", "twitter:title"),
        title_tag=_tidy(title_el.text_content()) if title_el is not None else None,
        h1s=tuple(h for h in h1s if h),
        site_name=meta("og:site_name", "application-name"),
        description=meta("og:description", "description", "twitter:description"),
        marked_deks=tuple(dict.fromkeys(deks)),
    )


def _marks(el, mark: re.Pattern[str]) -> bool:
    """Whether an element's class or id carries ``mark``."""
    return bool(
        (el.get("class") or el.get("id")) and mark.search(" ".join((el.get("class") or "", el.get("id") or "")))
    )


def _hidden(el) -> bool:
    """Whether an element is kept out of sight (``hidden``, ``display: none``, a
    screen-reader-only class)."""
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
        or _marks(el, _HIDDEN_MARK)
    )


def _text_without_kicker(h1) -> str:
    """The heading's text without a kicker element inside it."""
    parts = [h1.text or ""]
    for child in h1:
        # Comments and processing instructions inside a heading have no text of their own.
        if isinstance(child.tag, str) and not _marks(child, _KICKER_MARK):
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return " ".join(parts)


def _tidy(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


def _is_label(piece: str, site_names: list[str]) -> bool:
    """Whether an end piece of a title names the site or a section."""
    text = piece.strip(_END_PUNCT)
    if not text:
        return True
    if len(text.split()) > MAX_LABEL_WORDS:
        return False
    if text.lower() in _labels()["sections"]:
        return True
    n = _norm(text)
    for site in site_names:
        s = _norm(site)
        if not s or not n:
            continue
        if n == s or (min(len(n), len(s)) >= 4 and (n in s or s in n)):
            return True
        if _names_site(words(text), words(site)):
            return True
    return False


def _names_site(piece: list[str], site: list[str]) -> bool:
    """A piece that is the site's name with a section or a place added ("CNN Politics",
    "CDU-Fraktion im Erfurter Stadtrat" for "CDU - Fraktion Erfurt"): it opens with the
    name's first word, every word of the name begins a word of the piece, in order, and
    at most two words are added."""
    if not site or not piece or len(piece) > len(site) + 2 or not piece[0].startswith(site[0]):
        return False
    rest = iter(piece)
    return all(any(w.startswith(s) for w in rest) for s in site)


def strip_site(title: str, site_names: list[str]) -> str:
    """The title without site names and section labels at either end."""
    pieces = _SEPARATOR.split(title)
    seps = _SEPARATOR.findall(title)
    lo, hi = 0, len(pieces)
    while hi - lo > 1 and _is_label(pieces[lo], site_names):
        lo += 1
    while hi - lo > 1 and _is_label(pieces[hi - 1], site_names):
        hi -= 1
    out = pieces[lo]
    for i in range(lo + 1, hi):
        out += seps[i - 1] + pieces[i]
    out = _trim(out)
    return out if len(words(out)) >= 1 else title


#: Guillemets, which quote as well as separate: the closing one of each pair.
_QUOTE_PAIRS = {"»": "«", "«": "»", "›": "‹", "‹": "›"}


def _trim(text: str) -> str:
    """``text`` without separators and spaces at either end, except a guillemet that
    closes (or opens) a quotation inside it (»Digitales Lernen«, « Les Misérables »)."""
    out = text.strip(_END_PUNCT)
    if not out:
        return out
    start = text.index(out)
    before, after = text[:start].rstrip(), text[start + len(out) :].lstrip()
    for opening, closing in _QUOTE_PAIRS.items():
        if after.startswith(closing) and out.count(opening) > out.count(closing):
            out += (" " if text[start + len(out) : start + len(out) + 1] == " " else "") + closing
        if before.endswith(opening) and out.count(closing) > out.count(opening):
            out = opening + (" " if text[start - 1 : start] == " " else "") + out
    return out


def _contains(outer: list[str], inner: list[str]) -> bool:
    if not inner or len(inner) > len(outer):
        return False
    first = inner[0]
    for i in range(len(outer) - len(inner) + 1):
        if outer[i] == first and outer[i : i + len(inner)] == inner:
            return True
    return False


def choose_headline(meta: PageMeta, extracted: str | None, sitename: str | None, host: str | None) -> str | None:
    """The story's own headline from the page's title sources (see the module doc)."""
    site_names = [s for s in (sitename, meta.site_name, _host_label(host)) if s]
    raw = [("og", meta.og_title), ("extracted", extracted), *(("h1", h) for h in meta.h1s), ("title", meta.title_tag)]
    cleaned: list[str] = []
    sources: list[set[str]] = []
    for kind, r in raw:
        if not r:
            continue
        c = strip_site(r, site_names)
        if not c or _is_label(c, site_names):
            continue
        same = next((i for i, o in enumerate(cleaned) if words(o) == words(c)), None)
        if same is None:
            cleaned.append(c)
            sources.append({kind})
        else:
            sources[same].add(kind)
    if not cleaned:
        return extracted or meta.title_tag
    tokens = [words(c) for c in cleaned]
    # A copy cut short (a twitter:title clipped to a length) is the opening words of a
    # fuller candidate, stopping mid-sentence: the fuller one is the headline. What two of
    # the page's own sources say is no clipped copy.
    keep = [
        i
        for i, t in enumerate(tokens)
        if len(sources[i] - {"extracted"}) >= 2
        or not any(j != i and _truncated(cleaned[i], t, cleaned[j], tokens[j], site_names) for j in range(len(cleaned)))
    ]
    # The extractor's pick that no title source of the page confirms came from elsewhere
    # (a sidebar's heading): it is the last resort, not the first.
    alone = {
        i
        for i in keep
        if sources[i] == {"extracted"} and not any(_overlaps(tokens[i], tokens[j]) for j in keep if j != i)
    }
    keep.sort(key=lambda i: i in alone)
    agreed = [
        i
        for i in keep
        if len(tokens[i]) >= 2
        and (
            len(sources[i] - {"extracted"}) >= 2
            or any(j != i and _agrees(cleaned[i], tokens[i], cleaned[j], tokens[j]) for j in keep)
        )
    ]
    if agreed:
        return cleaned[min(agreed, key=lambda i: len(tokens[i]))]
    return cleaned[keep[0]]


def _pieces(title: str) -> list[list[str]]:
    return [words(p) for p in _SEPARATOR.split(title)]


#: A title that ends a sentence (not with an ellipsis, which marks a cut).
_SENTENCE_DONE = re.compile(r"(?<!\.\.)[.!?]['\"”’)]*$")


def _truncated(short: str, st: list[str], full: str, ft: list[str], site_names: list[str]) -> bool:
    """Whether ``short`` is the opening of ``full`` cut off mid-sentence: what ``full``
    goes on with is more words of the same sentence (not a separator, a comma, a site
    name), and ``short`` does not end a sentence."""
    if not st or len(st) >= len(ft) or ft[: len(st)] != st:
        return False
    if _SENTENCE_DONE.search(short.strip()):
        return False
    ends = [m.end() for m in _WORDS.finditer(full)]
    rest = full[ends[len(st) - 1] :] if len(ends) >= len(st) else ""
    return bool(re.match(r"\s+\w", rest)) and not _is_label(rest, site_names)


def _agrees(inner_text: str, inner: list[str], outer: str, ot: list[str]) -> bool:
    """Whether ``inner`` is found in another candidate as a headline would be: whole
    pieces of it between separators (a title with a tagline), its opening sentence (a
    headline a second line follows), or its end after a kicker glued in front."""
    if len(inner) >= len(ot) or not _contains(ot, inner):
        return False
    if ot[-len(inner) :] == inner:
        return True
    if ot[: len(inner)] == inner and _SENTENCE_DONE.search(inner_text.strip()):
        return True
    pieces = _pieces(outer)
    return any(sum(pieces[a:b], []) == inner for a in range(len(pieces)) for b in range(a + 1, len(pieces) + 1))


def _overlaps(a: list[str], b: list[str]) -> bool:
    return bool(a and b) and (a == b or _contains(a, b) or _contains(b, a))


def site_name(extracted: str | None, meta: PageMeta) -> str | None:
    """The site's name: the extractor's, unless that is the page's own og:title (it took
    the headline for the site's name), else the page's og:site_name."""
    if extracted and meta.og_title and _norm(extracted) == _norm(meta.og_title):
        extracted = None
    return extracted or meta.site_name


def _host_label(host: str | None) -> str | None:
    """ "techcrunch" from "techcrunch.com", "nytimes" from "www.nytimes.com"."""
    if not host:
        return None
    parts = [p for p in host.lower().split(".") if p not in ("www", "m", "amp", "edition")]
    if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "net", "ac", "gov"):
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else None)


def repeats_headline(paragraph: str, headlines: list[str]) -> bool:
    """Whether a body paragraph is the headline again (with at most a kicker or site name)."""
    p = words(paragraph)
    if not p or re.search(r"[.!?]['\"”’)]*\s+\S", paragraph):
        return False  # more than one sentence: story text
    # A sentence of the story ends in a full stop; a headline repeated rarely does.
    extra = _EXTRA_WORDS if not re.search(r"[.!?]['\"”’)]*$", paragraph.strip()) else 1
    for h in headlines:
        t = words(h)
        if t and (p == t or (len(p) - len(t) <= extra and len(t) >= 2 and _contains(p, t))):
            return True
    return False


def is_kicker(paragraph: str) -> bool:
    """A short label above a headline: a few words, no sentence punctuation."""
    text = paragraph.strip()
    return 0 < len(text.split()) <= 4 and not re.search(r"[.!?,;]['\"”’)]*$", text)


def same_text(a: str, b: str, share: float = 0.9) -> bool:
    """Whether two passages say the same words (each covers ``share`` of the other's)."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return False
    sa, sb = set(wa), set(wb)
    common = len(sa & sb)
    return common >= share * len(sa) and common >= share * len(sb)


def is_lead_copy(description: str, paragraphs: list[str]) -> bool:
    """Whether a page description is only the opening of the story (then it is no dek),
    perhaps after a byline or dateline the body keeps elsewhere ("By Ann Lee CNN ...")."""
    d = words(description.rstrip(" .…").removesuffix("..."))
    opening = words(" ".join(paragraphs[:3]))
    if not d:
        return True
    if _contains(opening, d[: max(4, len(d) - 2)]):
        return True
    for skip in range(1, min(_BYLINE_WORDS, len(d) - _LEAD_RUN) + 1):
        if _contains(opening, d[skip : skip + _LEAD_RUN]):
            return True
    common = len(set(d) & set(opening))
    return common >= 0.8 * len(set(d))


def split_top(
    paragraphs: list[str], headline: str | None, raw_titles: list[str], marked_deks: list[str], description: str | None
) -> tuple[list[str], str | None]:
    """The body without a repeated headline, kicker or standfirst, and the standfirst."""
    body = list(paragraphs)
    heads = [h for h in [headline, *raw_titles] if h]
    i = 0
    while heads and i < min(_TOP_PARAGRAPHS, len(body)):
        if repeats_headline(body[i], heads):
            start = i - 1 if i >= 1 and is_kicker(body[i - 1]) else i
            del body[start : i + 1]
            i = start
        else:
            i += 1
    dek = next(iter(marked_deks), None)
    if dek is None and description and not description.rstrip().endswith(("…", "...")):
        if MIN_DEK_WORDS <= len(description.split()) <= MAX_DEK_WORDS and not is_lead_copy(description, body):
            dek = description
    if dek and headline and same_text(dek, headline):
        dek = None
    if dek:
        for i in range(min(_TOP_PARAGRAPHS, len(body))):
            if same_text(body[i], dek):
                del body[i]
                break
    return body, dek
