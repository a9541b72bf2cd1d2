"""HTML digest: one self-contained page for a browser, a phone or paper, from the shared templates.

The page renders from ``templates/digest.html`` with the section macros of ``templates/_sections.html``,
the same macros the web board (``web/``) renders its tables with: one renderer, two pages.

No scripts, external stylesheets, fonts or images: the page has to open from an e-mail
attachment or an intranet share with no network, and a restrictive Content-Security-Policy
``<meta>`` makes that explicit (and would neuter any markup that slipped through escaping).
Jinja2's autoescape escapes every scraped string; only http(s) notice URLs become links.
On narrow screens each table row reflows into a labelled card; wide tables otherwise scroll
sideways; ``@media print`` keeps rows whole and prints link targets.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ._common import fmt_generated, is_http_url
from ._sections import build_sections
from .model import Digest

TEMPLATES = Path(__file__).with_name("templates")

# Defence in depth: even if something escaped escaping, nothing could load or run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def template_environment(*loaders: BaseLoader) -> Environment:
    """A Jinja2 environment over ``loaders`` then the digest's templates, escaping all of them.

    Autoescape is on for every template name (``.html``, ``.svg``, ``.xml`` and strings alike), and a
    missing variable is an error rather than an empty string.
    """
    env = Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.tests["http_url"] = is_http_url
    return env


@cache
def _environment() -> Environment:
    return template_environment()


def stylesheet() -> str:
    """The digest's CSS (the web board serves it as the base of its own)."""
    return (TEMPLATES / "digest.css").read_text(encoding="utf-8")


def render_html(digest: Digest) -> str:
    page = _environment().get_template("digest.html")
    return page.render(csp=CSP, generated=fmt_generated(digest), sections=build_sections(digest))
