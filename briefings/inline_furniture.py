"""Page furniture that survives line-level cleaning, found inside running text.

:mod:`briefings.cleaning` drops whole furniture lines, but pages whose paragraphs were
joined with spaces (CNN/DailyMail dumps, some feeds) keep captions, credits and video
prompts in the middle of the prose, where no line rule can see them. The summarizer
asks where such furniture shows, so that no sentence holding it is ever shown.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefings import lang

#: Phrases that only page furniture uses: video prompts, share lines, credits, bylines
#: (long enough not to match prose: "share on Facebook", not "share on").
#: Matched as plain lowercase substrings at a word start (a regex alternation over the
#: whole text costs more than the rest of the summarizer together).
FURNITURE_PHRASES = (
    "scroll down",
    "click here",
    "click to ",
    "read more:",
    "read more here",
    "watch the video",
    "watch video",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "follow us on",
    "follow @",
    "like us on facebook",
    "sign up for our",
    "sign up to our",
    "subscribe to our",
    "getty images",
    "ap photo",
    "reuters/",
    "file photo",
    "last updated",
    "daily mail reporter",
    "contributed to this report",
    "contributed to this story",
    "contributed to this article",
    "contributed reporting",
    "all rights reserved",
    "copyright 19",
    "copyright 20",
    "copyright \u00a9",
    "\u00a9",
    "have your say",
    "send us your",
    "email to a friend",
    "e-mail to a friend",
    "do you have a story",
    "pictured ",
)
#: Labels before a colon: "Photo:", "Credit:", "PUBLISHED:", and clock times with a zone.
FURNITURE_BEFORE_COLON = re.compile(
    r"(?:\b(?:photo(?:graph)?s?|pictures?|image|credit|source|published|updated)\s*|\b\d{1,2})$"
)
_CLOCK_ZONE = re.compile(r"\d{2}\s*(?:[ap]\.?m\.?\s*)?(?:est|edt|gmt|bst|et|pt|utc)\b")
#: Caption stage directions in brackets: "(pictured)", "(second left)", "(seated on the sofa)".
FURNITURE_BRACKET = re.compile(
    r"\((?:[\w'-]+ ){0,3}(?:pictured|left|right|centre|center|seated|standing|above|below|"
    r"inset|top|bottom|file)\b(?: [\w'-]+){0,3}\)"
)

#: A byline at the start: "By Jane Smith ." / "By . Jane Smith".
BYLINE = re.compile(r"^By\s+(?:\.\s*)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3}\s*[.|]")


@lru_cache(maxsize=1)
def _phrases() -> tuple[str, ...]:
    """The phrases above and those of ``lang/en/furniture_phrases.txt`` (notes about the
    page rather than the story: where it first appeared, affiliate disclosures)."""
    return FURNITURE_PHRASES + tuple(sorted(lang.words("en", "furniture_phrases")))


def furniture_offsets(text: str) -> list[int]:
    """Character offsets in ``text`` where page furniture shows."""
    low = text.lower()
    found = []
    for phrase in _phrases():
        at = low.find(phrase)
        while at >= 0:
            if at == 0 or not low[at - 1].isalnum():
                found.append(at)
            at = low.find(phrase, at + 1)
    at = low.find(":")
    while at >= 0:
        head = FURNITURE_BEFORE_COLON.search(low, max(0, at - 16), at)
        if head and (not head.group().strip().isdigit() or _CLOCK_ZONE.match(low, at + 1)):
            found.append(head.start())
        at = low.find(":", at + 1)
    at = low.find("(")
    while at >= 0:
        if FURNITURE_BRACKET.match(text, at):  # case kept: "(Left Bloc)" is a name
            found.append(at)
        at = low.find("(", at + 1)
    return found
