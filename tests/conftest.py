"""Shared fixtures. Server fixtures live in tests/support/ and are re-exported here."""

from support.crawl_fixtures import *  # noqa: F403
from support.fixtures import *  # noqa: F403
from support.replica_fixtures import *  # noqa: F403
