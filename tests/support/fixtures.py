"""Pytest fixtures for the local test servers; tests/conftest.py re-exports them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.smtp import SmtpSink
from support.webhook import WebhookSink

__all__ = ["smtp_sink", "webhook_sink"]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A started SmtpSink on 127.0.0.1, stopped after the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    """A started WebhookSink on 127.0.0.1, stopped after the test."""
    with WebhookSink() as sink:
        yield sink
