"""How a quote and its speaker read to a person: the one place for quotation marks,
reported-speech wording and speaker labels.

Every human format (terminal text, Markdown, digests, the console, Discord, Slack) shows
quotes through ``quote_text`` and speakers through ``speaker_label`` (or its parts,
``speaker_name`` and ``speaker_detail``), so a quote reads the same everywhere and the
rules that keep it honest live once:

* a direct quote is the speaker's own words: in quotation marks, exactly once;
* reported speech (``indirect``) is the writer's paraphrase: never in quotation marks,
  shown as what it is ("said that …", with the cue verb when there is a usable one,
  "warned that …");
* a speech act told through its cue's complements (``reported``: "urged voters to stay
  home", "called the plan “reckless”") reads with its own verb, never in marks;
* a partial quote is reported speech with quoted fragments: framed like reported speech,
  keeping only the fragments' own marks; a bare quoted fragment keeps its marks;
* a quote nobody could be named for is shown under ``UNATTRIBUTED``, never under a guess.

The output is plain text made of the article's words plus the words added here; chat
adapters escape all of it for their markup (nothing added here is markup).
"""

from __future__ import annotations

import re

from briefings import lang as lang_data

#: The heading of quotes no speaker could be named for (``Quote.speaker is None``).
UNATTRIBUTED = "Unattributed"

#: What a speaker kind is called for readers; a person needs no label.
KIND_LABELS = {"organization": "organisation", "source": "unnamed source"}

#: Longest quote shown in the human formats by default; JSON always has the whole text.
QUOTE_CHARS = 240

_OPENING = '"“‘«„‟'
_CLOSING = '"”’»'
_DOUBLE_OPEN = '"“«„‟'
_DOUBLE_CLOSE = '"”»'
#: Marks that show a quoted fragment (an apostrophe ’ or ' alone does not).
_FRAGMENT_MARKS = '"“”«»„‟‘'
_ELLIPSIS = "…"

# Reporting verbs (lang/en/reporting_verbs.txt) that read well before a "that"-clause with no object, keyed by the
# forms a cue may take in the text ("warns", "warning", "warned"), valued by the past
# tense shown. Verbs that need an object ("told reporters that") or change the meaning
# out of context fall back to "said".
_PAST = dict(entry.split() for entry in lang_data.words("en", "reporting_verbs"))


def _forms(base: str, past: str) -> tuple[str, ...]:
    third = (
        base[:-1] + "ies"
        if base.endswith("y") and base[-2:-1] not in "aeiou"
        else base + "es"
        if base.endswith(("s", "sh", "ch"))
        else base + "s"
    )
    ing = base[:-1] + "ing" if base.endswith("e") and not base.endswith("ee") else base + "ing"
    return base, past, third, ing


