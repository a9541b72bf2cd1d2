"""The Atom feed (RFC 4287): new notices and window changes, written with ElementTree.

ElementTree escapes every text and attribute; ``clean`` drops the control characters XML 1.0 cannot
carry at all (a scraped title may hold them). Entry ids are stable URNs (``board.FeedEntry``), so a feed
reader shows each notice or change once however often it polls. Only http(s) notice addresses become
``<link>``s; other entries link to the board.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from notifier.digest._common import clean, is_http_url

from .board import FeedEntry

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    el.text = clean(text)
    return el


def render_atom(
    entries: list[FeedEntry], *, title: str, feed_id: str, self_href: str, board_href: str, updated: datetime
) -> str:
    """The feed document; ``updated`` is the newest entry's time (or the data's) in UTC."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "zh-CN"})
    _text(feed, "title", title)
    _text(feed, "id", feed_id)
    _text(feed, "updated", _stamp(updated))
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": self_href})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": board_href})
    author = ET.SubElement(feed, "author")
    _text(author, "name", "zcwatch")
    _text(feed, "generator", "zcwatch")
    for e in entries:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", e.id)
        _text(entry, "title", e.title)
        _text(entry, "updated", _stamp(e.updated))
        link = clean(e.link)
        ET.SubElement(entry, "link", {"rel": "alternate", "href": link if is_http_url(link) else board_href})
        summary = e.summary + (f"\n评委会：{e.committee}" if e.committee else "")
        _text(entry, "summary", summary, type="text")
    # Plain tag names with the namespace as an attribute: the document reads as Atom without prefixes.
    body = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
