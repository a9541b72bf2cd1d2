"""Pure parsing of the committee-notice column's pages: listings, notices, encodings, anti-bot pages.

Nothing here touches the network or imports scrapy, so the spider, the tests and ad-hoc tools share one
implementation and every function can be exercised on stored bytes. The selectors are those of the
government CMS the site's other columns run on (listing items ``div.pageList ul.infoList > li``, the pager
``#page_div a.next``; notice text in ``div.content ucapcontent`` or ``div.article-content``). The column
itself may differ, so each parser tries the known selectors first and then a generic fallback, and says
which one it used, so the caller can report "the page no longer looks as expected" instead of silently
finding nothing. A notice page cut short in transfer is refused rather than read as a short notice.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString

from core.config import Selectors
from core.errors import NoticeParseError
from extractor.attachments import READABLE_FORMATS, attachment_format

__all__ = [
    "Attachment",
    "ListingItem",
    "ListingPage",
    "NoticePage",
    "decode_html",
    "detect_challenge",
    "page_url",
    "parse_listing",
    "parse_notice",
    "schedule_attachments",
]


@dataclass(frozen=True)
class ListingItem:
    title: str
    url: str
    date: str | None


@dataclass(frozen=True)
class ListingPage:
    column: str | None
    items: list[ListingItem]
    next_url: str | None
    # True when the known CMS selectors found nothing and the generic link scan produced the items:
    # the caller should warn that the layout changed even if items were found.
    fallback: bool = field(default=False)


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str

    @property
    def format(self) -> str | None:
        """The file's type by its URL's suffix, else by its link text's ("xlsx", "doc", …)."""
        return attachment_format(self.url) or attachment_format(self.name)


@dataclass(frozen=True)
class NoticePage:
    title: str | None
    published: str | None
    source: str | None
    body: str
    attachments: list[Attachment]
    template: str
    # The content container's HTML when it holds a schedule table, so the extractor can read the table's
    # rows and columns (the body text flattens them); "" otherwise.
    tables_html: str = ""


# ---------------------------------------------------------------------------------------------- text helpers