_FORMS: dict[str, str] = {f: past for base, past in _PAST.items() for f in _forms(base, past)}
_FORMS.update(
    {
        "signaled": "signaled",
        "signaling": "signaled",
        "signalling": "signalled",
        "admitting": "admitted",
        "concurring": "concurred",
        "written": "wrote",
    }
)
# Verbs that report through their complements ("urged voters to stay home",
# lang/en/object_reports.json): a ``reported`` quote starts with its cue, shown in the past.
_OBJECT_FORMS: dict[str, str] = {
    f: entry["past"]
    for base, entry in lang_data.table("en", "object_reports")["verbs"].items()
    for f in _forms(base, entry["past"])
}
#: A parenthetical attribution inside reported speech ("the plan, Lopez said, would ..."):
#: the speaker is shown already, so the aside is dropped from the words.
_ASIDE = re.compile(
    r",\s+(?:[\w.'\u2019-]+\s+){1,5}(?:%s)\s*,\s+" % "|".join(sorted(map(re.escape, _FORMS), key=len, reverse=True))
)
_QUESTION_WORDS = frozenset({"whether", "if", "why", "how", "what", "when", "where", "who", "which"})
# Sentence-initial words safe to lower-case after "said that" ("The plan" -> "the plan").
_LOWER_FIRST = frozenset(
    {
        "the",
        "a",
        "an",
        "it",
        "he",
        "she",
        "they",
        "we",
        "this",
        "these",
        "those",
        "there",
        "his",
        "her",
        "their",
        "our",
        "its",
        "some",
        "many",
        "most",
        "all",
        "no",
        "one",
        "that",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PARAGRAPH_MARK = re.compile(r"\n\s*[\"“‘]")


def reporting_verb(cue: str | None, question: bool = False) -> str:
    """The past-tense verb that introduces reported speech: the cue's when usable, else "said"."""
    word = (cue or "").strip().lower()
    verb = _FORMS.get(word) if word.isalpha() else None
    if verb == "asked" and not question:
        verb = None
    return verb or ("asked" if question else "said")


def quote_text(kind: str, text: str, cue: str | None = None, limit: int = QUOTE_CHARS) -> str:
    """One quote as a reader sees it (plain text; adapters escape it for their markup)."""
    text = _CONTROL.sub(" ", text)  # no terminal escapes or stray control characters
    if kind == "direct" or (kind == "partial" and not _has_fragment_marks(text)):
        return "“" + _shorten(_verbatim(text).rstrip(","), limit) + "”"
    words = " ".join(text.split())
    first, _, rest = words.partition(" ")
    if kind == "reported":
        past = _OBJECT_FORMS.get(first.lower())
        return _balance(_shorten((f"{past} {rest}" if past and rest else words).rstrip(" ,;:"), limit))
    words = _ASIDE.sub(" ", words)
    first, _, rest = words.partition(" ")
    question = first.lower() in _QUESTION_WORDS
    if first.lower() == "that" and rest:
        words = rest
        first = words.split(" ", 1)[0]
    if first.lower() in _LOWER_FIRST and words[:1].isupper() and not words[1:2].isupper():
        words = words[:1].lower() + words[1:]
    words = _balance(_shorten(words.rstrip(" ,;:"), limit))
    verb = reporting_verb(cue, question)
    return f"{verb} {words}" if question else f"{verb} that {words}"


def _has_fragment_marks(text: str) -> bool:
    return any(c in _FRAGMENT_MARKS for c in text)


def _verbatim(text: str) -> str:
    """The quoted words without their outer marks (and without the marks that reopen a
    quotation at each new paragraph, the newsroom convention), on one line."""
    text = text.strip()
    if len(text) > 1 and text[0] in _OPENING and text[-1] in _CLOSING:
        text = text[1:-1]
    elif text[:1] in _DOUBLE_OPEN and not any(c in _DOUBLE_CLOSE for c in text[1:]):
        text = text[1:]
    elif text[-1:] in _DOUBLE_CLOSE and not any(c in _DOUBLE_OPEN for c in text[:-1]):
        text = text[:-1]
    text = _PARAGRAPH_MARK.sub("\n", text)
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:") + _ELLIPSIS


def _balance(text: str) -> str:
    """Close a fragment's quotation that shortening cut off, so no mark is left open."""
    if text.count("“") > text.count("”"):
        return text + "”"
    if text.count('"') % 2:
        return text + '"'
    return text


def speaker_name(name: str | None) -> str:
    """The heading of a speaker's quotes: the name, or ``UNATTRIBUTED``."""
    return name if name else UNATTRIBUTED


def speaker_detail(role: str | None, kind: str | None) -> str | None:
    """What is said about a speaker after the name: role and/or kind ("organisation")."""
    parts = [p for p in (role, KIND_LABELS.get(kind or "")) if p]
    return ", ".join(dict.fromkeys(parts)) or None


def speaker_label(name: str | None, role: str | None, kind: str | None) -> str:
    """``Name (role, organisation)`` as one plain string (terminal, Markdown, digests)."""
    detail = speaker_detail(role, kind) if name else None
    head = speaker_name(name)
    return f"{head} ({detail})" if detail else head
