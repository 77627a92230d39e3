"""What a reader sees first: the headline, the standfirst, whole paragraphs, the language.

Every page, text and feed here is written for these tests and served from a local HTTP
server where a URL is involved.
"""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.core.views import brief_card
from bot.platforms.discord_render import card_embeds
from bot.platforms.slack_render import card_blocks
from briefings import headlines, language
from briefings.cleaning import caption_credits, clean, is_furniture, wrap_width
from briefings.fetching import ALLOW_HOSTS_ENV
from briefings.loading import article_from_text
from briefings.model import Article, Brief
from briefings.webpages import article_from_html
from httpserver import http_server, loopback_only  # noqa: F401

pytestmark = pytest.mark.usefixtures("loopback_only")

STORY = [
    "The town council of Millbrook voted on Tuesday to plant four thousand trees along its "
    "main roads after a summer of record heat that sent dozens of people to hospital.",
    "Council leader Maria Okafor said the trees would cool the streets by several degrees "
    "during the hottest weeks of the year and cost less than air conditioning in schools.",
    "Work will start in the spring on the ring road, where residents have complained for "
    "years that the pavements are too hot for children to walk on in July.",
    "The county's forestry office will supply the saplings at cost, and volunteers have "
    "already signed up to water them during their first two summers.",
]


def page(
    *,
    title_tag: str,
    og_title: str | None = None,
    h1: str,
    site: str = "The Daily Planet",
    before_h1: str = "",
    after_h1: str = "",
    body: list[str] | None = None,
    description: str | None = None,
    extra: str = "",
) -> str:
    head = [f"<title>{title_tag}</title>", f'<meta property="og:site_name" content="{site}">']
    if og_title:
        head.append(f'<meta property="og:title" content="{og_title}">')
    if description:
        head.append(f'<meta name="description" content="{description}">')
    paragraphs = "".join(f"<p>{p}</p>" for p in (body or STORY))
    return (
        f"<html><head>{''.join(head)}</head><body>"
        f"<nav><a href='/'>{site}</a> <a href='/news'>News</a> <a href='/opinion'>Opinion</a></nav>"
        f"<article><header>{before_h1}<h1>{h1}</h1>{after_h1}</header>{paragraphs}{extra}</article>"
        "<footer>Copyright 2026 The Daily Planet. All rights reserved.</footer></body></html>"
    )


@pytest.fixture
def allow_local(monkeypatch):
    monkeypatch.setenv(ALLOW_HOSTS_ENV, "127.0.0.1")


