"""The extractive summarizer: which sentences it picks and which it never shows."""

from __future__ import annotations

import re

import pytest

from briefings.inline_furniture import furniture_offsets
from briefings.sentences import candidates
from briefings.summarize import summarize

# A made-up local story with the usual traps of scraped news pages.
STORY = (
    "The town council of Millbrook voted on Tuesday to close the old river bridge after "
    "engineers found deep cracks in its main supports. "
    "The bridge carries about 12,000 vehicles a day between Millbrook and the port of Eastham. "
    "Scroll down for video "
    "Engineers inspect the cracked supports of the bridge (pictured) on Monday morning "
    "Council leader Maria Okafor said the closure would last at least six months while "
    "repairs are carried out. "
    "She added that a temporary ferry service would start next week for commuters. "
    "But that changed nothing for local shops. "
    '"We have lost half our customers already. '
    'Nobody can reach us now," said baker Tom Riley. '
    "But that changed. "
    "Is the bridge safe for pedestrians? "
    "Repairs to the river bridge are expected to cost the council around four million pounds. "
    "The town council of Millbrook voted on Tuesday to close the old river bridge after "
    "engineers found deep cracks in its main supports. "
    "Share this article on Facebook. "
    "Volunteers will sign up for extra shifts at the ferry terminal over the summer. "
    "He said. "
    "Traffic on the ring road is expected to double while the bridge stays closed, the "
    "county's highways department warned."
)


@pytest.fixture(scope="module")
def story(nlp):
    return nlp(STORY)


def _words(spans) -> int:
    return sum(len(re.findall(r"\w+", s.text)) for s in spans)


def test_returns_requested_number_in_article_order(nlp):
    doc = nlp(LEAD)
    spans = summarize(doc, sentences=3)
    assert len(spans) == 3
    starts = [s.start for s in spans]
    assert starts == sorted(starts)
    assert spans[0].text.startswith("A Millbrook woman")


def test_without_a_headline_the_summary_stays_in_the_lead(story):
    """The lead's third sentence is a caption and its fourth leans on a name inside it:
    the summary is the two usable lead sentences, not padded from far down the story."""
    texts = [s.text for s in summarize(story, sentences=3)]
    assert len(texts) == 2
    assert texts[0].startswith("The town council of Millbrook voted")
    assert texts[1].startswith("The bridge carries")


def test_the_headline_may_reach_below_the_lead(story):
    texts = [s.text for s in summarize(story, sentences=3, title="Ferry to replace Millbrook bridge over the summer")]
    assert any(t.startswith("Volunteers will sign up for extra shifts at the ferry") for t in texts)


def test_the_lead_grows_with_the_summary(story):
    """A longer summary asked for is a longer lead: the window is not a fixed cap."""
    assert not any(s.text.startswith("Repairs to the river") for s in summarize(story, sentences=3))
    assert any(s.text.startswith("Repairs to the river") for s in summarize(story, sentences=10))


def test_a_lead_with_nothing_to_show_still_gives_a_summary(nlp):
    doc = nlp(
        "Is this the end of the high street? "
        '"We never expected it. '
        'Nobody did," one shopkeeper said. '
        "Who is to blame? "
        "The council closed four of the town's car parks in March to build new flats on them. "
        "Traders say the number of shoppers has fallen by a third since the car parks closed."
    )
    texts = [s.text for s in summarize(doc, sentences=3)]
    assert texts and texts[0].startswith("The council closed four")


def test_one_and_many_sentences(story):
    assert len(summarize(story, sentences=1)) == 1
    many = summarize(story, sentences=20)
    assert 3 < len(many) < 20  # only the usable sentences, never padding
    assert summarize(story, sentences=0) == []


def test_word_budget(nlp):
    doc = nlp(LEAD)
    spans = summarize(doc, words=45)
    assert spans
    assert _words(spans) <= 45
    longer = summarize(doc, words=120)
    assert _words(longer) > _words(spans)


def test_word_budget_smaller_than_any_sentence_still_gives_one(story):
    spans = summarize(story, words=3)
    assert len(spans) == 1
    assert summarize(story, words=0) == []


