"""Quote extraction, one construction at a time, on sentences written for these tests."""

from __future__ import annotations

import pytest

from briefings.quotes import extract_quotes
from briefings.quotes.marks import find_marked


def quotes(nlp, text):
    return extract_quotes(nlp(text))


def only(qs, fragment):
    found = [q for q in qs if fragment in q.text]
    assert len(found) == 1, [(q.speaker, q.text) for q in qs]
    return found[0]


def check_offsets(text, qs):
    for q in qs:
        assert text[q.start : q.end] == q.text
        if q.speaker_start is not None:
            assert 0 <= q.speaker_start < q.speaker_end <= len(text)


# -- quotation marks -------------------------------------------------------------------


def test_straight_and_curly_marks(nlp):
    text = (
        '"The bridge will open in June," said Maria Lopez, the city engineer.\n\n'
        "\u201cWe are ready for the traffic,\u201d Lopez added."
    )
    qs = quotes(nlp, text)
    check_offsets(text, qs)
    first = only(qs, "bridge will open")
    assert first.kind == "direct" and first.speaker == "Maria Lopez"
    assert first.text == "The bridge will open in June"
    second = only(qs, "ready for the traffic")
    assert second.speaker == "Maria Lopez"
    assert text[second.speaker_start : second.speaker_end] == "Lopez"


def test_several_sentences_in_one_quotation(nlp):
    text = (
        'Tom Becker runs the ferry. "The river froze early. We lost two weeks of trips. '
        'Nobody expected it," Becker said.'
    )
    q = only(quotes(nlp, text), "river froze")
    assert q.text.endswith("Nobody expected it")
    assert q.speaker == "Tom Becker"


def test_quotation_running_over_paragraphs(nlp):
    text = (
        'Anna Berg, a farmer, described the storm. "The wind took the roof off the barn.\n\n'
        '"Then the rain came through and soaked the hay," she said.'
    )
    marks = find_marked(text)
    assert [m.continued for m in marks] == [True, False]
    qs = quotes(nlp, text)
    assert only(qs, "wind took the roof").speaker == "Anna Berg"
    assert only(qs, "rain came through").speaker == "Anna Berg"


def test_unclosed_quotation_stops_at_narration(nlp):
    text = (
        "Mayor Ellen Park spoke at the harbour. \u201cWe will rebuild the pier. It will take a year. "
        "Park said that the council had approved the money. The pier was built in 1910. "
        "Tourists still visit it every summer."
    )
    qs = quotes(nlp, text)
    check_offsets(text, qs)
    q = only(qs, "rebuild the pier")
    assert "council" not in q.text and "1910" not in q.text
    assert q.speaker == "Ellen Park"
    reported = only(qs, "council had approved")
    assert reported.kind == "indirect" and reported.speaker == "Ellen Park"


def test_unclosed_mark_does_not_swallow_next_paragraphs(nlp):
    text = (
        "\u201cThis is unfair, the coach said after the game.\n\n"
        "The league will review the match on Monday. Fans left early."
    )
    qs = quotes(nlp, text)
    assert all("league" not in q.text for q in qs)


def test_short_scare_quotes_are_not_quotes(nlp):
    text = 'The so-called "smart" meters were installed last year across the region.'
    assert quotes(nlp, text) == []


def test_titles_of_works_between_marks_are_not_quotes(nlp):
    text = (
        'The actor, who starred in "Harvest Moon Over Millbrook" last year, won the award on Sunday. '
        'Her memoir, "Lights Along the River Road," sold well.\n\n'
        '"I never expected to win," Ana Ruiz said. "Winning is a strange feeling tonight."'
    )
    qs = quotes(nlp, text)
    assert [q.text for q in qs if "Harvest" in q.text or "Lights" in q.text] == []
    assert only(qs, "never expected").speaker == "Ana Ruiz"
    # a cue that governs a title-cased quotation keeps it: a slogan someone said
    qs = quotes(nlp, 'Ana Ruiz said "Trees For Every Street" at the rally on Sunday.')
    assert [q.text for q in qs] == ["Trees For Every Street"]


