"""Attached files (附件) as something the extractor reads: spreadsheets and Word files as HTML, PDFs as text.

Committees sometimes publish their schedule only in an attachment of the notice. ``read_attachment``
turns the file's bytes into what ``extractor.tables.extract_notice_html`` (HTML) or
``extractor.extract_windows`` (text) reads: a spreadsheet's sheets and a Word file's tables become
``<table><tr><td>`` rows, so that a schedule's column headers name its steps as in a table on the page;
Word paragraphs become ``<p>``; a PDF gives its text. Pure and network-free, like the rest of the extractor.

A file is scraped and untrusted: every text is escaped, sizes are capped (bytes, unpacked bytes, rows,
characters, pages), and a broken or unreadable file never raises: it is an ``AttachmentReading`` with a
one-line ``failure``. Legacy .doc/.xls (OLE2) files are not readable with these libraries and say so.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_CHARS",
    "MAX_PDF_PAGES",
    "MAX_ROWS",
    "READABLE_FORMATS",
    "AttachmentReading",
    "attachment_format",
    "read_attachment",
]

# A schedule is a page or two; these leave room for a long annex and stop a hostile file early.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# .xlsx and .docx are zip files: a small file can unpack to gigabytes (a zip bomb), so the unpacked
# size is checked before the library opens it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000  # table rows over all sheets / tables
MAX_COLUMNS = 50
MAX_CHARS = 200_000  # as crawler.reading.MAX_TEXT_CHARS: text beyond it is not read
MAX_PDF_PAGES = 50

READABLE_FORMATS = frozenset({"xlsx", "docx", "pdf"})
# Old binary Office formats and Chinese office suites' own: no pure-Python reader among our dependencies.
_LEGACY = {
    "doc": "a legacy Word .doc file",
    "xls": "a legacy Excel .xls file",
    "wps": "a WPS document",
    "et": "a WPS spreadsheet",
    "ofd": "an OFD document",
}
_SUFFIX = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DEFAULT_SHEET = re.compile(r"^(?:Sheet|工作表)\d*$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class AttachmentReading:
    """What one attachment says: an HTML fragment or plain text (never both), or why neither.

    ``capped`` says which cap cut the reading short (what was read before it is kept).
    """

    html: str = ""
    text: str = ""
    failure: str | None = None
    capped: str | None = None


def attachment_format(name_or_url: str) -> str | None:
    """The lower-case suffix of a file name or URL path ("xlsx", "doc", …), or None without one."""
    path = urlsplit(name_or_url).path if "://" in name_or_url else name_or_url
    m = _SUFFIX.search(unquote(path).strip())
    return m.group(1).lower() if m else None


def read_attachment(name_or_url: str, data: bytes) -> AttachmentReading:
    """Read an attachment's bytes by its name's (or URL's) suffix; never raises on a broken file."""
    fmt = attachment_format(name_or_url)
    if fmt in _LEGACY:
        return AttachmentReading(failure=f"{_LEGACY[fmt]}: not readable (only .xlsx, .docx and .pdf are)")
    if fmt not in READABLE_FORMATS:
        return AttachmentReading(failure=f"not a readable file type ({fmt or 'no suffix'})")
    if len(data) > MAX_ATTACHMENT_BYTES:
        return AttachmentReading(failure=f"{len(data):,} bytes: over the cap of {MAX_ATTACHMENT_BYTES:,}")
    if data.startswith(_OLE2_MAGIC):
        return AttachmentReading(failure=f"a legacy Office file named .{fmt}: not readable")
    try:
        with _quiet():
            if fmt == "pdf":
                return _read_pdf(data)
            why = _zip_refusal(data)
            if why:
                return AttachmentReading(failure=why)
            return _read_xlsx(data) if fmt == "xlsx" else _read_docx(data)
    except Exception as e:  # a broken file of any kind: one line, never a crash
        return AttachmentReading(failure=f"unreadable .{fmt}: {_one_line(e)}")


# ------------------------------------------------------------------------------------------------ helpers


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings and no log lines from the libraries while they read: pypdf logs "EOF marker not found"
    through logging's last-resort handler, i.e. onto the crawl's stderr. The outcome is what was read."""
    loggers = [logging.getLogger(name) for name in ("pypdf", "openpyxl", "docx")]
    sink = logging.NullHandler()
    before = [logger.propagate for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            # A handler of their own (which drops everything) keeps records away from the last resort.
            logger.addHandler(sink)
            logger.propagate = False
        try:
            yield
        finally:
            for logger, was in zip(loggers, before, strict=True):
                logger.removeHandler(sink)
                logger.propagate = was


def _one_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    text = lines[0][:160] if lines else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _zip_refusal(data: bytes) -> str | None:
    """Why a would-be .xlsx/.docx must not be opened (not a zip, or one that unpacks too large)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "not a zip archive (an .xlsx or .docx file is one): broken or mislabelled"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        return f"unpacks to {unpacked:,} bytes: over the cap of {MAX_UNPACKED_BYTES:,}"
    return None


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a notice would print (dates as 2026年12月7日)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        shown = f"{value.year}年{value.month}月{value.day}日"
        return shown if value.time() == time(0) else f"{shown} {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _escape(text: str) -> str:
    """Cell or paragraph text as HTML text: escaped, control characters dropped, line breaks as <br>."""
    lines = (htmllib.escape(_CONTROL.sub("", line).strip()) for line in text.splitlines())
    return "<br>".join(line for line in lines if line)


class _Budget:
    """Rows and characters left; the first cap reached is remembered and stops the reading."""

    def __init__(self) -> None:
        self.rows, self.chars = MAX_ROWS, MAX_CHARS
        self.capped: str | None = None

    def take(self, texts: list[str]) -> bool:
        if self.capped:
            return False
        if self.rows <= 0:
            self.capped = f"over {MAX_ROWS:,} rows: only the first {MAX_ROWS:,} were read"
            return False
        size = sum(len(t) for t in texts)
        if size > self.chars:
            self.capped = f"over {MAX_CHARS:,} characters: only the first {MAX_CHARS:,} were read"
            return False
        self.rows -= 1
        self.chars -= size
        return True


def _table(rows: list[list[str]]) -> str:
    """Rows of cell texts as an HTML table; trailing empty columns dropped."""
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows), default=0)
    out = ["<table>"]
    for row in rows:
        cells = (row + [""] * width)[:width]
        out.append("<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


# ----------------------------------------------------------------------------------------------- formats


def _read_xlsx(data: bytes) -> AttachmentReading:
    from openpyxl import load_workbook

    # Not read_only: only the full reader knows merged cells, which schedules use for a committee's rows.
    # The unpacked size was capped before, so the full reader's memory is bounded too.
    book = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    budget = _Budget()
    parts: list[str] = []
    for sheet in book.worksheets:
        merged: dict[tuple[int, int], tuple[int, int]] = {}
        for cells in sheet.merged_cells.ranges:
            for r in range(cells.min_row, min(cells.max_row, MAX_ROWS + 1) + 1):
                for c in range(cells.min_col, min(cells.max_col, MAX_COLUMNS) + 1):
                    merged[(r, c)] = (cells.min_row, cells.min_col)
        rows = _rows_within(budget, _sheet_rows(sheet, merged))
        if rows:
            title = sheet.title if not _DEFAULT_SHEET.match(sheet.title) else ""
            parts.append((f"<h2>{_escape(title)}</h2>" if title else "") + _table(rows))
        if budget.capped:
            break
    if not parts:
        return AttachmentReading(failure="an empty spreadsheet")
    return AttachmentReading(html="\n".join(parts), capped=budget.capped)


def _sheet_rows(sheet: Any, merged: dict[tuple[int, int], tuple[int, int]]) -> Iterator[list[str]]:
    """A sheet's rows as text, up to one past the row cap (the budget then says so)."""
    grid: dict[tuple[int, int], str] = {}
    last_row = min(sheet.max_row, MAX_ROWS + 1)
    last_col = min(sheet.max_column, MAX_COLUMNS)
    for r, values in enumerate(
        sheet.iter_rows(min_row=1, max_row=last_row, max_col=last_col, values_only=True), start=1
    ):
        for c, value in enumerate(values, start=1):
            grid[(r, c)] = _cell_text(value)
        # A merged range holds its value in its top-left cell only: spread it, as a table's rowspan would.
        yield [grid.get(merged.get((r, c), (r, c)), "") for c in range(1, len(values) + 1)]


def _rows_within(budget: _Budget, rows: Iterator[list[str]]) -> list[list[str]]:
    """A table's non-empty rows, until the reading's budget refuses one."""
    out: list[list[str]] = []
    for row in rows:
        if not any(row):
            continue
        if not budget.take(row):
            break
        out.append(row)
    return out


def _docx_blocks(document: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def _read_docx(data: bytes) -> AttachmentReading:
    from docx import Document
    from docx.table import Table

    document = Document(io.BytesIO(data))
    budget = _Budget()
    parts: list[str] = []
    for block in _docx_blocks(document):
        if isinstance(block, Table):
            # python-docx repeats a merged cell in every grid position it covers, as _grid spreads spans.
            rows = _rows_within(budget, ([cell.text for cell in tr.cells][:MAX_COLUMNS] for tr in block.rows))
            if rows:
                parts.append(_table(rows))
        else:
            text = block.text
            if text.strip() and budget.take([text]):
                parts.append(f"<p>{_escape(text)}</p>")
        if budget.capped:
            break
    if not parts:
        return AttachmentReading(failure="a Word file without text")
    return AttachmentReading(html="\n".join(parts), capped=budget.capped)


def _read_pdf(data: bytes) -> AttachmentReading:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return AttachmentReading(failure="an encrypted PDF")
    texts: list[str] = []
    size, capped = 0, None
    for n, page in enumerate(reader.pages):
        if n >= MAX_PDF_PAGES:
            capped = f"over {MAX_PDF_PAGES} pages: only the first {MAX_PDF_PAGES} were read"
            break
        text = _CONTROL.sub("", page.extract_text() or "")
        if size + len(text) > MAX_CHARS:
            texts.append(text[: MAX_CHARS - size])
            capped = f"over {MAX_CHARS:,} characters: only the first {MAX_CHARS:,} were read"
            break
        texts.append(text)
        size += len(text)
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text:
        return AttachmentReading(failure="a PDF without a text layer (a scan?)")
    return AttachmentReading(text=text, capped=capped)