def test_heading_without_punctuation_stays_out_of_the_next_paragraph(nlp):
    doc = nlp(
        "Storm damage in the valley\n\n"
        "Heavy rain flooded more than two hundred homes in the valley overnight, the fire "
        "service said on Wednesday.\n\n"
        "Roads into the villages stayed closed as crews pumped water from the worst hit streets."
    )
    texts = [s.text for s in summarize(doc, sentences=3)]
    assert texts[0].startswith("Heavy rain flooded")
    assert not any("Storm damage" in t for t in texts)


def test_near_duplicates_are_dropped(story):
    texts = [s.text for s in summarize(story, sentences=20)]
    assert sum(t.startswith("The town council of Millbrook voted") for t in texts) == 1


def test_furniture_and_caption_run_ons_never_shown(story):
    for s in summarize(story, sentences=20):
        assert "Scroll down" not in s.text
        assert "(pictured)" not in s.text
        assert "Share this" not in s.text
        assert "Engineers inspect" not in s.text


def test_prose_that_shares_words_with_furniture_is_kept(story):
    kept = [story[c.start : c.end].text for c in candidates(story) if c.usable]
    assert any(t.startswith("Volunteers will sign up") for t in kept)


def test_caption_glued_to_a_sentence_is_cut_off(nlp):
    doc = nlp(
        "Firefighters rescued two hikers from the flooded valley on Sunday. "
        "A rescue team reaches the stranded hikers near the waterfall "
        "The hikers had been trapped on a ledge for nine hours before the helicopter arrived. "
        "Both were taken to hospital with mild hypothermia."
    )
    texts = [s.text for s in summarize(doc, sentences=5)]
    assert any(t.startswith("The hikers had been trapped") for t in texts)
    assert not any("rescue team reaches" in t for t in texts)


def test_caption_run_on_without_a_clean_tail_is_rejected_but_titles_are_not(nlp):
    doc = nlp(
        "Rescuers reached the stranded climbers on the north face after a long night on the "
        "mountain The first light of dawn over the glacier above the camp. "
        "The family watched The Sound of Music on television while they waited for news."
    )
    assert [c.reason for c in candidates(doc)] == ["caption run-on", None]


def test_the_sentence_after_a_glued_caption_is_kept_where_the_parser_folded_it_in(nlp):
    """ "... was stolen An eight-year-old boy ...": "An" before a lower-case word opens a
    sentence, so the tail is the story's lead even where the parse runs the caption on."""
    for text, tail in (
        (
            "Rescuers reached the stranded climbers on the north face after a long night on the "
            "mountain The weather had turned quickly and nobody could see the path, one guide said.",
            "The weather had turned quickly",
        ),
        (
            "Deputies said the girl fell asleep in the back of the van and was driven off when the "
            "van was stolen An eleven-year-old girl who took a nap in the back of her mother's van, "
            "apparently slept through her own abduction after the van was taken from outside a shop.",
            "An eleven-year-old girl",
        ),
        (
            "Deputies said the girl fell asleep in the back of the van and was driven off when the "
            "van was stolen A seven-year-old girl who took a nap in the back of her mother's van, "
            "apparently slept through her own abduction after the van was taken from outside a shop.",
            "A seven-year-old girl",
        ),
        (
            "Officers said the toddler dozed off in the back seat and was taken when the truck was "
            "stolen The three-year-old boy who fell asleep in his father's truck, apparently slept "
            "through the theft after the truck was driven away from a petrol station.",
            "The three-year-old boy",
        ),
    ):
        doc = nlp(text)
        first = candidates(doc)[0]
        assert first.reason is None
        assert doc[first.start : first.end].text.startswith(tail)


def test_a_capitalised_article_or_no_inside_a_name_is_no_seam(nlp):
    doc = nlp(
        "Children who lack vitamin A are more likely to go blind, the doctors said in their report. "
        "Mr Mallon joined the Yes campaign after rejecting overtures from No campaigners. "
        "Davis had lost her only meeting with Bouchard, but was in control against the world No 7."
    )
    assert [(c.reason, c.start) for c in candidates(doc)] == [(None, s.start) for s in doc.sents]


def test_title_case_headings_and_references_are_not_summary_sentences_but_names_are(nlp):
    doc = nlp(
        "Mapping River Floods Using Satellite Radar Images. "
        "Kim Collins ran in Birmingham at the World Indoor Championships in March. "
        "Engineers in Millbrook have mapped the river floods of the last ten winters."
    )
    reasons = [c.reason for c in candidates(doc)]
    assert reasons == ["title case", None, None]