# -- reported speech -------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, fragment",
    [
        ("Jane Doyle said that the clinic would close in March.", "the clinic would close in March"),
        ("Jane Doyle said the clinic would close in March.", "the clinic would close in March"),
        ("Jane Doyle told reporters the clinic would close in March.", "the clinic would close in March"),
        ("Jane Doyle warned that the clinic would close in March.", "the clinic would close in March"),
        ("Jane Doyle explained that the clinic would close in March.", "the clinic would close in March"),
        ("The clinic would close in March, Jane Doyle said.", "clinic would close in March"),
        ("The clinic would close in March, said Jane Doyle.", "clinic would close in March"),
    ],
)
def test_reported_speech(nlp, sentence, fragment):
    qs = quotes(nlp, sentence)
    check_offsets(sentence, qs)
    q = only(qs, fragment)
    assert q.kind == "indirect"
    assert q.speaker == "Jane Doyle"
    assert sentence[q.speaker_start : q.speaker_end] == "Jane Doyle"


def test_according_to(nlp):
    text = "According to the health ministry, the outbreak has peaked."
    q = only(quotes(nlp, text), "outbreak has peaked")
    assert q.cue == "according to"
    assert q.speaker_kind == "organization"


def test_adding_borrows_the_subject(nlp):
    text = "Coach Sam Reid said the team played well, adding that the goalie was the star."
    qs = quotes(nlp, text)
    assert only(qs, "goalie was the star").speaker == "Sam Reid"


def test_a_report_joined_by_and_is_not_part_of_the_first_speaker_s_words(nlp):
    text = (
        "Freight companies said that about 40 vessels were waiting to unload, and shipping analysts "
        "estimated that the backlog would take at least a month to clear."
    )
    q = only(quotes(nlp, text), "40 vessels")
    assert q.text == "that about 40 vessels were waiting to unload"
    text = "The agency says the target is met in most cases but Dana Hill says that is not what crews see."
    qs = quotes(nlp, text)
    assert only(qs, "target is met").text.endswith("most cases")
    assert only(qs, "not what crews see").speaker == "Dana Hill"


def test_a_cue_after_a_preposition_borrows_the_subject_of_its_clause(nlp):
    text = (
        'Senator Tim Scott said the party was united. "We will win," Scott said.\n\n'
        'On Tuesday, Mayor Ana Ruiz deflected questions about the budget before saying, "It is time to move on."'
    )
    assert only(quotes(nlp, text), "time to move on").speaker == "Ana Ruiz"


def test_partial_quote_inside_reported_speech(nlp):
    text = "Peter Olsen said the new budget was \u201ca step backwards\u201d for rural schools."
    qs = quotes(nlp, text)
    check_offsets(text, qs)
    q = only(qs, "step backwards")
    assert q.kind == "partial"
    assert q.speaker == "Peter Olsen"
    assert "budget" in q.text


def test_nested_report_has_its_own_speaker(nlp):
    text = "Lena Frost said critics are wrong when they say the plan costs too much."
    qs = quotes(nlp, text)
    assert only(qs, "critics are wrong").speaker == "Lena Frost"
    inner = [q for q in qs if q.text.startswith("the plan costs")]
    assert [q.speaker for q in inner] == ["critics"]


def test_nested_report_without_a_speaker_is_dropped(nlp):
    text = "Lena Frost said the rumours were false, whatever they say about the plan."
    qs = quotes(nlp, text)
    assert [q.speaker for q in qs] == ["Lena Frost"]


# -- speakers ---------------------------------------------------------------------------


def test_title_is_kept_apart_from_the_name(nlp):
    text = (
        "Canadian finance minister Rachel Stone said the deficit would shrink. "
        "Later the minister said that taxes would not rise."
    )
    qs = quotes(nlp, text)
    first = only(qs, "deficit would shrink")
    assert first.speaker == "Rachel Stone"
    assert first.role and "minister" in first.role
    second = only(qs, "taxes would not rise")
    assert second.speaker == "Rachel Stone"


def test_pronoun_resolves_to_the_person_the_story_is_about(nlp):
    text = "Hugo Martin has farmed the valley for forty years. He said that the drought was the worst he had seen."
    q = only(quotes(nlp, text), "drought was the worst")
    assert q.speaker == "Hugo Martin"
    assert text[q.speaker_start : q.speaker_end] == "Hugo Martin"


