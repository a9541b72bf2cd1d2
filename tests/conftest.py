"""Shared fixtures. Server fixtures live in tests/support/ and are re-exported here.

``--db sqlite|postgresql|both`` (default both) picks the engines the database tests run on
(support/database.py).
"""

import pytest
from support import database
from support.browser import browser  # noqa: F401
from support.crawl_fixtures import *  # noqa: F403
from support.database import database_url, db_engine, postgres_server  # noqa: F401
from support.fixtures import *  # noqa: F403
from support.replica_fixtures import *  # noqa: F403
from support.staff_fixtures import staff_env, staff_hook  # noqa: F401
from support.web_fixtures import board_env  # noqa: F401


def pytest_addoption(parser: pytest.Parser) -> None:
    database.add_option(parser)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    database.parametrize(metafunc)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    database.deselect_sqlite_only(config, items)
