"""Pytest fixtures for the replica of the committee-notice column (tests/support/replica.py).

One server per test session (starting it costs a thread and a socket, nothing more); the function-scoped
``replica`` fixture hands it out with faults, edits, added items and the request log cleared, so tests stay
independent. tests/conftest.py may re-export them (`from support.replica_fixtures import *`); until then
test modules import `replica_fixture, replica_server_fixture` themselves.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from support.replica import ReplicaServer

__all__ = ["proxy_opener", "replica_fixture", "replica_server_fixture"]


def proxy_opener(server: ReplicaServer) -> urllib.request.OpenerDirector:
    """A urllib opener that sends every http:// request through the replica, as the crawler will."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))


# Registered under the short names; the function names differ so that importing them into a test module
# does not make every `replica` argument shadow an import (ruff F811).
@pytest.fixture(scope="session", name="replica_server")
def replica_server_fixture() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


@pytest.fixture(name="replica")
def replica_fixture(
    replica_server: ReplicaServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReplicaServer]:
    # A no_proxy covering the real host names would make urllib bypass the replica and try DNS.
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    replica_server.reset()
    replica_server.clear_log()
    yield replica_server
    replica_server.reset()
    replica_server.clear_log()