def test_one_canonical_name_per_person(nlp):
    text = (
        "Senator Olivia Grant spoke on Monday. \u201cWe need the votes,\u201d Grant said. "
        "Senator Grant added that the bill would pass."
    )
    names = {q.speaker for q in quotes(nlp, text)}
    assert names == {"Olivia Grant"}


def test_people_sharing_a_name_stay_apart(nlp):
    text = (
        "Park Ji Hoon, the union leader, met the ambassador Daniel Park. "
        "Daniel Park said that talks would resume. "
        "\u201cWe are not giving up,\u201d Park Ji Hoon said."
    )
    qs = quotes(nlp, text)
    assert only(qs, "talks would resume").speaker == "Daniel Park"
    assert only(qs, "not giving up").speaker == "Park Ji Hoon"


def test_uncued_quotation_continues_the_previous_speaker(nlp):
    text = '"The harvest was poor," said Ruth Adler.\n\n"We will plant earlier next spring and hope for rain."'
    qs = quotes(nlp, text)
    assert only(qs, "plant earlier").speaker == "Ruth Adler"


def test_organisations_and_unnamed_sources(nlp):
    text = (
        "The Transport Department said that the line would reopen on Friday. "
        "Officials said the repairs cost more than expected."
    )
    qs = quotes(nlp, text)
    org = only(qs, "line would reopen")
    assert org.speaker_kind == "organization" and "Transport Department" in org.speaker
    src = only(qs, "repairs cost")
    assert src.speaker_kind == "source" and src.speaker.lower() == "officials"


def test_empty_and_quote_free_text(nlp):
    assert quotes(nlp, "") == []
    assert quotes(nlp, "The river is long. It flows to the sea.") == []


def test_transcript_turns(nlp):
    text = (
        "Host Carla Mendes interviewed the mayor, Paul Ortiz, on Sunday.\n\n"
        "MENDES: Will the bridge reopen this year?\n\n"
        "ORTIZ: We expect it to reopen in October, and the council agrees.\n\n"
        "READ MORE: Bridge closure timeline\n\n"
        "UPDATE: The council voted on Monday."
    )
    qs = quotes(nlp, text)
    check_offsets(text, qs)
    assert only(qs, "bridge reopen").speaker == "Carla Mendes"
    turn = only(qs, "reopen in October")
    assert turn.speaker == "Paul Ortiz" and turn.kind == "direct"
    assert not any("timeline" in q.text or "voted" in q.text for q in qs)


def test_organisation_named_again_by_its_head_noun(nlp):
    text = (
        "The regional water authority said on Monday that reservoirs were half full. "
        "The authority added that restrictions would start in July."
    )
    qs = quotes(nlp, text)
    assert only(qs, "reservoirs").speaker == only(qs, "restrictions").speaker == "regional water authority"


def test_fragment_belongs_to_the_verb_that_governs_it(nlp):
    text = (
        "Councillor Ann Wu called the plan \u201ca costly mistake\u201d on Monday, "
        "and Mayor Tom Price said the council would vote anyway."
    )
    qs = quotes(nlp, text)
    assert only(qs, "costly mistake").speaker == "Ann Wu"
    assert only(qs, "council would vote").speaker == "Tom Price"


def test_bare_quantifier_names_nobody(nlp):
    # "Many say": a bare quantifier is not a source a reader could weigh (issue 9).
    text = "Many say the new stadium will never be finished on time."
    q = only(quotes(nlp, text), "stadium will never be finished")
    assert q.speaker is None


def test_unnamed_group_described_is_a_source(nlp):
    text = "Many of the fans say the new stadium will never be finished on time."
    q = only(quotes(nlp, text), "stadium will never be finished")
    assert q.speaker_kind == "source" and "fans" in q.speaker


def test_attribution_at_the_end_survives_a_bad_parse(nlp):
    text = (
        "That is not just a problem for the families who are affected, but for the town at large, argued Nadia Haddad."
    )
    q = only(quotes(nlp, text), "problem for the families")
    assert q.speaker == "Nadia Haddad"
    assert "argued" not in q.text


