"""Extract the text a person sees (or hears) on a rendered page.

Used to look for untranslated English in Japanese pages. It collects text
nodes outside <script>/<style>/<template>, plus the attributes that are read
out or shown: title, alt, placeholder, aria-label and the value of buttons.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIP_TAGS = {"script", "style", "template", "noscript"}
VISIBLE_ATTRS = {"title", "alt", "placeholder", "aria-label"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self._skip_depth += 1
            return
        values = dict(attrs)
        if values.get("type") == "hidden" or "hidden" in values:
            return
        for name in VISIBLE_ATTRS:
            if values.get(name):
                self.chunks.append(values[name] or "")
        if tag == "input" and values.get("type") in {"submit", "button", "reset"} and values.get("value"):
            self.chunks.append(values["value"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIP_TAGS:
            self._skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth and data.strip():
            self.chunks.append(data)


def visible_text(html: str) -> list[str]:
    """Visible text chunks of a page, whitespace-collapsed, in document order."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return [" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip()]


# A run of two or more Latin words (letters only), e.g. "Save changes". Single
# tokens such as "DX", "ISO 9001", "IoT" or "M&A" are legitimate in Japanese UI.
_ENGLISH_PHRASE = re.compile(r"\b[A-Za-z][a-z]+(?:[ '\-][A-Za-z][a-z]+)+\b")


def english_phrases(chunks: list[str], allow: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Chunks that look like untranslated English phrases, minus allowed ones (names, data)."""
    found = []
    for chunk in chunks:
        if chunk in allow:
            continue
        if _ENGLISH_PHRASE.search(chunk):
            found.append(chunk)
    return found
