"""Staff deadline digest: what is open, what closes soonest, what opens next.

The data model (``model``) is filled by a database query elsewhere; ``render`` turns it into
text, Markdown, HTML, JSON or iCalendar without touching the database or the network.
"""

from .model import KIND_LABELS, Digest, DigestEntry, NeedsReview
from .render import FORMATS, render

__all__ = ["FORMATS", "KIND_LABELS", "Digest", "DigestEntry", "NeedsReview", "render"]