def test_reversed_opening_mark(nlp):
    text = "The founder replied on Twitter: \u201dWe are landing rockets. Who else is?\u201d"
    assert only(quotes(nlp, text), "landing rockets").text.startswith("We are landing")
    # ... and inside brackets, after an aside
    text = (
        "He gets to keep his personal riffs (\u201dWorry is a scalar, fear is a vector\u201d) "
        "but must clear any deal with the board first."
    )
    assert only(quotes(nlp, text), "scalar").text.startswith("Worry is a scalar")


def test_studies_report_findings_but_people_finding_keys_do_not(nlp):
    text = (
        "A study by the Lakeside Institute found that commuters lose nine days a year in traffic. "
        "Maria found that her keys were missing."
    )
    qs = quotes(nlp, text)
    assert only(qs, "commuters lose").speaker_kind == "organization"
    assert not any("keys" in q.text for q in qs)


def test_heading_run_into_the_next_paragraph_is_not_the_speaker(nlp):
    text = (
        "The suspect fled on foot.\n\n"
        "WATCH: Fire crews rescue a cat from a tree\n\n"
        "Investigators described the chase as dangerous and said the suspect drove at twice the limit."
    )
    q = only(quotes(nlp, text), "twice the limit")
    assert q.speaker.lower() == "investigators"


def test_attribution_in_a_long_sentence_after_the_quotation(nlp):
    text = (
        'MARKETS: "Nobody wants to move before the central bank does. Who would?" '
        "Lena Park, a senior strategist for the region at a large Dutch bank, said in a note."
    )
    q = only(quotes(nlp, text), "Nobody wants to move")
    assert q.speaker == "Lena Park"


def test_two_character_quotation_marks_are_double_marks():
    """Some archives and wire feeds type ''...'' (or ``...'') for quotation marks."""

    text = "''We will not close the school,'' said Maria Lopez. ``It stays open,'' she added. Mr. Lopez's car."
    assert [text[m.start : m.end] for m in find_marked(text)] == ["We will not close the school", "It stays open"]


def test_a_quotation_in_two_character_marks_is_a_direct_quote(nlp):
    text = "''We will not close the school,'' said Maria Lopez, the head of the board. ''Not this year.''"
    qs = extract_quotes(nlp(text))
    assert [(q.kind, q.speaker) for q in qs if "close the school" in q.text] == [("direct", "Maria Lopez")]


def test_a_phrase_before_a_colon_and_quotation_is_not_what_was_said(nlp):
    """ "In its statement, X said: "..."": the cue opens the quotation after the colon;
    the phrase before the comma is where it was said, not a tail-attributed clause."""
    text = (
        "The firm closed its last mill on Monday.\n\n"
        "In a two-page letter sent to employees, Northway Paper said: "
        '"This closure ... [is] the end of a long story for the town."'
    )
    qs = quotes(nlp, text)
    assert not [q for q in qs if "letter sent to employees" in q.text], [(q.kind, q.text) for q in qs]
    q = only(qs, "end of a long story")
    assert (q.kind, q.speaker) == ("direct", "Northway Paper")


def test_saying_no_when_asked_does_not_report_the_question(nlp):
    text = (
        "Maria Lopez met the council on Tuesday. She did not rule out a delay.\n\n"
        "But she shook her head and said no when reporters asked if the clinic would close before the summer."
    )
    assert not [q for q in quotes(nlp, text) if "clinic would close" in q.text]


def test_a_clause_cut_after_an_abbreviated_title_runs_on_through_the_name(nlp):
    """The parser may end a sentence at "Sgt." before a name; the reported clause goes on."""
    text = (
        "The inquiry heard from four witnesses.\n\n"
        "According to the coroner, a statement given by Sgt. Paul Harding showed the car was moving fast."
    )
    q = only(quotes(nlp, text), "a statement given by")
    assert q.text.endswith("the car was moving fast") and q.speaker == "coroner"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"We are done here," said Sgt. Paul Harding of the provincial police.', "Paul Harding"),
        ("The two hikers were found alive near the ridge, according to Supt. Anne Roy.", "Anne Roy"),
        (
            'Lopez said the port would stay shut.\n\n"Nothing moves before Monday," said harbour spokesman Capt. '
            "Omar Haddad, who was asked about the storm.",
            "Omar Haddad",
        ),
    ],
)
def test_an_abbreviated_title_does_not_end_the_sentence_before_the_name(nlp, text, speaker):
    doc = nlp(text)
    assert [q.speaker for q in doc._.quotes][-1] == speaker