def test_a_verb_the_tagger_calls_a_noun_still_makes_a_sentence(nlp):
    # The small model tags "recounts" NNS and "sang" NN; the parse still gives them a
    # subject or an object, so these are sentences, unlike a verbless credit line.
    doc = nlp(
        "Richie Benaud has died at the age of 84. "
        "Here, Sportsmail recounts ten of his finest moments from his broadcasting career. "
        "Claude Errera, editor of fansite Halo."
    )
    assert [c.reason for c in candidates(doc)] == [None, None, "no verb"]
    doc = nlp(
        "The singer was in fine voice at the stadium in Miami. "
        "The 62-year-old sang Hey Jude and other Beatles songs in a 12-minute set at half-time."
    )
    assert [c.reason for c in candidates(doc)] == [None, None]


def test_a_labelled_caption_restated_by_the_sentence_glued_to_it_is_cut_off(nlp):
    """The caption ("Back home: Firefighters in Eastham rescued ...") runs into the
    sentence that it restates, which opens with the same words after the label: the
    sentence is kept, the caption and its label are not."""
    doc = nlp(
        "Back home: Firefighters in Eastham rescued a family of four from the flooded road on Friday night "
        "Firefighters in Eastham said the family had been trapped in their car for two hours. "
        "The road has reopened."
    )
    usable = [doc[c.start : c.end].text for c in candidates(doc) if c.usable]
    assert usable == ["Firefighters in Eastham said the family had been trapped in their car for two hours."]


def test_a_sentence_may_end_in_an_abbreviation_but_not_in_a_title(nlp):
    """The full stop of "£1.2m." or "Jr." that the tokenizer keeps with the word ends
    the sentence too; a title's ("Dr.") never does, as a name follows it."""
    doc = nlp(
        "Shares in the Millbrook Building Society fell after it said its losses had deepened to £3.4m "
        "in 2004 from £1.2m.\n"
        "The band toured for ten years with the country singer Hank Porter Jr.\n"
        "The study of the water in the lake was led by the Dr.\n"
        "Maria Okafor said the water was clean."
    )
    reasons = {doc[c.start : c.end].text[-6:]: c.reason for c in candidates(doc)}
    assert reasons["£1.2m."] is None
    assert reasons["er Jr."] is None
    assert reasons["he Dr."] == "no final punctuation"


def test_a_heading_in_capitals_before_a_colon_is_cut_off(nlp):
    """A page's section label ("KEEPING SCORE:", "WHAT'S NEXT:") is no part of the
    sentence it opens, even where the parser read them as one: the sentence is kept
    without it."""
    doc = nlp(
        "Shares in Millbrook fell sharply on Monday. KEEPING SCORE: In Eastham, the local index lost 1.9 "
        "per cent to 4,210 and the port's shipping index added 0.4 per cent to 812."
    )
    texts = [d.text for d in summarize(doc, sentences=3)]
    assert texts[1].startswith("In Eastham, the local index lost")


def test_a_one_word_caption_label_is_a_label_even_when_it_is_a_participle(nlp):
    doc = nlp(
        "Wanted: Police in Millbrook have issued a warrant for the arrest of a karate teacher "
        "who is charged with fraud. The county police said on Friday that the teacher had left."
    )
    assert [c.reason for c in candidates(doc)] == ["caption label", None]


def test_no_dangling_or_question_or_fragment(story):
    spans = summarize(story, sentences=20)
    texts = [s.text for s in spans]
    assert "He said." not in texts
    assert "But that changed." not in texts
    assert not any(t.endswith("?") for t in texts)
    # A sentence opening with a connective only comes right after its predecessor.
    for prev, cur in zip(texts, texts[1:]):
        if cur.startswith("But that changed nothing"):
            assert prev.startswith("She added")
    short = [s.text for s in summarize(story, sentences=3)]
    assert not any(t.startswith(("But ", "She ")) for t in short)


