"""The indexes that keep quote extraction linear change no answer.

Reported clauses, quotations and cues used to be matched by scanning every other one
for each: fine for a news story, quadratic for a long report or transcript. The indexed
versions must give exactly what the plain scans gave; how the time grows is measured
by ``bench/linear_growth.py`` (a ratio in one run, not a timed assertion here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefings.quotes import extract_quotes
from briefings.quotes import reported
from briefings.quotes.layout import Layout
from briefings.quotes.vocab import vocabulary

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

#: Paragraphs of every kind the pairing handles: reported clauses, additions, direct
#: quotations before and after their cue, fragments, an unclosed mark, 'according to'.
#: (``bench/linear_growth.py`` times extraction on many copies of it.)
UNIT = (
    "Officials said the plan would work, according to a report released on Monday.\n\n"
    "Smith said the team played well, adding that the coach was happy with the result.\n\n"
    '"We will not give up on this," said Jane Smith, the mayor of the town.\n\n'
    'The mayor called the delay "a disgrace" and said the council had "let everyone down".\n\n'
    'He said "the plan is fine and it works for the people who live here.\n\n'
    "The minister told reporters that the budget would be balanced by next spring.\n\n"
)


# --------------------------------------------------------------------------- same answers


def _split_additions_by_scan(doc, text, reports):
    """The original all-pairs version of ``reported._split_additions`` (with its rules
    since: a report joined by "and" with its own subject cuts too, and the "and" goes)."""
    for inner in reports:
        if inner.start is None or inner.subject is None:
            continue
        cue = doc[inner.cue]
        if any(c.i == inner.subject for c in cue.children) and cue.dep_ != "conj":
            continue
        cut = cue.left_edge.idx
        for outer in reports:
            if outer is not inner and outer.start is not None and outer.start < cut < outer.end:
                end = cut
                while end > outer.start and (text[end - 1].isspace() or text[end - 1] in ",;"):
                    end -= 1
                joined = re.search(r"[\s,;]+(?:and|but|while|whereas)$", text[outer.start : end])
                if joined:
                    end = outer.start + len(text[outer.start : end][: joined.start()].rstrip(" ,;"))
                outer.end = end


def _mark_nested_by_scan(doc, reports):
    """The original all-pairs version of ``reported._mark_nested``."""
    spans = sorted((r.start, r.end) for r in reports if r.start is not None)
    for r in reports:
        if r.subject is None:
            continue
        c = doc[r.subject].idx
        if any(s <= c < e for s, e in spans if (s, e) != (r.start, r.end)):
            r.nested = True


def _reports(doc):
    text = doc.text
    return [
        (r.cue, r.subject, r.start, r.end, r.nested, r.according)
        for r in reported.find_reports(doc, text, Layout(text), vocabulary())
    ]


TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + [
    UNIT,
    "Smith said the club, which the mayor said was broke, adding that it owed money, "
    "would close, and Jones said that critics who say it was mismanaged, adding that "
    "they had warned, are wrong.",
    'The report said that the firm, adding "more", had, according to Jones, said '
    "nothing; Brown said, adding that, said that.",
]


@pytest.mark.parametrize("text", TEXTS, ids=[f"text{i}" for i in range(len(TEXTS))])
def test_report_bookkeeping_matches_the_plain_scan(nlp, monkeypatch, text):
    doc = nlp(text)
    indexed = _reports(doc)
    monkeypatch.setattr(reported, "_split_additions", _split_additions_by_scan)
    monkeypatch.setattr(reported, "_mark_nested", _mark_nested_by_scan)
    assert _reports(doc) == indexed


def test_fragment_after_a_reported_clause_still_joins_it(nlp):
    """The first item made for a report is found by lookup now, not by a scan of all
    items: a fragment that follows the clause its cue reports must still extend it."""
    text = (
        "In revisiting her old play, Jane Smith says it is helpful to be able to work from "
        "an existing structure and set of ideas — a “scaffold,” she calls it — but "
        "essentially she is starting afresh."
    )
    qs = extract_quotes(nlp(text))
    assert [(q.kind, q.speaker) for q in qs] == [("partial", "Jane Smith")]
    assert qs[0].text.startswith("it is helpful") and "scaffold" in qs[0].text
