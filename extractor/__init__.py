"""Extract application windows, committee and review year from Guangzhou title-review notices.

Pure functions over text: no network and no crawler imports, so the same code serves the
spider, the ``zcwatch extract`` command and the benchmark.
"""

from .committee import extract_committee, extract_review_year, shared_committee
from .html import html_to_text
from .model import Window
from .tables import extract_notice_html
from .windows import extract_windows

# Raised whenever the extractor reads text differently (rules, names, kinds). Notices read by an
# older one are re-read from the database (``crawler.reread``); an older zcwatch never re-reads what a
# newer one stored. tests/test_reader_version.py fails when the output changes and this number does not.
READER_VERSION = 14

__all__ = [
    "READER_VERSION",
    "Window",
    "extract_committee",
    "extract_notice_html",
    "extract_review_year",
    "extract_windows",
    "html_to_text",
    "shared_committee",
]