# \u3000 (ideographic space) and \xa0 (&nbsp;) indent Chinese paragraphs; they are whitespace for us.
_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATETIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:：]\s*(\d{2}))?"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ATTACHMENT_EXT = re.compile(r"\.(?:docx?|xlsx?|pdf|zip|rar|7z|wps|et|ofd)(?:$|[?#])", re.I)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "head")
# Elements that end a paragraph of text; everything else (span, strong, font, a) is inline.
_BLOCK_TAGS = (
    frozenset({"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "center"})
    | frozenset({"table", "tr", "td", "th", "tbody", "thead", "dl", "dt", "dd", "form", "fieldset"})
    | frozenset({"section", "article", "header", "footer", "main", "nav", "aside", "blockquote"})
    | frozenset({"address", "figure", "figcaption", "ucapcontent"})
)


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _iso_date(text: str | None) -> str | None:
    if not text:
        return None
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _iso_datetime(text: str | None) -> str | None:
    """'2025-11-20 10:30' -> '2025-11-20T10:30'; a bare date stays a date."""
    if not text:
        return None
    m = _DATETIME.search(text)
    if not m:
        return None
    date = _iso_date(m.group(0))
    if date is None:
        return None
    if m.group(4) is not None:
        hh, mm = int(m.group(4)), int(m.group(5))
        if hh < 24 and mm < 60:
            return f"{date}T{hh:02d}:{mm:02d}"
    return date


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html or "", "lxml")


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": re.compile(rf"^{re.escape(name)}$", re.I)})
    if isinstance(tag, Tag):
        content = tag.get("content")
        if isinstance(content, str) and _norm(content):
            return _norm(content)
    return None


def _attr(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return value if isinstance(value, str) else None


def _paragraphs(root: Tag) -> list[str]:
    """Text of `root` split at block elements and <br>; inline elements (span, strong, a) join seamlessly,
    because the CMS splits one date over several spans ("2025年12月1日</span><span>（星期一）9:00")."""
    paras: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _norm("".join(buf))
        if text:
            paras.append(text)
        buf.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in _DROP_TAGS:
                    continue
                if name == "br":
                    flush()
                elif name in _BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(root)
    flush()
    return paras


def _text_len(tag: Tag, *, links: bool) -> int:
    """Visible text length of `tag`; with links=False, text inside <a> does not count (navigation)."""
    total = 0
    for s in tag.find_all(string=True):
        if isinstance(s, Comment):
            continue
        parents = {p.name for p in s.parents if isinstance(p, Tag)}
        if parents & set(_DROP_TAGS):
            continue
        if not links and "a" in parents:
            continue
        total += len(_norm(str(s)))
    return total


# ------------------------------------------------------------------------------------------------- listings


def page_url(column_url: str, n: int) -> str:
    """URL of listing page n (1-based): the CMS names them index.html, index_2.html, … index_N.html."""
    if n < 1:
        raise ValueError(f"page numbers start at 1, got {n}")
    base = column_url.split("#", 1)[0].split("?", 1)[0]
    if not base.endswith("/"):
        base = base.rsplit("/", 1)[0] + "/"
    return base + ("index.html" if n == 1 else f"index_{n}.html")


def _same_page(a: str, b: str) -> bool:
    def key(u: str) -> str:
        parts = urlsplit(u)
        path = parts.path
        if path.endswith("/"):
            path += "index.html"
        return f"{parts.netloc.lower()}{path}"

    return key(a) == key(b)


def _pager_url(soup: BeautifulSoup, base_url: str, css: str, texts: tuple[str, ...]) -> str | None:
    link = soup.select_one(css)
    if link is None:
        # Generic pagers: match the link text, e.g. "下一页" / "尾页".
        for a in soup.find_all("a", href=True):
            if isinstance(a, Tag) and _norm(a.get_text()) in texts:
                link = a
                break
    if link is None:
        return None
    href = _attr(link, "href")
    if not href or href.startswith(("javascript:", "#")):
        return None
    url = urljoin(base_url, href.strip())
    # Some CMS pagers keep a.next on the last page pointing at itself; that is not a next page.
    return None if _same_page(url, base_url) else url


_NOTICE_WORDS = re.compile(r"通知|公告|公示|通告|评审|职称|申报|延期|延长|更正|补充")


def _fallback_items(soup: BeautifulSoup, base_url: str) -> list[ListingItem]:
    """Links that look like notice titles and have exactly one date close by (same row of the list)."""

    def title_of(a: Tag) -> str:
        return _norm(_attr(a, "title") or "") or _norm(a.get_text())

    def looks_like_title(a: Tag) -> bool:
        href = _attr(a, "href") or ""
        if href.startswith(("javascript:", "#", "mailto:")):
            return False
        text = _DATE.sub("", title_of(a))
        return len(_CJK.findall(text)) >= 8 and bool(_NOTICE_WORDS.search(text))

    candidates = [a for a in soup.find_all("a", href=True) if isinstance(a, Tag) and looks_like_title(a)]
    cand_ids = {id(a) for a in candidates}
    items: list[ListingItem] = []
    seen: set[str] = set()
    for a in candidates:
        date: str | None = None
        node: Tag | None = a
        for _ in range(4):
            if node is None:
                break
            # Stop climbing once the block holds other titles: a date there may belong to them.
            others = [x for x in node.find_all("a", href=True) if id(x) in cand_ids and x is not a]
            if others:
                break
            date = _iso_date(node.get_text(" "))
            if date:
                break
            node = node.parent if isinstance(node.parent, Tag) else None
        if date is None:
            continue
        title = _DATE.sub("", title_of(a)).strip(" []【】()（）") or title_of(a)
        url = urljoin(base_url, (_attr(a, "href") or "").strip())
        if url in seen:
            continue
        seen.add(url)
        items.append(ListingItem(title=title, url=url, date=date))
    return items


_BUILT_IN = Selectors()


def _template_items(soup: BeautifulSoup, base_url: str, item: str, link: str, when: str) -> list[ListingItem]:
    items: list[ListingItem] = []
    for li in soup.select(item):
        a = li.select_one(link) if link else li.select_one("h4 > a[href]") or li.select_one("a[href]")
        if a is None:
            continue
        title = _norm(_attr(a, "title") or "") or _norm(a.get_text())
        href = (_attr(a, "href") or "").strip()
        if not title or not href:
            continue
        time = li.select_one(when) if when else li.select_one("span.time")
        date = _iso_date(time.get_text() if time else li.get_text(" "))
        items.append(ListingItem(title=title, url=urljoin(base_url, href), date=date))
    return items


def parse_listing(html: str, base_url: str, selectors: Selectors = _BUILT_IN) -> ListingPage:
    """Items, column name and pager links of one listing page; never raises on junk input.

    A source's own selectors (``selectors.item`` …) replace the built-in template; when the template finds
    no item the generic link scan is used and ``fallback`` says so (the caller reports the layout).
    """
    try:
        soup = _soup(html)
    except Exception:  # lxml can reject pathological input; a junk page is an empty page
        return ListingPage(column=None, items=[], next_url=None, fallback=True)
    column = _meta(soup, "ColumnName")
    if selectors.item:
        items = _template_items(soup, base_url, selectors.item, selectors.link, selectors.date)
    else:
        items = _template_items(soup, base_url, "div.pageList ul.infoList > li", "", "")
    # The source's own selectors finding nothing is a layout change even when a scan finds links.
    fallback = not items
    if fallback:
        items = _fallback_items(soup, base_url)
    next_url = _pager_url(soup, base_url, selectors.next, ()) if selectors.next else None
    return ListingPage(
        column=column,
        items=items,
        next_url=next_url
        or _pager_url(soup, base_url, "#page_div a.next", ("下一页", "下页", "下一页>", ">")),
        fallback=fallback,
    )


# -------------------------------------------------------------------------------------------------- notices

_SITE_SUFFIX = re.compile(r"\s*(?:[-_|｜—]\s*)[^-_|｜—]{2,40}$")


def _title(soup: BeautifulSoup, container: Tag | None, css: str = "") -> str | None:
    own = soup.select_one(css) if css else None
    if own is not None and _norm(own.get_text()):
        return _norm(own.get_text())
    title = _meta(soup, "ArticleTitle")
    if title:
        return title
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and _norm(h1.get_text()):
        return _norm(h1.get_text())
    tag = soup.find("title")
    if isinstance(tag, Tag) and _norm(tag.get_text()):
        text = _norm(tag.get_text())
        stripped = _SITE_SUFFIX.sub("", text)
        return stripped if len(_CJK.findall(stripped)) >= 6 else text
    if container is not None:
        paras = _paragraphs(container)
        if paras:
            return paras[0]
    return None


def _published_and_source(soup: BeautifulSoup, template: str, css: str = "") -> tuple[str | None, str | None]:
    own = soup.select_one(css) if css else None
    published: str | None = _iso_datetime(own.get_text(" ")) if own is not None else None
    source: str | None = None
    if template == "ucap" and published is None:
        tag = soup.select_one("div.time span.publishTime publishtime") or soup.select_one("publishtime")
        published = _iso_datetime(tag.get_text()) if tag else None
        src = soup.select_one("span.resourse font") or soup.select_one("span.resourse")
        if src is not None:
            source = _norm(src.get_text()).removeprefix("来源：").removeprefix("来源:").strip() or None
    if published is None:
        published = _iso_datetime(_meta(soup, "PubDate"))
    if source is None:
        source = _meta(soup, "ContentSource")
    if published is None or source is None:
        # Article and ad-hoc templates write "发布日期：2025-11-14 10:00  来源：某某局" in a line of text.
        body = soup.body or soup
        for s in body.find_all(string=re.compile(r"发布(?:日期|时间)|日期[:：]|时间[:：]|来源[:：]")):
            parent = s.parent if isinstance(s.parent, Tag) else None
            line = _norm(parent.get_text(" ") if parent else str(s))
            if published is None and re.search(r"发布(?:日期|时间)|日期[:：]|时间[:：]", line):
                m = re.search(r"(?:发布(?:日期|时间)|日期|时间)\s*[:：]?\s*(.{0,40})", line)
                published = _iso_datetime(m.group(1)) if m else None
            if source is None:
                m = re.search(r"来源\s*[:：]\s*([^\s　|｜]{2,40})", line)
                if m:
                    source = m.group(1)
            if published and source:
                break
    return published, source


def _largest_block(soup: BeautifulSoup) -> Tag | None:
    """The block whose own paragraphs carry the most non-link text (a Readability-style vote).

    Every paragraph-like element (a <p>, or a div/td/li with no block inside) votes its non-link text
    length for its parent. The parent of the article's paragraphs wins; the outer wrappers get no votes,
    and navigation lists lose because link text does not count.
    """
    root = soup.body or soup
    if not isinstance(root, Tag):
        return None
    votes: dict[int, int] = {}
    parents: dict[int, Tag] = {}
    for tag in root.find_all(["p", "div", "td", "li", "dd", "section", "article"]):
        if tag.name != "p" and tag.find(list(_BLOCK_TAGS)) is not None:
            continue
        parent = tag.parent
        if not isinstance(parent, Tag):
            continue
        score = _text_len(tag, links=False)
        if score < 2:
            continue
        votes[id(parent)] = votes.get(id(parent), 0) + score
        parents[id(parent)] = parent
    if votes:
        return parents[max(votes, key=lambda k: votes[k])]
    return root if _text_len(root, links=True) else None


def _attachments(soup: BeautifulSoup, container: Tag | None, url: str) -> list[Attachment]:
    found: list[Attachment] = []
    seen: set[str] = set()
    links = soup.select("a.nfw-cms-attachment[href]")
    if container is not None:
        links += [
            a for a in container.find_all("a", href=True) if _ATTACHMENT_EXT.search(_attr(a, "href") or "")
        ]
    for a in links:
        href = (_attr(a, "href") or "").strip()
        if not href:
            continue
        absolute = urljoin(url, href)
        if absolute in seen:
            continue
        seen.add(absolute)
        name = _norm(a.get_text()) or _norm(_attr(a, "title") or "") or absolute.rsplit("/", 1)[-1]
        found.append(Attachment(name=name, url=absolute))
    return found


# Names of attachments that hold a schedule: "附件1：2026年度…评审工作时间安排表.xlsx", "…日程安排.docx".
# Traditional forms too (時間, 進度). Application forms, lists of those who passed, checklists (申报材料目录,
# 通过人员名单, 汇总表) say none of these and are not asked for.
_SCHEDULE_NAME = re.compile(r"时间|時間|安排|日程|进度|進度|排期")


# The page pointing at a file for the schedule: 各评委会申报时间安排详见附件1, 具体时间见附件.
_POINTS_AT = re.compile(
    r"(?:时间|時間|安排|日程)[^。；\n]{0,12}?(?:详见|詳見|见|見|参见|參見)\s?附件\s?(\d{0,2})"
    r"|(?:详见|詳見|参见|參見)\s?附件\s?(\d{0,2})[^。；\n]{0,8}?(?:时间|時間|安排|日程)"
)
# A name that says nothing of the file: 附件1, 附件2.xlsx, P020261120345.xlsx.
_BARE_NAME = re.compile(r"(?:附件\s?(\d{0,2})\s?[:：]?)?\s?[\w.-]*", re.ASCII)


def schedule_attachments(attachments: list[Attachment], body: str = "") -> list[Attachment]:
    """The attachments worth fetching: readable files (.xlsx, .docx, .pdf) whose name says schedule.

    Politeness first: a notice's attachments are mostly forms and name lists, and every one fetched is
    one more request to the bureau's site; a schedule file announces itself in its name (时间安排表), or
    the page says the schedule is in it (时间安排详见附件1) and its name says nothing else (附件1.xlsx).
    Legacy .doc/.xls files are never asked for, as nothing here can read them.
    """
    pointed = {m.group(1) or m.group(2) or "" for m in _POINTS_AT.finditer(body)} if "附件" in body else set()

    def wanted(a: Attachment) -> bool:
        if a.format not in READABLE_FORMATS:
            return False
        if _SCHEDULE_NAME.search(a.name):
            return True
        bare = _BARE_NAME.fullmatch(a.name)
        return bool(pointed) and bare is not None and ("" in pointed or (bare.group(1) or "") in pointed)

    return [a for a in attachments if wanted(a)]


_DOCUMENT_START = re.compile(r"<(?:html|body)\b", re.I)
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.I)
_UCAP_END = re.compile(r"</ucapcontent\s*>", re.I)
# A complete notice can be short (the replica has a 61-character extension notice), so length alone never
# condemns a page: only together with its closing tags missing.
MIN_NOTICE_TEXT = 100


def _cut_short(html: str, template: str, body: str) -> str | None:
    """Why a notice page looks cut off in transfer (with a Content-Length that matched), or None.

    Only a document can be cut short: one that opens <html> or <body> and closes neither. It is judged
    cut short when its content block is missing (the fallback had to be used) or has no end, or when
    it holds less text than a notice needs. A fragment without <html> or <body> is read as it is.
    """
    if not _DOCUMENT_START.search(html) or _DOCUMENT_END.search(html):
        return None
    if template == "fallback":
        return "no known content block"
    if template == "ucap" and not _UCAP_END.search(html):
        return "its content block has no end"
    if len(body) < MIN_NOTICE_TEXT:
        return f"only {len(body)} characters of text"
    return None


def parse_notice(html: str, url: str, selectors: Selectors = _BUILT_IN) -> NoticePage:
    """Title, publish time, source, body text and attachments of one notice page.

    Template "source" is the source's own ``selectors.body``; "ucap" is the CMS seen in 2020–21,
    "article" its sibling with div.article-content, and "fallback" means none of these containers was
    there and the largest text block was used instead.
    """
    soup = _soup(html)
    for tag in soup.find_all(_DROP_TAGS):
        if tag.name != "head":
            tag.decompose()
    container: Tag | None = soup.select_one(selectors.body) if selectors.body else None
    template = "source"
    if container is None:
        container = soup.select_one("div.content ucapcontent")
        template = "ucap"
    if container is None:
        container = soup.select_one("div.article-content")
        template = "article"
    if container is None or not _paragraphs(container):
        container = _largest_block(soup)
        template = "fallback"
    paras = _paragraphs(container) if container is not None else []
    if not paras:
        raise NoticeParseError("no text on the page")
    body = "\n\n".join(paras)
    why = _cut_short(html, template, body)
    if why:
        raise NoticeParseError(f"the page is cut short: no </body> or </html>, and {why}")
    published, source = _published_and_source(soup, template, selectors.published)
    return NoticePage(
        title=_title(soup, container, selectors.title),
        published=published,
        source=source,
        body=body,
        attachments=_attachments(soup, container, url),
        template=template,
        tables_html=str(container) if container is not None and container.find("table") is not None else "",
    )


# ------------------------------------------------------------------------------------------------- encoding

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# gbk/gb2312 pages routinely contain characters only gb18030 maps (and browsers decode them as gb18030).
_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return {"utf-8": "utf-8", "gb18030": "gb18030"}.get(canonical, canonical)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text.removeprefix("\ufeff")


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode a page: header charset, then <meta>, then BOM, then strict UTF-8, then strict GB18030.

    A declared charset that fails strict decoding is skipped rather than trusted with replacement
    characters, because mislabelled pages (UTF-8 header on GBK bytes) do occur on government sites.
    """
    declared: list[str | None] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        declared.append(_codec(m.group(1)) if m else None)
    m2 = _META_CHARSET.search(body[:4096])
    if m2:
        declared.append(_codec(m2.group(1).decode("ascii", "ignore")))
    for enc in declared:
        if enc:
            text = _strict(body, enc)
            if text is not None:
                return text, enc
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            text = _strict(body[len(bom) :], enc)
            if text is not None:
                return text, enc
    for enc in ("utf-8", "gb18030"):
        text = _strict(body, enc)
        if text is not None:
            return text, enc
    return body.decode("utf-8", "replace"), "utf-8"


# ----------------------------------------------------------------------------------------------- challenges

_CHALLENGE_MARKERS = re.compile(
    r"document\.cookie|\$_ts|__jsl_clearance|__jsluid|location\.(?:reload|replace|href\s*=)|window\.location\s*="
    r"|challenge|cf-chl|acw_sc__v2|_waf_|eval\(function",
    re.I,
)
_COOKIE_SET = re.compile(r"document\.cookie\s*=", re.I)
_RELOAD = re.compile(r"location\.(?:reload|replace)\s*\(|location(?:\.href)?\s*=", re.I)


def _visible_text(text: str) -> str:
    soup = _soup(text)
    for tag in soup.find_all(["script", "style", "noscript", "head"]):
        tag.decompose()
    return _norm(soup.get_text(" "))


def detect_challenge(status: int, text: str) -> str | None:
    """Why this response is an anti-bot challenge rather than content, or None.

    Ruishu/Jiasule-style WAFs answer 412 or 521 with a script that computes a cookie and reloads; some
    answer 200 with the same script and no content. A normal notice has paragraphs of visible text, so
    the 200 case requires almost no visible text as well as a cookie-setting or reloading script.
    """
    text = text or ""
    if len(text) > 200_000:  # challenge pages are a few KB; never regex-scan a huge body for one
        return None
    scripts = " ".join(re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.I | re.S))
    if status in (412, 521):
        if _CHALLENGE_MARKERS.search(text) or (scripts and len(_visible_text(text)) < 200):
            return f"HTTP {status} anti-bot challenge"
        return None
    if status in (200, 202):
        if not scripts:
            return None
        if (_COOKIE_SET.search(scripts) or _RELOAD.search(scripts)) and len(_visible_text(text)) < 80:
            return "JavaScript cookie challenge page"
    return None
