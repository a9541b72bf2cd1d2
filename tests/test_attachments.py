"""Attachments (附件) read as the extractor's input: real files built here, read by the real readers.

The reader (``extractor.attachments``) on .xlsx/.docx/.pdf files made with openpyxl, python-docx and raw
PDF syntax (``support.attachment_files``); broken, legacy and oversized files give one line, never an
exception; and which attachments a crawl asks for, and how their hashes make a notice's version.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, datetime

import pytest
from support.attachment_files import docx_bytes, text_pdf, xlsx_bytes

from crawler.pages import Attachment, schedule_attachments
from crawler.reading import read_notice
from crawler.spider import attachments_to_fetch
from extractor.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ROWS,
    AttachmentReading,
    attachment_format,
    read_attachment,
)
from store.notices import FetchedAttachment, FetchedNotice

TITLE = "关于做好2026年度广州市中级职称评审工作的通知"
ENGINEERING = "广州市工程技术人才中级职称评审委员会"
FARMING = "广州市农业技术人才中级职称评审委员会"
SCHEDULE = [
    ["评委会名称", "网上申报时间", "纸质材料报送时间"],
    [ENGINEERING, "2026年12月7日至12月18日", "2027年1月4日至1月8日"],
    [FARMING, "2026年12月14日至12月25日", "2027年1月11日至1月15日"],
]
EXPECTED = sorted(
    [
        (ENGINEERING, "apply", "2026-12-07", "2026-12-18"),
        (ENGINEERING, "paper", "2027-01-04", "2027-01-08"),
        (FARMING, "apply", "2026-12-14", "2026-12-25"),
        (FARMING, "paper", "2027-01-11", "2027-01-15"),
    ]
)


def _notice(*attachments: FetchedAttachment, body: str = "各评委会申报时间安排详见附件。") -> FetchedNotice:
    return FetchedNotice(
        url="http://rsj.gz.gov.cn/x/content/post_1.html",
        title=TITLE,
        listing_date="2026-11-20",
        host="rsj.gz.gov.cn",
        published="2026-11-20T10:00",
        body=body,
        attachments=[{"name": a.name, "url": a.url} for a in attachments],
        attachments_read=list(attachments),
    )


def _read(name: str, data: bytes) -> FetchedAttachment:
    reading = read_attachment(name, data)
    assert reading.failure is None, reading
    return FetchedAttachment(
        name, f"http://rsj.gz.gov.cn/attachment/{name}", hashlib.sha256(data).hexdigest(),
        reading.html, reading.text, reading.capped,
    )  # fmt: skip


def _windows(notice: FetchedNotice) -> list[tuple[str | None, str, str | None, str | None]]:
    return sorted((w.committee, w.kind, w.start, w.end) for w in read_notice(notice).windows)


# -------------------------------------------------------------------------------------------- reading


def test_a_spreadsheet_schedule_gives_each_committee_its_windows_from_the_column_headers() -> None:
    attachment = _read("附件1：2026年度中级职称评审时间安排表.xlsx", xlsx_bytes(SCHEDULE))
    assert attachment.html.startswith("<table><tr><td>评委会名称</td>")
    reading = read_notice(_notice(attachment))
    assert _windows(_notice(attachment)) == EXPECTED
    # The evidence names the file the dates were read from.
    assert all(w.evidence.startswith("附件1：2026年度中级职称评审时间安排表.xlsx: ") for w in reading.windows)


def test_merged_committee_cells_and_date_cells_read_as_the_sheet_shows_them() -> None:
    rows = [
        ["评委会名称", "环节", "时间"],
        [ENGINEERING, "网上申报", datetime(2026, 12, 7)],
        [None, "纸质材料报送", date(2027, 1, 4)],
    ]
    attachment = _read("日程安排.xlsx", xlsx_bytes(rows, title="工程系列", merge=["A2:A3"]))
    assert "<h2>工程系列</h2>" in attachment.html
    assert attachment.html.count(f"<td>{ENGINEERING}</td>") == 2  # the merged cell in both its rows
    assert "<td>2026年12月7日</td>" in attachment.html and "<td>2027年1月4日</td>" in attachment.html
    # One committee in the table: the extractor takes it for the notice's own (committee None).
    assert [w[1:] for w in _windows(_notice(attachment))] == [
        ("apply", "2026-12-07", "2026-12-07"),
        ("paper", "2027-01-04", "2027-01-04"),
    ]


def test_cell_text_is_escaped() -> None:
    rows = [["评委会名称", "备注"], ['<script>alert("x")</script>', "a & b<br>"]]
    reading = read_attachment("时间安排.xlsx", xlsx_bytes(rows))
    assert (
        "<script>" not in reading.html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in reading.html
    )
    assert "a &amp; b&lt;br&gt;" in reading.html


def test_a_word_file_gives_its_paragraphs_and_its_table_in_order() -> None:
    data = docx_bytes(["各有关单位：", "现将申报时间安排如下："], SCHEDULE)
    attachment = _read("附件：申报时间安排.docx", data)
    assert attachment.html.startswith("<p>各有关单位：</p>\n<p>现将申报时间安排如下：</p>\n<table><tr>")
    assert _windows(_notice(attachment)) == EXPECTED


def test_a_pdf_gives_its_text() -> None:
    data = text_pdf([f"{ENGINEERING}申报安排", "网上申报时间：2026年12月7日至12月18日"])
    attachment = _read("时间安排.pdf", data)
    assert attachment.html == "" and "网上申报时间：2026年12月7日至12月18日" in attachment.text
    assert [(w.kind, w.start, w.end) for w in read_notice(_notice(attachment)).windows] == [
        ("apply", "2026-12-07", "2026-12-18")
    ]


def test_dates_the_page_already_gives_are_one_window_not_two() -> None:
    attachment = _read("时间安排.pdf", text_pdf(["网上申报时间：2026年12月7日至12月18日"]))
    notice = _notice(attachment, body="网上申报时间：2026年12月7日至12月18日，详见附件。")
    assert [(w.kind, w.start, w.end) for w in read_notice(notice).windows] == [
        ("apply", "2026-12-07", "2026-12-18")
    ]


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "failure"),
    [
        ("附件1.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a legacy Word .doc file: not readable"),
        ("附件2.xls", b"anything", "a legacy Excel .xls file: not readable"),
        ("附件3.zip", b"PK", "not a readable file type (zip)"),
        ("附件4", b"PK", "not a readable file type (no suffix)"),
        ("附件5.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a legacy Office file named .xlsx"),
        ("附件6.xlsx", b"<html>404</html>", "not a zip archive"),
        ("附件7.docx", b"PK\x03\x04broken", "not a zip archive"),
        ("附件8.xlsx", xlsx_bytes(SCHEDULE)[:2000], "not a zip archive"),
        ("附件9.pdf", b"%PDF-1.4 garbage", "unreadable .pdf: "),
        ("附件10.pdf", text_pdf([]), "a PDF without a text layer"),
        ("附件11.xlsx", xlsx_bytes([]), "an empty spreadsheet"),
        ("附件12.docx", docx_bytes([]), "a Word file without text"),
        ("附件13.pdf", b"%PDF" + b"0" * MAX_ATTACHMENT_BYTES, "bytes: over the cap of"),
        ("附件14.xlsx", _zip_bomb(), "unpacks to 62,914,560 bytes: over the cap"),
        ("附件15.docx", xlsx_bytes(SCHEDULE), "unreadable .docx: "),
    ],
)
def test_a_file_that_cannot_be_read_says_why_in_one_line(name: str, data: bytes, failure: str) -> None:
    reading = read_attachment(name, data)
    assert (reading.html, reading.text) == ("", "")
    assert reading.failure is not None and failure in reading.failure, reading
    assert "\n" not in reading.failure and len(reading.failure) < 250


def test_a_long_sheet_is_read_up_to_the_row_cap_and_says_so() -> None:
    rows = [["评委会名称", "受理时间"]] + [[f"评委会{i}", "2026年12月7日"] for i in range(MAX_ROWS + 10)]
    reading = read_attachment("时间安排.xlsx", xlsx_bytes(rows))
    assert reading.html.count("<tr>") == MAX_ROWS
    assert reading.capped == f"over {MAX_ROWS:,} rows: only the first {MAX_ROWS:,} were read"
    notice = _notice(
        FetchedAttachment("时间安排.xlsx", "http://x/a.xlsx", "h", reading.html, capped=reading.capped)
    )
    assert "attachment 时间安排.xlsx: over" in (read_notice(notice).capped or "")


@pytest.mark.parametrize(
    ("name_or_url", "fmt"),
    [
        ("附件1：时间安排表.XLSX", "xlsx"),
        ("http://rsj.gz.gov.cn/attachment/7/7012/11234567.pdf?v=2#p", "pdf"),
        ("http://rsj.gz.gov.cn/download%2Ffile.docx", "docx"),
        ("http://rsj.gz.gov.cn/download?id=12", None),
        ("附件1", None),
    ],
)
def test_attachment_format(name_or_url: str, fmt: str | None) -> None:
    assert attachment_format(name_or_url) == fmt


def test_a_reading_is_a_value() -> None:
    assert AttachmentReading() == AttachmentReading(html="", text="", failure=None, capped=None)


# ---------------------------------------------------------------------------------- what a crawl asks for

SITE = "http://rsj.gz.gov.cn/attachment/7/"


def test_only_readable_files_named_as_schedules_are_asked_for() -> None:
    attachments = [
        Attachment("附件1：2026年度评审工作时间安排表.xlsx", SITE + "1.xlsx"),
        Attachment("附件2：日程安排.docx", SITE + "2.docx"),
        Attachment("評審時間.pdf", SITE + "3.pdf"),
        Attachment("附件3：申报时间安排.doc", SITE + "4.doc"),  # legacy: nothing can read it
        # What the replica's notices attach: forms, lists and checklists.
        Attachment("附件2：申报人员汇总表.xlsx", SITE + "5.xlsx"),
        Attachment("2024年度广州市会计系列高级职称评审申报指引.pdf", SITE + "6.pdf"),
        Attachment("附件：2024年度中职教师职称申报材料报送要求.docx", SITE + "7.docx"),
        Attachment("附件1：时间安排表", SITE + "download?id=8"),  # no suffix anywhere: type unknown
        Attachment("时间安排表.xlsx", SITE + "download?id=9"),  # the link text's suffix says
    ]
    chosen = schedule_attachments(attachments)
    assert [a.url.rsplit("/", 1)[-1] for a in chosen] == ["1.xlsx", "2.docx", "3.pdf", "download?id=9"]


def test_a_bare_named_file_is_asked_for_when_the_page_says_the_schedule_is_in_it() -> None:
    """附件1.xlsx says nothing, but 时间安排详见附件1 does: that file (no other bare one) is the schedule."""
    attachments = [
        Attachment("附件1", SITE + "1.xlsx"),
        Attachment("附件2.docx", SITE + "2.docx"),
        Attachment("附件3：申报人员汇总表.xlsx", SITE + "3.xlsx"),
        Attachment("附件1.doc", SITE + "4.doc"),  # legacy: nothing can read it
    ]
    pointed = "各评委会申报时间安排详见附件1。申报表格式见附件2。"
    assert [a.url for a in schedule_attachments(attachments, pointed)] == [SITE + "1.xlsx"]
    # 详见附件 without a number: every bare readable file; a page that points at none: no bare file.
    assert [a.url for a in schedule_attachments(attachments, "具体时间安排详见附件。")] == [
        SITE + "1.xlsx",
        SITE + "2.docx",
    ]
    assert schedule_attachments(attachments, "请按附件要求填报。") == []
    assert schedule_attachments(attachments) == []


def test_attachments_are_asked_for_on_the_notices_own_registrable_domain_only() -> None:
    name = "时间安排.xlsx"
    attachments = [
        Attachment(name, "http://rsj.gz.gov.cn/a/1.xlsx"),
        Attachment(name, "https://www.gz.gov.cn/a/2.xlsx"),
        Attachment(name, "http://files.example.com/3.xlsx"),
        Attachment(name, "ftp://rsj.gz.gov.cn/4.xlsx"),
    ]
    chosen = attachments_to_fetch(attachments, "http://rsj.gz.gov.cn/x/content/post_1.html")
    assert [a.url for a in chosen] == ["http://rsj.gz.gov.cn/a/1.xlsx", "https://www.gz.gov.cn/a/2.xlsx"]


# ------------------------------------------------------------------------------------------ versions


def test_a_notice_without_read_attachments_keeps_the_hash_it_always_had() -> None:
    notice = _notice(body="正文")
    notice.attachments = [{"name": "附件1.doc", "url": SITE + "1.doc"}]
    before = json.dumps([notice.title, notice.body, notice.attachments], ensure_ascii=False)
    assert notice.content_hash() == hashlib.sha256(before.encode()).hexdigest()


def test_an_edited_attachment_makes_a_new_version() -> None:
    first = _read("时间安排.xlsx", xlsx_bytes(SCHEDULE))
    edited = _read("时间安排.xlsx", xlsx_bytes([*SCHEDULE[:2], [FARMING, "2026年12月21日", ""]]))
    assert _notice(first).content_hash() == _notice(first).content_hash()
    assert _notice(first).content_hash() != _notice(edited).content_hash()
    assert _notice(first).content_hash() != _notice(body=_notice().body).content_hash()
