"""iCalendar (RFC 5545) feed of the digest's windows, written by hand with the stdlib.

Staff subscribe to or import this file, so identity matters more than anything: each VEVENT's
UID is ``{window_key}@zcwatch`` and re-importing an updated file moves the existing event
instead of adding a duplicate. Events are emitted for open, upcoming and estimated windows
(never closed ones), each window once.

Time model (dates are Asia/Shanghai local):

* date-only windows are all-day events: ``DTSTART;VALUE=DATE`` and an exclusive ``DTEND`` of
  end + 1 day; a bare deadline is a one-day event on the end date;
* when either bound has a time, the event is timed with ``TZID=Asia/Shanghai`` (a VTIMEZONE is
  included: UTC+8, no DST); a missing time is the start (00:00) or end (23:59) of that day; a
  timed bare deadline is a zero-duration event (DTSTART only, RFC 5545 §3.6.1).

Changes and reminders: ``SEQUENCE`` counts the times the window's dates changed (a calendar replaces
an event only for a higher one) and ``DTSTAMP`` is when that version was recorded, so an unchanged
window reads byte for byte the same on every poll (the web feed's ETag depends on it). Each event
carries ``VALARM`` reminders at 09:00 Beijing time (absolute UTC triggers, so an all-day event does
not ring at midnight): 30 days and 1 day before the start, and 3 days before the end.

Writing by hand keeps ``icalendar`` a test-only dependency. The rules implemented: TEXT
escaping of ``\\ ; ,`` and newlines, CRLF line ends, and folding at 75 octets without ever
splitting a UTF-8 sequence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ._common import SHANGHAI, TZID, clean, fmt_when, is_http_url, parse_when, safe_url, unique_windows
from .model import Digest, DigestEntry, kind_label

PRODID = "-//zcwatch//digest//ZH"
CALNAME = "职称评审申报窗口"
MAX_LINE_OCTETS = 75
PREDICTED_PREFIX = "【预估】"
_END_OF_DAY = time(23, 59)
# Reminders: (days before, which end of the window, what the reminder says).
ALARMS = ((30, "start", "30天后开始"), (1, "start", "明天开始"), (3, "end", "3天后截止"))
ALARM_AT = time(9, 0)

VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "X-LIC-LOCATION:Asia/Shanghai",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping; other control characters are not allowed and are dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == ";":
            out.append("\\;")
        elif ch == ",":
            out.append("\\,")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append(" ")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            continue
        else:
            out.append(ch)
    return "".join(out)


def _atoms(line: str) -> list[str]:
    """Characters, with each backslash escape kept as one unit so ``\\n`` is never split."""
    atoms: list[str] = []
    i = 0
    while i < len(line):
        step = 2 if line[i] == "\\" and i + 1 < len(line) else 1
        atoms.append(line[i : i + step])
        i += step
    return atoms


def _utf8_octets(ch: str) -> int:
    code = ord(ch)
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def fold(line: str) -> str:
    """Fold one content line into CRLF-joined chunks of at most 75 octets (§3.1).

    Continuation lines start with a space, which counts toward their 75 octets. Characters are
    never split: a multi-byte character that does not fit moves whole to the next line. The
    RFC would allow splitting a backslash escape, but some importers mis-read that, so escapes
    stay together too.
    """
    if len(line) * 4 <= MAX_LINE_OCTETS or len(line.encode("utf-8")) <= MAX_LINE_OCTETS:
        return line  # most lines fit: no need to walk them character by character
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for atom in _atoms(line):
        n = len(atom) if len(atom) == 2 else _utf8_octets(atom)  # an escape is two ASCII octets
        if current and size + n > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_LINE_OCTETS - 1  # room for the leading space
        current.append(atom)
        size += n
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _date_value(d: date) -> str:
    return d.strftime("%Y%m%d")


def _local_dt_value(dt: datetime) -> str:
    return dt.strftime("%Y%m%dT%H%M%S")


def _event_times(entry: DigestEntry) -> tuple[list[str], bool] | None:
    """DTSTART/DTEND lines for a window and whether they are timed; None if there is no date."""
    start = parse_when(entry.start)
    end = parse_when(entry.end)
    if start is not None and end is not None and _as_naive(end, _END_OF_DAY) < _as_naive(start, time()):
        # An end before the start is an extraction error; trust the deadline, which matters most.
        start = None
    if start is None and end is None:
        return None
    timed = isinstance(start, datetime) or isinstance(end, datetime)
    if not timed:
        first = start if start is not None else end
        last = end if end is not None else start
        assert isinstance(first, date)
        assert isinstance(last, date)
        return (
            [
                f"DTSTART;VALUE=DATE:{_date_value(first)}",
                f"DTEND;VALUE=DATE:{_date_value(last + timedelta(days=1))}",
            ],
            False,
        )
    if start is None or end is None:
        only = end if end is not None else start
        assert only is not None
        return [f"DTSTART;TZID={TZID}:{_local_dt_value(_as_naive(only, _END_OF_DAY))}"], True
    return (
        [
            f"DTSTART;TZID={TZID}:{_local_dt_value(_as_naive(start, time()))}",
            f"DTEND;TZID={TZID}:{_local_dt_value(_as_naive(end, _END_OF_DAY))}",
        ],
        True,
    )


def _as_naive(value: date | datetime, default: time) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, default)


def _summary(entry: DigestEntry) -> str:
    label = clean(kind_label(entry.kind))
    if entry.start is None and entry.end is not None:
        label += "截止"
    prefix = PREDICTED_PREFIX if entry.predicted else ""
    return f"{prefix}{clean(entry.committee)} {label}".strip()


def _description(entry: DigestEntry) -> str:
    lines = [f"委员会：{clean(entry.committee)}", f"环节：{clean(kind_label(entry.kind))}"]
    if entry.start:
        lines.append(f"开始：{fmt_when(entry.start)}")
    if entry.end:
        lines.append(f"截止：{fmt_when(entry.end)}")
    if entry.predicted:
        lines.append("预估：按上年度日期推算，以正式通知为准。")
    if entry.evidence:
        lines.append(f"依据：{clean(entry.evidence)}")
    if entry.notice_title:
        lines.append(f"通知：{clean(entry.notice_title)}")
    if entry.notice_url:
        lines.append(f"链接：{clean(entry.notice_url)}")
    return "\n".join(lines)


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _alarms(entry: DigestEntry) -> list[str]:
    """The VALARM blocks: 09:00 local on each reminder day, as UTC date-times."""
    out: list[str] = []
    for days, edge, text in ALARMS:
        parsed = parse_when(entry.start if edge == "start" else entry.end)
        if parsed is None:
            continue
        day = (parsed.date() if isinstance(parsed, datetime) else parsed) - timedelta(days=days)
        trigger = _utc_stamp(datetime.combine(day, ALARM_AT, tzinfo=SHANGHAI))
        out += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(f'{_summary(entry)}：{text}')}",
            f"TRIGGER;VALUE=DATE-TIME:{trigger}",
            "END:VALARM",
        ]
    return out


def _vevent(entry: DigestEntry, dtstamp: str) -> tuple[list[str], bool] | None:
    times = _event_times(entry)
    if times is None:
        return None
    time_lines, timed = times
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(entry.window_key)}@zcwatch",
        f"DTSTAMP:{_utc_stamp(entry.recorded_at) if entry.recorded_at else dtstamp}",
        f"SEQUENCE:{entry.sequence}",
        *time_lines,
        f"SUMMARY:{escape_text(_summary(entry))}",
        f"DESCRIPTION:{escape_text(_description(entry))}",
    ]
    url = clean(entry.notice_url)
    if is_http_url(url):
        lines.append(f"URL:{safe_url(url)}")
    # Windows span weeks; they must not mark people busy. Estimates are tentative by nature.
    lines.append("TRANSP:TRANSPARENT")
    lines.append(f"STATUS:{'TENTATIVE' if entry.predicted else 'CONFIRMED'}")
    lines.extend(_alarms(entry))
    lines.append("END:VEVENT")
    return lines, timed


def render_ics(digest: Digest) -> str:
    dtstamp = _utc_stamp(digest.generated_at)
    events: list[str] = []
    any_timed = False
    for entry in unique_windows(digest.open_now, digest.opening_soon, digest.estimates):
        if entry.status == "closed":
            continue
        built = _vevent(entry, dtstamp)
        if built is None:
            continue
        lines, timed = built
        events.extend(lines)
        any_timed = any_timed or timed
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(CALNAME)}",
        f"X-WR-TIMEZONE:{TZID}",
    ]
    lines = [*head, *(VTIMEZONE if any_timed else []), *events, "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
