"""The one exception tree of zcwatch. Library code raises these; only the CLI prints them.

    ZcwatchError                 anything zcwatch raises on purpose
     ├── UserError               a person can act on it; the message is the whole story, one line
     │    ├── ConfigError        the config file is missing, malformed or has a bad value   (exit 2)
     │    ├── UsageError         the command line asks for something that does not exist    (exit 2)
     │    ├── DatabaseError      the database cannot be opened or migrated; nothing changed (exit 1)
     │    │    └── DatabaseLocationError  the configured path cannot hold a database       (exit 2)
     │    ├── ReviewError        a staff action that cannot be done as asked; nothing changed (exit 2)
     │    └── TimelineError      an application event that cannot be recorded as asked         (exit 2)
     ├── NoticeParseError        a fetched page has no text to read; the crawl records it and goes on
     └── BadToken                a signed link (manage, confirm) that this site did not make, or altered
          └── ExpiredToken       a genuine link whose time is up             (the web page says which)

Exit codes (README, "Exit codes"): 0 success, including "nothing new"; 1 a run or a delivery
failed; 2 a usage or configuration error. The CLI maps a ``UserError`` to its ``exit_code`` and
prints it on one line, so a traceback never reaches a user unless they ask for one with ``-v``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class ZcwatchError(Exception):
    """The root: ``except ZcwatchError`` catches everything zcwatch raises on purpose."""


class UserError(ZcwatchError):
    """An error a person can act on; its message is the whole story, on one line."""

    exit_code = EXIT_FAILED


class ConfigError(UserError):
    """The configuration file is missing, malformed or has a bad value."""

    exit_code = EXIT_USAGE

    def __init__(self, path: str, key: str | None, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")


class UsageError(UserError):
    """The command line names something that does not exist (a subscriber, a source)."""

    exit_code = EXIT_USAGE


class DatabaseError(UserError):
    """The database cannot be opened or migrated; nothing was changed."""

    exit_code = EXIT_FAILED


class DatabaseLocationError(DatabaseError):
    """The configured database path cannot be used (a folder, an unwritable place): fix the config."""

    exit_code = EXIT_USAGE


class ReviewError(UserError):
    """A staff action that cannot be done as asked (no such window, an end before the start, a wrong
    password); nothing was changed. ``status`` is the HTTP status the web and the API answer with."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, status: int = 422) -> None:
        self.status = status
        super().__init__(message)


class TimelineError(UserError):
    """An applicant's event (``zcwatch timeline``, the manage page) that cannot be recorded as asked: no
    such committee window, several committees match, a day in the future. Nothing was recorded."""

    exit_code = EXIT_USAGE


class NoticeParseError(ZcwatchError, ValueError):
    """A notice page has no text at all, so there is nothing to extract windows from.

    Also a ``ValueError``: it is a bad value handed to a parser, and callers that predate the
    tree catch it as one.
    """


class BadToken(ZcwatchError):
    """A signed link that was not made by this site, was altered, or is for another purpose."""


class ExpiredToken(BadToken):
    """A genuine signed link whose time is up."""
