"""HTML digest: one self-contained page for a browser, a phone or paper.

No scripts, external stylesheets, fonts or images: the page has to open from an e-mail
attachment or an intranet share with no network, and a restrictive Content-Security-Policy
``<meta>`` makes that explicit (and would neuter any markup that slipped through escaping).
Every scraped string goes through ``html.escape``; only http(s) notice URLs become links.
On narrow screens each table row reflows into a labelled card; wide tables otherwise scroll
sideways; ``@media print`` keeps rows whole and prints link targets.
"""

from __future__ import annotations

from html import escape

from ._common import fmt_generated, is_http_url
from ._sections import NOTICE, Row, Section, build_sections
from .model import Digest

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
  sans-serif; color: #222; line-height: 1.5; margin: 0 auto; max-width: 1100px; padding: 12px; }
h1 { font-size: 1.4em; margin: .2em 0; }
h2 { font-size: 1.15em; border-bottom: 2px solid #d9dee3; padding-bottom: 4px; margin-top: 1.6em; }
.meta { color: #666; margin: 0 0 1em; }
.note { color: #7a5b16; background: #fcf6e3; padding: 6px 8px; border-radius: 4px; }
.empty { color: #777; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .95em; }
th, td { border: 1px solid #d9dee3; padding: 6px 8px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #f3f5f7; white-space: nowrap; }
td.date { white-space: nowrap; }
td.link { overflow-wrap: anywhere; }
tr.urgent td { background: #fff2ee; }
tr.urgent td.days { color: #b42318; font-weight: bold; }
tr.predicted td { color: #555; }
.tag { display: inline-block; font-size: .8em; line-height: 1.3; padding: 0 4px; margin-left: 4px;
  border: 1px solid #b7791f; color: #b7791f; border-radius: 3px; white-space: nowrap; }
.ev { color: #666; font-size: .85em; margin-top: 2px; }
.rawurl { color: #888; font-size: .85em; word-break: break-all; }
@media screen and (max-width: 640px) {
  body { padding: 8px; }
  table, tbody, tr, td { display: block; width: auto; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border: 1px solid #d9dee3; border-radius: 6px; margin-bottom: 10px; }
  td { border: none; border-bottom: 1px solid #eef1f4; }
  td:last-child { border-bottom: none; }
  td::before { content: attr(data-label) "："; color: #666; font-weight: bold; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .scroll { overflow: visible; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr.urgent td { background: none; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .8em; word-break: break-all; }
}
"""

# Defence in depth: even if something escaped escaping, nothing could load or run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_DATE_HEADERS = {"开始", "截止", "原日期", "新日期", "发布日期"}
_DAYS_HEADERS = {"剩余天数", "状态"}


def _e(text: str) -> str:
    return escape(text, quote=True)


def _link_html(row: Row) -> str:
    if row.link is None:
        return "-"
    title = _e(row.link.text)
    if is_http_url(row.link.url):
        html = f'<a href="{_e(row.link.url)}" rel="noopener noreferrer">{title}</a>'
    elif row.link.url and row.link.url != row.link.text:
        # Not a web link (javascript:, relative, ...): show it for a person to judge, never link it.
        html = f'{title} <span class="rawurl">{_e(row.link.url)}</span>'
    else:
        html = title
    if row.evidence:
        html += f'<div class="ev">依据：{_e(row.evidence)}</div>'
    return html


def _row_html(section: Section, headers: list[str], row: Row) -> str:
    classes = [c for c, on in (("urgent", row.urgent), ("predicted", row.predicted)) if on]
    tr = f'<tr class="{" ".join(classes)}">' if classes else "<tr>"
    tds = []
    for i, cell in enumerate(row.cells):
        header = headers[i]
        content = _e(cell)
        if row.predicted and i == section.kind_col:
            content += '<span class="tag">预估</span>'
        cls = "date" if header in _DATE_HEADERS else "days" if header in _DAYS_HEADERS else ""
        cls_attr = f' class="{cls}"' if cls else ""
        tds.append(f'<td{cls_attr} data-label="{_e(header)}">{content}</td>')
    tds.append(f'<td class="link" data-label="{_e(NOTICE)}">{_link_html(row)}</td>')
    return tr + "".join(tds) + "</tr>"


def _section_html(section: Section) -> list[str]:
    count = f"（{len(section.rows)}）" if section.rows else ""
    out = [f'<section id="{_e(section.key)}">', f"<h2>{_e(section.title)}{count}</h2>"]
    if not section.rows:
        out += [f'<p class="empty">{_e(section.empty)}</p>', "</section>"]
        return out
    if section.note:
        out.append(f'<p class="note">{_e(section.note)}</p>')
    headers = [*section.headers, NOTICE]
    out.append('<div class="scroll"><table>')
    out.append("<thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    out.extend(_row_html(section, headers, row) for row in section.rows)
    out += ["</tbody>", "</table></div>", "</section>"]
    return out


def render_html(digest: Digest) -> str:
    generated = fmt_generated(digest)
    title = f"职称评审申报提醒 {generated}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<h1>职称评审申报提醒</h1>",
        f'<p class="meta">生成于 {_e(generated)}（北京时间）</p>',
    ]
    for section in build_sections(digest):
        out.extend(_section_html(section))
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