def brief_json(capsys, *argv):
    code = main(["brief", "--format", "jsonl", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


# --------------------------------------------------------------------------- headlines


@pytest.mark.parametrize(
    ("title_tag", "og_title", "h1", "host"),
    [
        (
            "Opinion | Why cities need more trees",
            "Opinion | Why cities need more trees",
            "Why cities need more trees",
            "planet.example",
        ),
        ("Why cities need more trees – TechCrunch", None, "Why cities need more trees", "techcrunch.com"),
        (
            "The Daily Planet | Metropolis news you can trust: Why cities need more trees",
            None,
            "Why cities need more trees",
            "planet.example",
        ),
        (
            "Why cities need more trees - Opinion - The Daily Planet",
            "Why cities need more trees",
            "Why cities need more trees",
            "planet.example",
        ),
    ],
)
def test_headline_without_site_section_or_tagline(title_tag, og_title, h1, host):
    site = "TechCrunch" if "techcrunch" in host else "The Daily Planet"
    html = page(title_tag=title_tag, og_title=og_title, h1=h1, site=site)
    article = article_from_html(html, url=f"https://{host}/2026/trees")
    assert article.title == "Why cities need more trees"
    assert not article.text.startswith("Why cities")


def test_headline_without_h1_still_loses_the_site_suffix():
    meta = headlines.PageMeta(title_tag="Storm closes the coast road – TechCrunch")
    assert headlines.choose_headline(meta, None, None, "techcrunch.com") == "Storm closes the coast road"


def test_headline_with_separator_inside_is_kept_whole():
    meta = headlines.PageMeta(og_title="Storm hits coast - thousands evacuated | The Daily Planet")
    got = headlines.choose_headline(meta, None, "The Daily Planet", "planet.example")
    assert got == "Storm hits coast - thousands evacuated"


def test_kicker_and_headline_repeated_in_the_body_are_removed():
    body = ["Climate", "WHY CITIES NEED MORE TREES!", *STORY]
    html = page(title_tag="Why cities need more trees | The Daily Planet", h1="Why cities need more trees", body=body)
    article = article_from_html(html, url="https://planet.example/trees")
    assert article.title == "Why cities need more trees"
    first = article.text.split("\n")[0]
    assert first.startswith("The town council of Millbrook"), first


def test_headline_with_site_suffix_repeated_in_the_body_is_removed():
    body = ["Why cities need more trees - The Daily Planet", *STORY]
    html = page(title_tag="Why cities need more trees", h1="Why cities need more trees", body=body)
    article = article_from_html(html, url="https://planet.example/trees")
    assert article.text.startswith("The town council of Millbrook")


@pytest.mark.parametrize(
    ("title_tag", "og_title", "h1", "site"),
    [
        # a short site name with a section after it, and a heading typing ’ where the title has '
        (
            "Mayor's plan for trees fails | PBN Politics",
            "Mayor's plan for trees fails | PBN Politics",
            "Mayor\u2019s plan for trees fails",
            "PBN",
        ),
        # a kicker taken out of the heading leaves its colon behind
        (
            "Mayor's plan for trees fails",
            None,
            '<span class="kicker">Trees</span>: Mayor\'s plan for trees fails',
            "PBN",
        ),
        # a comment inside the heading
        ("Mayor's plan for trees fails | PBN", None, "Mayor's plan <!-- hed -->for trees fails", "PBN"),
    ],
)
def test_headline_after_sections_kickers_and_comments(title_tag, og_title, h1, site):
    html = page(title_tag=title_tag, og_title=og_title, h1=h1, site=site)
    article = article_from_html(html, url="https://pbn.example/2026/trees")
    assert article.title.replace("\u2019", "'") == "Mayor's plan for trees fails"


def test_a_breadcrumb_arrow_separates_the_site_name():
    got = headlines.strip_site("Historic market \u203a Millbrook Heritage Society", ["Millbrook Heritage Society"])
    assert got == "Historic market"


def test_a_site_name_with_a_place_added_is_a_label_but_a_name_inside_a_headline_is_not():
    assert (
        headlines.strip_site(
            "Riverside Council of Millbrook - Tree planting starts in spring", ["Riverside Council - Millbrook"]
        )
        == "Tree planting starts in spring"
    )
    assert headlines.strip_site("Our University PSL : what trees are for", ["psl"]) == (
        "Our University PSL : what trees are for"
    )


def test_an_extractor_site_name_that_is_the_headline_is_not_the_site():
    meta = headlines.PageMeta(og_title="Storm closes the coast road", site_name="The Daily Planet")
    assert headlines.site_name("Storm closes the coast road", meta) == "The Daily Planet"
    assert headlines.site_name("Planet News", meta) == "Planet News"


def test_a_lead_sentence_using_the_headline_words_stays():
    assert not headlines.repeats_headline("Mayor quits after the bridge scandal, the council says.", ["Mayor quits"])


def test_the_heading_and_title_that_agree_outweigh_a_social_title():
    meta = headlines.PageMeta(
        og_title="It has been a long wait for the people of Millbrook",
        title_tag="Why cities need more trees - The Daily Planet",
        h1s=("Why cities need more trees",),
    )
    got = headlines.choose_headline(meta, "It has been a long wait for the people of Millbrook", None, "planet.example")
    assert got == "Why cities need more trees"


def test_a_social_title_cut_short_gives_way_to_the_whole_headline():
    meta = headlines.PageMeta(
        og_title="Mayor's plan for trees fails to win over the",
        title_tag="Mayor's plan for trees fails to win over the council | PBN",
        h1s=("Mayor's plan for trees fails to win over the council",),
    )
    assert headlines.choose_headline(meta, None, "PBN", "pbn.example") == (
        "Mayor's plan for trees fails to win over the council"
    )


def test_a_shorter_title_that_ends_where_the_longer_adds_a_byline_is_no_cut_copy():
    meta = headlines.PageMeta(
        og_title="Trees for Millbrook",
        title_tag="Trees for Millbrook, by Maria Okafor (Planet blogs, 4 May)",
        h1s=("Trees for Millbrook",),
    )
    assert headlines.choose_headline(meta, None, None, None) == "Trees for Millbrook"


def test_a_heading_that_opens_the_title_as_its_first_sentence_agrees_with_it():
    meta = headlines.PageMeta(
        og_title="Okafor: the council plants trees at last",
        title_tag="Will Millbrook get its trees? The council votes on the plan - The Daily Planet",
        h1s=("Will Millbrook get its trees?",),
    )
    assert (
        headlines.choose_headline(meta, None, "The Daily Planet", "planet.example") == "Will Millbrook get its trees?"
    )


def test_a_name_inside_the_heading_is_not_the_headline():
    # the <title> is only the author's name, which the heading happens to contain
    meta = headlines.PageMeta(
        title_tag="Maria Okafor", h1s=("Trees for the ring road. Maria Okafor visits the county nursery.",)
    )
    assert headlines.choose_headline(meta, None, None, None) == (
        "Trees for the ring road. Maria Okafor visits the county nursery."
    )


def test_an_extracted_title_no_title_source_confirms_is_the_last_resort():
    # the extractor took a sidebar's heading; the page's own <title> says otherwise
    meta = headlines.PageMeta(title_tag="Storm closes the coast road")
    assert headlines.choose_headline(meta, "Weather Radio", None, None) == "Storm closes the coast road"


def test_a_hidden_logo_heading_is_not_the_headline():
    html = page(title_tag="Why cities need more trees", h1="Why cities need more trees")
    html = html.replace(
        "<article><header><h1>Why cities need more trees</h1></header>",
        '<h1 class="sr-only">The Daily Planet</h1><article><header><h2>Why cities need more trees</h2></header>',
    )
    assert headlines.page_meta(html).h1s == ()
    assert article_from_html(html, url="https://planet.example/trees").title == "Why cities need more trees"


def test_a_double_hyphen_separates_the_site_name():
    got = headlines.strip_site("Storm closes the coast road -- The Daily Planet", ["The Daily Planet"])
    assert got == "Storm closes the coast road"


def test_guillemets_that_close_a_quotation_stay():
    assert (
        headlines.strip_site("Lesung zu »Bäume in der Stadt« | Verlag", ["Verlag"]) == "Lesung zu »Bäume in der Stadt«"
    )
    assert headlines.strip_site("« Les arbres » : le maire parle - Le Journal", ["Le Journal"]) == (
        "« Les arbres » : le maire parle"
    )


# --------------------------------------------------------------------------- standfirst


DEK = "Shade cuts deaths in heatwaves, and planting is cheaper than cooling buildings."


def test_standfirst_is_its_own_field_and_not_a_summary_sentence(capsys, http_server, allow_local):
    html = page(
        title_tag="Why cities need more trees | The Daily Planet",
        h1="Why cities need more trees",
        after_h1=f'<p class="standfirst">{DEK}</p>',
        body=[DEK, *STORY],
    )
    http_server.route("/trees", html)
    code, [record], err = brief_json(capsys, http_server.url("/trees"))
    assert code == 0, err
    assert record["dek"] == DEK
    assert record["title"] == "Why cities need more trees"
    assert all("Shade cuts deaths" not in s for s in record["summary"])
    assert record["summary"][0].startswith("The town council of Millbrook")
    # text output: the standfirst right under the headline
    assert main(["brief", http_server.url("/trees")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Why cities need more trees"
    assert lines[1].startswith("Shade cuts deaths")
    assert main(["brief", "--format", "markdown", http_server.url("/trees")]) == 0
    assert f"*{DEK}*" in capsys.readouterr().out


def test_description_that_is_only_the_lead_is_no_standfirst():
    html = page(title_tag="Trees", h1="Why cities need more trees", description=STORY[0][:90] + "…")
    assert article_from_html(html, url="https://planet.example/t").dek is None
    html = page(title_tag="Trees", h1="Why cities need more trees", description=STORY[0])
    article = article_from_html(html, url="https://planet.example/t")
    assert article.dek is None
    assert article.text.startswith("The town council")


def test_description_that_says_something_else_is_the_standfirst():
    html = page(title_tag="Trees", h1="Why cities need more trees", description=DEK)
    assert article_from_html(html, url="https://planet.example/t").dek == DEK


def test_a_newsletter_box_standfirst_is_not_the_story_s():
    promo = (
        '<div class="newsletter-signup"><p class="standfirst">The week\'s best stories, '
        "delivered to your inbox every Friday morning.</p></div>"
    )
    html = page(title_tag="Trees", h1="Why cities need more trees", after_h1=promo, description=DEK)
    assert article_from_html(html, url="https://planet.example/t").dek == DEK


def test_description_that_is_a_byline_and_the_lead_is_no_standfirst():
    # The page keeps a byline remnant as its first paragraph; the description copies the
    # lead after a byline and a dateline, then adds a teaser of its own.
    description = "By Ann Lee and Tom Ruiz WASHINGTON (Planet) \u2014 " + STORY[0] + " Here is what it means for you."
    body = ["Planet", *STORY]
    html = page(title_tag="Trees", h1="Why cities need more trees", description=description, body=body)
    article = article_from_html(html, url="https://planet.example/t")
    assert article.dek is None
    assert "The town council" in article.text.split("\n")[0] + article.text.split("\n")[1]


def test_standfirst_on_every_platform():
    article = Article(
        text="x", original="x", title="Why cities need more trees", dek=DEK, url="https://planet.example/t"
    )
    card = brief_card(Brief(article=article, summary=("The council voted.",)))
    assert card.dek == DEK
    embed = card_embeds(card)[0]
    assert embed.description.splitlines()[0] == "*" + DEK + "*"
    blocks = card_blocks(card)
    assert blocks[0]["type"] == "header"
    assert "Shade cuts deaths" in blocks[1]["text"]["text"]


def test_feed_description_becomes_the_standfirst(capsys, http_server, allow_local):
    content = "".join(f"<p>{p}</p>" for p in STORY * 3)
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Planet</title>'
        "<link>https://planet.example/</link><item><title>Why cities need more trees</title>"
        f"<link>{http_server.base_url}/trees</link><guid>t-1</guid><description>{DEK}</description>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item></channel></rss>"
    )
    http_server.route("/rss", feed, content_type="application/rss+xml")
    code, [record], err = brief_json(capsys, http_server.url("/rss"))
    assert code == 0, err
    assert record["dek"] == DEK
    assert all("Shade cuts" not in s for s in record["summary"])


# --------------------------------------------------------------------------- text shape


def _wrap(text: str, width: int = 72) -> str:
    import textwrap

    return textwrap.fill(text, width)


def test_hard_wrapped_text_file_is_rejoined(tmp_path, capsys):
    body = "\n\n".join(_wrap(p) for p in STORY)
    path = tmp_path / "wrapped.txt"
    path.write_text("Why cities need more trees\n\n" + body + "\n", encoding="utf-8")
    article = article_from_text(path.read_text())
    assert article.text.split("\n") == STORY
    code, [record], err = brief_json(capsys, str(path))
    assert code == 0, err
    assert record["summary"][0] == STORY[0]
    # offsets still point into the file as read
    start, end = record["summary_spans"][0]
    assert " ".join(path.read_text()[start:end].split()) == STORY[0]


def test_hard_wrapped_text_without_blank_lines_is_rejoined():
    text = "\n".join(_wrap(p, 64) for p in STORY)
    assert wrap_width(text.splitlines()) is not None
    cleaned, _ = clean(text)
    # Without blank lines a paragraph whose last line is long runs into the next one;
    # every sentence is still whole.
    assert all(p in cleaned for p in STORY)
    assert len(cleaned.split("\n")) <= len(STORY)


def test_natural_paragraphs_are_not_taken_for_wrapped_text():
    assert wrap_width(STORY) is None
    short_lines = ["Mayor quits", "Council votes", "More to follow", "Ferry starts", "Bridge shut"]
    assert wrap_width(short_lines) is None
    # one short sentence a line, each of a wrapped line's length: still paragraphs
    one_liners = [
        "The council voted on Tuesday to plant four thousand trees along its main roads.",
        "Council leader Maria Okafor said the trees would cool the streets in summer.",
        "Work will start in the spring on the ring road, where the pavements are hottest.",
        "The county's forestry office will supply the saplings at cost to the council.",
        "Volunteers have already signed up to water them during their first two summers.",
    ]
    assert all(60 < len(line) < 90 for line in one_liners)
    assert wrap_width(one_liners) is None


def test_hard_wrapped_page_is_rejoined():
    lines = "<br>".join(line for p in STORY for line in (_wrap(p, 70).splitlines()))
    html = page(title_tag="Trees", h1="Why cities need more trees", body=[lines])
    article = article_from_html(html, url="https://planet.example/t")
    assert STORY[0] in article.text


def test_link_box_of_run_on_headlines_is_dropped(tmp_path, capsys):
    box = (
        "MORE: Mayor quits over bridge scandal Council votes to close old bridge Ferry "
        "service to start next week Millbrook schools shut for heat"
    )
    text = "Why cities need more trees\n\n" + "\n\n".join([STORY[0], box, *STORY[1:]])
    assert is_furniture(box)
    article = article_from_text(text)
    assert "Mayor quits" not in article.text
    path = tmp_path / "box.txt"
    path.write_text(text)
    code, [record], _ = brief_json(capsys, "--sentences", "10", str(path))
    assert all("Mayor quits" not in s for s in record["summary"])


def test_upper_case_prose_is_not_a_link_box():
    assert not is_furniture(
        "MORE than forty people were taken to hospital during the heatwave, "
        "the county said on Friday, and the council met the next morning."
    )


def test_caption_glued_to_its_credit_is_dropped():
    caption = "Council leader Maria Okafor at a rally in New York.Reuters"
    assert caption_credits(caption) == [(0, len(caption))]
    text = "\n\n".join(
        [STORY[0], caption, STORY[1], "A volunteer waters a sapling in Millbrook.AFP/Getty Images " + STORY[2]]
    )
    cleaned, offsets = clean(text)
    assert "Reuters" not in cleaned and "Getty" not in cleaned and "volunteer waters" not in cleaned
    assert STORY[2] in cleaned
    at = cleaned.index(STORY[2])
    assert text[offsets.to_original(at) :].startswith(STORY[2])


def test_a_missing_space_in_prose_is_not_a_credit():
    assert caption_credits("I was confused.I honestly did not know.") == []
    assert caption_credits("He edits the fansite Halo.Bungie.Org, he said.") == []


def test_tables_stay_out_of_summaries(tmp_path, capsys):
    table = [
        "| Street | Trees | Cost |",
        "|---|---:|---:|",
        "| Ring Road | 1,200 | £40,000 |",
        "| High Street | 800 | £30,000 |",
        "Ring Road\t1,200\t£40,000",
    ]
    text = "Why cities need more trees\n\n" + "\n\n".join([STORY[0], *table, *STORY[1:]])
    article = article_from_text(text)
    assert "|" not in article.text and "Ring Road\t" not in article.text
    path = tmp_path / "table.txt"
    path.write_text(text)
    code, [record], _ = brief_json(capsys, "--sentences", "10", str(path))
    assert all("|" not in s and "£40,000" not in s for s in record["summary"])


# --------------------------------------------------------------------------- language


FRENCH = (
    "Le conseil municipal de Millbrook a voté mardi la plantation de quatre mille arbres le long "
    "des routes principales, après un été de chaleur record qui a envoyé des dizaines de personnes "
    "à l'hôpital. La présidente du conseil a dit que les arbres vont rafraîchir les rues de "
    "plusieurs degrés pendant les semaines les plus chaudes de l'année et qu'ils coûtent moins "
    "cher que la climatisation dans les écoles."
)
KOREAN = (
    "밀브룩 시의회는 화요일 기록적인 더위로 수십 명이 병원에 실려 간 여름이 지난 뒤 주요 도로를 따라 "
    "나무 4천 그루를 심기로 의결했다. 마리아 오카포 의장은 나무가 가장 더운 몇 주 동안 거리의 기온을 "
    "몇 도 낮출 것이며 학교에 에어컨을 설치하는 것보다 비용이 적게 든다고 말했다."
)


def test_languages_are_told_apart():
    assert language.detect(" ".join(STORY)) == "en"
    assert language.detect(FRENCH) == "fr"
    assert language.detect(KOREAN) == "ko"
    assert language.detect("Mayor quits") is None  # too little to tell: treated as English
    assert language.is_supported(None)


BURMESE = "မြို့တော်ကောင်စီသည် အင်္ဂါနေ့တွင် လမ်းမကြီးများတစ်လျှောက် သစ်ပင်လေးထောင် စိုက်ရန် ဆုံးဖြတ်ခဲ့သည်။ " * 4
#: Ol Chiki, a script the language data does not list.
OL_CHIKI = "ᱥᱟᱱᱛᱟᱲᱤ ᱯᱟᱹᱨᱥᱤ ᱨᱮ ᱚᱞ ᱚᱠᱛᱚ ᱢᱮᱱᱟᱜ-ᱟ ᱟᱨ ᱱᱚᱣᱟ ᱫᱚ ᱱᱟᱣᱟ ᱠᱟᱛᱷᱟ ᱠᱟᱱᱟ ᱾ " * 6


def test_scripts_beyond_the_listed_languages_are_not_english():
    assert language.detect(BURMESE) == "my"
    assert language.unsupported_notice("my") == "This article is in Burmese; Briefbot summarizes English articles."
    assert language.detect(OL_CHIKI) == language.UNLISTED
    assert language.unsupported_notice(language.UNLISTED) == (
        "This article is not in English; Briefbot summarizes English articles."
    )
    # Latin-script words of no listed language say nothing either way: treated as English
    assert language.detect("Tôi yêu tiếng Việt rất nhiều và muốn học thêm mỗi ngày " * 5) is None


def test_an_english_article_with_nothing_to_summarize_says_so(tmp_path, capsys):
    path = tmp_path / "agenda.txt"
    path.write_text(
        "Agenda\n\n- Lightning talks (30 mins)\n- Knowledge exchange (1 hour)\n- Small groups (30 mins)\n"
        "- Presentations (15 mins)\n- Next meeting: when? what type? (30 mins)\n",
        encoding="utf-8",
    )
    code, [record], _ = brief_json(capsys, str(path))
    assert record["summary"] == []
    assert record["notice"] == language.NO_SUMMARY
    assert main(["brief", str(path)]) == 0
    assert language.NO_SUMMARY in capsys.readouterr().out
    article = Article(text="x", original="x", title="Agenda", language="en")
    assert brief_card(Brief(article=article, summary=())).note == language.NO_SUMMARY


@pytest.mark.parametrize(("text", "name"), [(FRENCH, "French"), (KOREAN, "Korean")])
def test_other_language_gets_one_clear_line(tmp_path, capsys, text, name):
    path = tmp_path / "story.txt"
    path.write_text("Titre\n\n" + text, encoding="utf-8")
    notice = f"This article is in {name}; Briefbot summarizes English articles."
    assert main(["brief", str(path)]) == 0
    out = capsys.readouterr().out
    assert notice in out
    code, [record], _ = brief_json(capsys, str(path))
    assert code == 0
    assert record["language"] == language.detect(text)
    assert record["notice"] == notice
    assert record["summary"] == [] and record["quotes"] == []


def test_other_language_page_in_chat_gets_the_line(http_server, allow_local):
    html = page(title_tag="Arbres", h1="Pourquoi les villes ont besoin d'arbres", body=[FRENCH, FRENCH])
    article = article_from_html(html, url="https://planete.example/arbres")
    assert article.language == "fr"
    card = brief_card(Brief(article=article, summary=()))
    assert card.note == "This article is in French; Briefbot summarizes English articles."
    assert card_embeds(card)[0].footer.text == card.note


# --------------------------------------------------------------------------- feeds


def big_feed(base: str, n: int) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/s/{i}</link><guid>g{i}</guid>"
        f"<description>{' '.join(STORY)} Story number {i}.</description></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Planet</title>'
        f"<link>https://planet.example/</link>{items}</channel></rss>"
    )


def test_feed_says_how_many_entries_were_left_out(capsys, http_server, allow_local):
    http_server.route("/rss", big_feed(http_server.base_url, 30), content_type="application/rss+xml")
    code, records, err = brief_json(capsys, http_server.url("/rss"))
    assert code == 0
    assert len(records) == 25
    assert "briefed the first 25 of 30 entries, 5 left out" in err
    code, records, err = brief_json(capsys, "--max-entries", "3", http_server.url("/rss"))
    assert len(records) == 3 and "27 left out" in err
    code, records, err = brief_json(capsys, "--max-entries", "0", http_server.url("/rss"))
    assert len(records) == 30 and "left out" not in err