def test_a_sentence_with_an_object_after_a_quotation_is_not_its_speech_tag(nlp):
    """A quotation inside narration, then a sentence of its own whose verb has an object:
    that sentence's subject did not say the words. A bare tag after a quotation that opens
    its sentence still names the speaker."""
    text = (
        "Lena Ortiz, a volunteer for the food bank, has cheered on donors online with notes "
        'like "Every can counts and every shelf we fill feeds a family this winter." '
        "Mayor Paul Grant also announced a new grant for the bank, telling residents that "
        "the city would match donations."
    )
    q = only(extract_quotes(nlp(text)), "Every can counts")
    assert q.speaker != "Paul Grant"
    tagged = '"Can the bank keep up?" Carla Ruiz, a director at the bank, said. She expects more.'
    assert only(extract_quotes(nlp(tagged)), "keep up").speaker == "Carla Ruiz"


def test_an_abbreviated_unit_does_not_end_the_sentence(nlp):
    """ "lbs." is one word: the clause after it is not cut off from its speech verb, and
    a sentence that really ends after a unit still ends there."""
    text = (
        'Retired teacher Anton Feld, who dropped 12 lbs. "and a trouser size" over the summer, '
        "says the classes changed his habits.\n\n"
        "He lost another 4 lbs. The coach was pleased, Feld says."
    )
    doc = nlp(text)
    assert any("trouser size" in s.text and "says" in s.text for s in doc.sents)
    assert only(list(doc._.quotes), "trouser size").rule == "cue:named_person"
    assert any(s.text.startswith("The coach was pleased") for s in doc.sents)
    # a capitalised "Ft." is Fort, not feet: no sentence starts at "Worth"
    doc = nlp("Eddie Griffin, then a Ft. Worth blogger, said that the word was changing attitudes.")
    assert len(list(doc.sents)) == 1


def test_a_paragraph_after_an_abbreviation_is_a_sentence_of_its_own(nlp):
    """The engine parses one paragraph per line; a sentence never runs over a new line,
    even when the line before ends in an abbreviation ("N.B.")."""
    text = (
        "Kevin Vickers is considering a move into politics.\n"
        '"It is a long haul," he said in an interview from Trout Brook, N.B.\n'
        "Vickers said that if he decides to run, he would hope to heal relations in the province."
    )
    doc = nlp(text)
    assert any(s.text.startswith("Vickers said") for s in doc.sents)
    assert only(list(doc._.quotes), "heal relations").speaker == "Kevin Vickers"


def test_a_quotation_closed_on_a_comma_does_not_end_its_sentence(nlp):
    """ "...,'" Sexton said: the comma inside the marks says the sentence goes on, so the
    fragment keeps the cue after it."""
    text = (
        "The rally drew a small crowd in Dayton.\n\n"
        "The meeting \u201cwas the first time I walked away with the idea that maybe it\u2019s not as "
        "simple as, \u2018She\u2019s the one in charge,\u2019\u201d Dana Whitfield said in a phone interview."
    )
    doc = nlp(text)
    assert not any(s.text.startswith("Dana Whitfield") for s in doc.sents)
    assert only(list(doc._.quotes), "first time I walked away").speaker == "Dana Whitfield"


def test_a_chant_inside_a_sentence_does_not_end_it(nlp):
    doc = nlp('The governor was greeted with chants of "Four more years!" at a union hall on Monday.')
    assert len(list(doc.sents)) == 1


def test_a_reported_condition_is_a_statement_not_a_question(nlp):
    text = (
        "The bridge was closed on Monday.\n\n"
        "If the bridge stays closed until spring, traffic on the ring road will double, "
        "according to a city engineer.\n\n"
        "Maria Lopez asked if the province would pay for the repairs."
    )
    qs = quotes(nlp, text)
    assert only(qs, "traffic on the ring road will double").speaker == "city engineer"
    assert not [q for q in qs if "province would pay" in q.text]
