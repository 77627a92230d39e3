"""Who said what on the bundled seed article, through the project's own loader and cleaner."""

from __future__ import annotations

import pytest

from briefings.loading import load_file
from briefings.quotes import extract_quotes


@pytest.fixture(scope="module")
def seed(nlp, seed_path):
    article = load_file(seed_path)
    return article, extract_quotes(nlp(article.text))


def said_by(quotes, name):
    return [q for q in quotes if q.speaker == name]


def has(quotes, fragment):
    return any(fragment in q.text for q in quotes)


def test_offsets_point_into_the_body(seed):
    article, quotes = seed
    for q in quotes:
        assert article.text[q.start : q.end] == q.text
        assert q.speaker_start is not None
        assert q.speaker_kind == "person"


def test_joe_biden(seed):
    article, quotes = seed
    biden = said_by(quotes, "Joe Biden")
    assert has(biden, "at the right time and situation")
    assert has(biden, "ultimate goal was the complete denuclearisation")
    assert has(biden, "under no illusions")
    assert has(biden, "would serve as a special US envoy")
    assert has(biden, "on entirely different terms")
    assert has(biden, "I would not do what had been done in the recent past")
    envoy = next(q for q in biden if "entirely different terms" in q.text)
    assert envoy.role == "US president"
    assert article.text[envoy.speaker_start : envoy.speaker_end] == "Biden"
    for q in biden:
        assert article.text[q.speaker_start : q.speaker_end] in {"Joe Biden", "Biden"}


def test_unclosed_quotation_stops_before_the_narration(seed):
    _, quotes = seed
    q = next(q for q in quotes if q.text.startswith("We both are deeply concerned"))
    assert q.speaker == "Joe Biden"
    assert "willingness" in q.text
    assert "Biden added" not in q.text and "Sung Kim" not in q.text


def test_moon_jae_in(seed):
    _, quotes = seed
    moon = said_by(quotes, "Moon Jae-in")
    assert has(moon, "appointment reflects the firm commitment of the US")
    assert has(moon, "he expected a positive response")


def test_sung_kim_and_kim_jong_un_stay_apart(seed):
    _, quotes = seed
    speakers = {q.speaker for q in quotes}
    assert "Kim" not in speakers
    assert not any("Kim" in s and "Jong" in s and "Sung" in s for s in speakers)
    assert speakers <= {"Joe Biden", "Moon Jae-in"}


def test_a_surname_the_tagger_took_for_an_organisation_is_still_the_person(nlp):
    """In the harbour seed the entity tagger reads "Brandt added ..." as an organisation;
    after "Mayor Alicia Brandt" it is her, and "the city" later is not "Brandt"."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "seeds" / "harbour-bridge-closure.txt").read_text()
    text = text.replace(
        "Brandt added that the city would ask the national government to cover part of the bill.",
        "Brandt added that the repairs were urgent. The city urged the national government to cover the bill.",
    )
    doc = nlp(text)
    assert any(e.text == "Brandt" and e.label_ == "ORG" for e in doc.ents), "the tagger's slip this test is about"
    quotes = extract_quotes(doc)
    assert said_by(quotes, "Alicia Brandt") and has(said_by(quotes, "Alicia Brandt"), "repairs were urgent")
    assert not said_by(quotes, "Brandt")