def test_connective_and_pronoun_need_their_context(nlp):
    doc = nlp(
        "The city zoo welcomed a baby giraffe on Friday after a fifteen-month pregnancy. "
        "Keepers said the calf stood up within an hour of its birth and was feeding well. "
        "However, the zoo will keep the enclosure closed to visitors for two more weeks. "
        "She weighed 60 kilograms at birth and is already 1.8 metres tall, keepers said."
    )
    cands = {c.index: c for c in candidates(doc)}
    assert cands[2].needs_previous
    assert cands[3].pronoun == "person"
    one = summarize(doc, sentences=1)
    assert not one[0].text.startswith(("However", "She"))
    for n in (2, 3):
        texts = [s.text for s in summarize(doc, sentences=n)]
        if any(t.startswith("However") for t in texts):
            assert any(t.startswith("Keepers said") for t in texts)


def test_bare_quote_fragments_never_shown(story):
    for s in summarize(story, sentences=20):
        assert not s.text.startswith('"We have lost')
        assert not s.text.startswith("Nobody can reach")
        assert s.text.count('"') % 2 == 0


def test_attributed_quote_is_usable(nlp):
    doc = nlp(
        "The festival drew a record crowd of 40,000 people to the harbour this weekend. "
        '"It was the busiest weekend we have ever had in the harbour," organiser Priya Shah said.'
    )
    reasons = [c.reason for c in candidates(doc)]
    assert reasons == [None, None]


def test_quote_mark_inside_a_token_closes_the_quotation(nlp):
    doc = nlp(
        'Fans of "Star Trek"-style gadgets lined up for hours outside the shop on Saturday morning. '
        "The first buyers walked out with the new handsets shortly after nine o'clock."
    )
    assert [c.reason for c in candidates(doc)] == [None, None]


def test_headline_steers_the_choice(nlp):
    doc = nlp(
        "Residents of Fairview gathered at the community hall on Monday evening for the "
        "annual meeting of the neighbourhood association. "
        "Members voted by a large majority to oppose the planned motorway extension "
        "through the Fairview wetlands. "
        "The evening opened with a report on the new playground built last spring by volunteers. "
        "The group will send its objection to the transport ministry before the deadline."
    )
    plain = summarize(doc, sentences=1)
    assert "motorway" not in plain[0].text
    spans = summarize(doc, sentences=1, title="Fairview residents vote to oppose motorway extension")
    assert "motorway" in spans[0].text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "Police closed the main road on Friday after a lorry overturned near the station.",
        "short",
        # One long paragraph with no sentence punctuation at all.
        " ".join(["the committee met again and nothing was decided about the budget"] * 30),
        "Breaking news",
        "What happens next?",
    ],
)
def test_degenerate_documents_do_not_crash(nlp, text):
    doc = nlp(text)
    spans = summarize(doc, sentences=3)
    assert len(spans) <= 3
    assert summarize(doc, words=20) is not None


def test_one_sentence_document(nlp):
    doc = nlp("Police closed the main road on Friday after a lorry overturned near the station.")
    spans = summarize(doc)
    assert [s.text for s in spans] == [doc.text]


def test_caption_brackets_are_furniture_but_names_are_not():
    text = "Elsa (left) with Anna. Jo Dale (seated on the sofa) smiles. The (Left Bloc) party won."
    found = [text[i : i + 6] for i in furniture_offsets(text)]
    assert found == ["(left)", "(seate"]


def test_contributor_credits_are_furniture():
    text = "Sarah Lee and Tom Ruiz in Millbrook contributed to this story. The bridge closed on Tuesday."
    assert [text[i : i + 11] for i in furniture_offsets(text)] == ["contributed"]


def test_notes_about_where_a_piece_appeared_and_affiliate_disclosures_are_furniture():
    text = (
        "This story was originally published by the Millbrook Herald and is shared with permission. "
        "The bridge closed on Tuesday. "
        "The Daily Planet has affiliate relationships with some shops and may earn a commission on sales. "
        "The study, first published in a journal, found the river was cleaner."
    )
    found = sorted(text[i : i + 14] for i in furniture_offsets(text))
    assert found == ["This story was", "affiliate rela", "may earn a com"]


def test_review_copy_disclosures_and_audio_player_prompts_are_furniture():
    text = (
        "The game was reviewed using a retail copy provided by the publisher. "
        "Listen to the podcast on the player above. "
        "Critics who listen to the music say the review of the band was fair."
    )
    found = sorted(text[i : i + 12] for i in furniture_offsets(text))
    assert found == ["Listen to th", "reviewed usi"]


