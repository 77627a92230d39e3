"""Furniture removal by general rules, and offsets that point back into the text as read."""

from __future__ import annotations

import pytest

from briefings.cleaning import clean, is_furniture

FURNITURE = [
    "Comments are closed.",
    "Story continues below advertisement",
    "Article Continued Below",
    "Continue reading the main story",
    "Subscribe to Newsletter",
    "Sign up for our daily briefing",
    "Get the Morning Report newsletter in your inbox",
    "Share this article",
    "Share on Facebook",
    "Facebook | Twitter | Email",
    "Follow us on Twitter @example",
    "We use cookies to improve your experience. Accept all",
    "Scroll down for video",
    "Photo: Jane Doe/Example Wire",
    "Image credit: Getty Images",
    "By Maria Lopez and Tom Weir",
    "By Ann Lee, Staff Writer",
    "Published: 09:14 EST, 3 May 2021 | Updated: 10:02 EST, 3 May 2021",
    "Updated 4:35 PM ET, Tue May 4, 2021",
    "May 4, 2021",
    "2021-05-04 16:35",
    "Advertisement",
    "Read more: Why the port strike matters",
    "12 comments",
    "Leave a reply",
    "This article is more than 2 years old",
    "This page is kept as it was on 20 January. The website is no longer updated, and some links may not work.",
]

STORY = [
    "The council said on Monday that the bridge would reopen in June.",
    "The story continues to unfold, the mayor said.",
    "By noon, hundreds of commuters had signed a petition asking for a ferry.",
    "Subscribers to the plan, officials said, would pay less than before.",
    "“Follow the money,” the auditor told the committee, “and you will see the problem.”",
    "Share prices fell sharply after the announcement.",
    "Cookies baked by pupils raised 300 pounds for the school.",
    "Residents say the flood website is no longer updated.",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_lines_are_recognised(line):
    assert is_furniture(line)


@pytest.mark.parametrize("line", STORY)
def test_story_lines_are_kept(line):
    assert not is_furniture(line)


def test_clean_drops_furniture_and_collapses_whitespace():
    text = (
        "By Jane Roe\nPublished: 12:00 EST, 1 April 2015\n\n"
        "The   harbour\tfroze overnight.\n\nShare this article\n"
        "Fishermen stayed ashore.\n\nComments are closed.\n\nSubscribe to Newsletter"
    )
    cleaned, _ = clean(text)
    assert cleaned == "The harbour froze overnight.\nFishermen stayed ashore."


def test_an_embedded_post_is_not_story_text():
    text = (
        "The council voted to plant four thousand trees along the main roads on Tuesday.\n\n"
        "Millbrook gets its trees at last. Well done, everyone! https://t.co/Ab12Cd pic.twitter.com/Xy34Zw\n\n"
        "Planting the trees starts in the spring.\n\n"
        "The trees are here, and the shade will follow in a few summers https://t.co/Ef56Gh"
    )
    cleaned, _ = clean(text)
    assert cleaned == (
        "The council voted to plant four thousand trees along the main roads on Tuesday.\n"
        "Planting the trees starts in the spring."
    )
    assert not is_furniture("Read the report at https://t.co/Ab12Cd for the details, the council said, and then vote.")


def test_inline_scroll_down_is_removed():
    cleaned, _ = clean("The ship sank. Scroll down for video The crew was saved.")
    assert "Scroll down" not in cleaned
    assert cleaned == "The ship sank. The crew was saved."


def test_inline_furniture_mid_sentence_breaks_the_line():
    # Joined with a space, a sentence across the gap maps back to a span of the
    # original that still holds "Scroll down for video".
    text = "The new bridge Scroll down for video would open next year."
    cleaned, offsets = clean(text)
    assert cleaned == "The new bridge\nwould open next year."
    start, end = offsets.span_to_original(cleaned.index("would"), len(cleaned))
    assert text[start:end] == "would open next year."


def test_every_offset_maps_back_to_the_same_character():
    text = "Title line\n\n  The  mayor,\tspeaking  late, said “no”.\n\nFollow us on Twitter\nIt rained.\n"
    cleaned, offsets = clean(text, 12)
    for i, ch in enumerate(cleaned):
        if ch not in " \n":
            assert text[offsets.to_original(i)] == ch, (i, ch)
    start = cleaned.index("mayor")
    s, e = offsets.span_to_original(start, start + len("mayor"))
    assert text[s:e] == "mayor"


def test_hard_wrapped_lines_are_joined_but_paragraphs_stay_apart():
    cleaned, _ = clean("The minister said the plan\nwould be ready soon.\nA second line starts here.")
    assert cleaned == "The minister said the plan would be ready soon.\nA second line starts here."


def test_empty_and_furniture_only_texts_give_empty_story():
    assert clean("")[0] == ""
    assert clean("\n\n  \n")[0] == ""
    assert clean("Comments are closed.\nSubscribe to Newsletter")[0] == ""


@pytest.mark.parametrize(
    "text, story",
    [
        ("(CNN)Recently, a judge ruled.", "Recently, a judge ruled."),
        ("LONDON (Reuters) - Prices rose.", "Prices rose."),
        ("PARIS, May 4 (AFP) — It rained.", "It rained."),
        ("Washington (CNN)A senator resigned.", "A senator resigned."),
        ("Kabul, Afghanistan (CNN) -- Talks began.", "Talks began."),
        ("A (CNN) poll found a lead.", "A (CNN) poll found a lead."),
        ("MILLBROOK — The council met.", "The council met."),
        ("EASTHAM, Ont. -- Shares fell.", "Shares fell."),
        ("US — China talks resumed.", "US — China talks resumed."),
        ("NASA — the agency — said so.", "NASA — the agency — said so."),
        ("  (The Hollywood Reporter)Stars came.", "Stars came."),
        ("The (CNN) report was wrong.", "The (CNN) report was wrong."),
        ("(pictured) is the cat.", "(pictured) is the cat."),
    ],
)
def test_wire_dateline_opening_the_story_is_dropped(text, story):
    cleaned, offsets = clean(text)
    assert cleaned == story
    assert text[offsets.to_original(0) :].startswith(story)


def test_a_huge_line_full_of_inline_furniture_is_cleaned_whole():
    """Every piece of furniture on one huge line goes, and only it (how the time grows
    with the line is measured by ``bench/linear_growth.py``)."""
    text = ("word " * 40 + "Scroll down for video ") * 2000
    cleaned, _ = clean(text)
    assert "Scroll" not in cleaned and cleaned.count("\n") == 2000 - 1
    assert cleaned.count("word") == 40 * 2000
