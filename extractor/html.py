"""HTML notice pages to plain text, one paragraph per block element.

Dates are split across sentences by the extractor on line breaks, so keeping block
boundaries (and <br>) as newlines matters more than preserving inline layout.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

_BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "pre", "blockquote", "dt", "dd"]
_SPACE = re.compile(r"[ \t\u00a0\u3000]+")


def parse_html(html: str) -> BeautifulSoup:
    """The page with scripts and styles dropped and <br> turned into line breaks."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup


def html_to_text(html: str) -> str:
    """Paragraph texts joined by blank lines; the whole text if the page has no block elements."""
    return soup_to_text(parse_html(html))


def soup_to_text(soup: BeautifulSoup) -> str:
    """``html_to_text`` for a page already parsed with ``parse_html``."""
    for cell in soup.find_all(["td", "th"]):  # table rows become "label date" lines
        cell.append(" ")
    paragraphs: list[str] = []
    for block in soup.find_all(_BLOCKS):
        if block.find(_BLOCKS):  # the innermost blocks carry the text; avoid duplicates
            continue
        text = "\n".join(_SPACE.sub(" ", line).strip() for line in block.get_text().splitlines())
        text = "\n".join(line for line in text.splitlines() if line)
        if text:
            paragraphs.append(text)
    if not paragraphs:
        raw = soup.get_text("\n")
        paragraphs = [p for p in (_SPACE.sub(" ", line).strip() for line in raw.splitlines()) if p]
    return "\n\n".join(paragraphs)