def test_notes_about_a_comment_piece_and_its_author_are_furniture():
    text = (
        "Editor's note: Jane Abara teaches history at Millbrook College. "
        "The opinions expressed in this commentary are solely hers. "
        "The council's note on the bridge repairs expressed concern about the cost."
    )
    found = sorted(text[i : i + 12] for i in furniture_offsets(text))
    assert found == ["Editor's not", "expressed in"]


def test_furniture_offsets():
    text = (
        "PUBLISHED: 10:01 EST, 2 May 2014. He met her at 10:30 in a snap photo. Getty Images. "
        "They were accused of copyright theft."
    )
    found = sorted(text[i : i + 9] for i in furniture_offsets(text))
    assert found == ["10:01 EST", "Getty Ima", "PUBLISHED"]


def test_pronoun_speaker_needs_a_named_person_before_it(nlp):
    doc = nlp(
        "The city's only tram line will close for three months from May so that worn rails "
        "can be replaced across the whole network, the transport office announced. "
        "Transport director Helen Marsh said the closure could not be avoided any longer. "
        '"We have repaired these rails for years and there is nothing left to repair," she '
        "told reporters at the depot on Monday. "
        "Replacement buses will run every ten minutes along the tram route during the works."
    )
    for n in range(1, 5):
        texts = [s.text for s in summarize(doc, sentences=n)]
        for k, t in enumerate(texts):
            if "she told reporters" in t:
                assert k > 0 and texts[k - 1].startswith("Transport director Helen Marsh")


LEAD = (
    "A Millbrook woman has become the first person to swim the length of the river in a single day. "
    "Jane Abara, a 34-year-old teacher, left the source at dawn and reached the estuary at dusk. "
    "She said the cold water in the upper valley had been the hardest part of the swim. "
    "The river is about forty miles long and falls steeply through the hills above the town. "
    "Local swimming clubs have tried the route several times since the nineteen seventies."
)


def test_the_usable_lead_is_trusted(nlp):
    """The first three usable sentences, a pronoun right after its predecessor included."""
    doc = nlp(LEAD)
    texts = [s.text for s in summarize(doc, sentences=3)]
    assert texts[0].startswith("A Millbrook woman")
    assert texts[1].startswith("Jane Abara")
    assert texts[2].startswith("She said")


def test_a_sentence_repeating_the_standfirst_is_not_spent(nlp):
    doc = nlp(LEAD)
    dek = "Jane Abara, a 34-year-old teacher, swam from the source at dawn to the estuary at dusk"
    texts = [s.text for s in summarize(doc, sentences=3, dek=dek)]
    assert all(not t.startswith("Jane Abara") for t in texts)
    assert texts[0].startswith("A Millbrook woman")


def test_a_sentence_repeating_the_headline_is_not_spent(nlp):
    doc = nlp("Millbrook teacher swims the whole river in a single day. " + LEAD)
    texts = [
        s.text for s in summarize(doc, sentences=2, title="Millbrook teacher swims the whole river in a single day")
    ]
    assert all("swims the whole river" not in t for t in texts)


def test_the_opening_sentence_leans_on_nothing(nlp):
    """ "This ..." or "But ..." opening an article has no predecessor to need."""
    doc = nlp(
        "This old lighthouse keeper has spent forty winters alone on the rock off Carrick Point. "
        "Tom Reilly, 71, took the job in 1984 and has missed only two nights since then. "
        "The coastguard will replace him with an automatic lamp next spring."
    )
    assert candidates(doc)[0].needs_previous  # the connective is seen...
    texts = [s.text for s in summarize(doc, sentences=3)]
    assert texts[0].startswith("This old lighthouse keeper")  # ...but leans on nothing


@pytest.mark.parametrize(
    "furniture",
    [
        "By . Jane Abara . Follow @@janeabara . ",
        "By . Staff Reporter . Last updated at 3:32 PM on 12th November 2011 . ",
        "By . Press Association . ",
    ],
)
def test_the_lead_starts_at_the_story_not_at_the_byline(nlp, furniture):
    """A byline and its timestamps, split into several "sentences" ("By .", "Jane
    Abara .", "Follow @@..."), are not sentences of the story: they do not use up the
    lead, so the summary is still the story's first three sentences."""
    doc = nlp(furniture + LEAD)
    texts = [s.text for s in summarize(doc, sentences=3)]
    assert len(texts) == 3
    assert texts[0].startswith("A Millbrook woman")
    assert texts[2].startswith("She said")
