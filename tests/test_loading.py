"""Plain-text, Markdown and folder loading into Article."""

from __future__ import annotations

import pytest

from briefings.loading import LoadError, article_from_text, load_path, split_headline


def test_seed_article_headline_and_furniture(seed_path):
    [article] = load_path(str(seed_path))
    assert article.title == "US-South Korea Contemporary Relations"
    assert article.path == str(seed_path)
    assert article.text.startswith("Recently, United States president Joe Biden")
    assert "Comments are closed" not in article.text
    assert "Subscribe" not in article.text
    # offsets point into the file as read
    i = article.text.index("Sung Kim")
    o = article.offsets.to_original(i)
    assert article.original[o : o + 8] == "Sung Kim"


@pytest.mark.parametrize(
    "text, title",
    [
        ("Storm hits coast\n\nThe storm arrived at dawn.", "Storm hits coast"),
        ("# Storm hits coast\n\nThe storm arrived at dawn.", "Storm hits coast"),
        ("The storm arrived at dawn.\n\nIt left by noon.", None),  # punctuated: body
        ("Storm hits coast\nThe storm arrived at dawn.", None),  # no blank line: body
        ("One long paragraph with no headline at all, as agencies send it.", None),
    ],
)
def test_headline_rule(text, title):
    assert split_headline(text)[0] == title


def test_one_long_paragraph_is_valid():
    text = "A council in the north voted to close three libraries on Tuesday. " * 20
    article = article_from_text(text)
    assert article.title is None
    assert article.text == text.strip()


def test_folder_loads_articles_in_name_order(tmp_path):
    (tmp_path / "b.txt").write_text("Second story\n\nBody two.", encoding="utf-8")
    (tmp_path / "a.md").write_text("# First story\n\nBody one.", encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    titles = [a.title for a in load_path(str(tmp_path))]
    assert titles == ["First story", "Second story"]


def test_missing_path_and_empty_folder_have_clear_errors(tmp_path):
    with pytest.raises(LoadError, match="no such file or folder"):
        load_path(str(tmp_path / "nope.txt"))
    with pytest.raises(LoadError, match="no articles"):
        load_path(str(tmp_path))


def test_non_utf8_file_is_read(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Caf\xe9 owners protest\n\nThe caf\xe9 closed.".encode("latin-1"))
    [article] = load_path(str(p))
    assert article.title == "Café owners protest"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_unicode_files_with_a_byte_order_mark_are_read(tmp_path, encoding):
    # Windows editors save "Unicode" text as UTF-16 with a BOM; read as cp1252 it was
    # every other character a NUL, and no headline.
    p = tmp_path / "notepad.txt"
    body = "Caf\u00e9 owners protest\n\nThe caf\u00e9 closed, the \u201cowner\u201d said."
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    p.write_bytes(bom + body.encode(encoding))
    [article] = load_path(str(p))
    assert article.title == "Caf\u00e9 owners protest"
    assert article.text == "The caf\u00e9 closed, the \u201cowner\u201d said."
