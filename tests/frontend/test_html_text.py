from __future__ import annotations

import pytest

from tests.frontend.html_text import english_phrases, visible_text


def test_it_extracts_visible_text_and_read_out_attributes() -> None:
    html = """
    <html><head><title>ニーズ | つなぐ</title><style>.x{color:red}</style></head>
    <body><script>var s = "Not visible";</script>
      <nav aria-label="Main"><a href="/">ホーム</a></nav>
      <input type="hidden" name="next" value="/needs/">
      <input type="submit" value="Save changes">
      <img src="x.png" alt="Company logo">
      <p>保存しました。<br>  Next   page </p>
    </body></html>
    """
    assert visible_text(html) == [
        "ニーズ | つなぐ",
        "Main",
        "ホーム",
        "Save changes",
        "Company logo",
        "保存しました。",
        "Next page",
    ]


@pytest.mark.parametrize(
    ("chunk", "flagged"),
    [
        ("Save changes", True),
        ("Please correct the errors below.", True),
        ("保存しました。", False),
        ("DX", False),
        ("ISO 9001", False),
        ("IoT活用", False),
        ("M&A", False),
    ],
)
def test_it_flags_english_phrases(chunk: str, flagged: bool) -> None:
    assert bool(english_phrases([chunk])) is flagged


def test_it_allows_listed_chunks() -> None:
    assert english_phrases(["Tohoku Semicon Inc."], allow={"Tohoku Semicon Inc."}) == []
