"""Domain errors that the CLI turns into one-line messages and documented exit codes.

Exit codes (README, "Exit codes"): 0 success, including "nothing new"; 1 a run or a delivery
failed; 2 a usage or configuration error. Library code raises these; only ``zcwatch.cli``
prints them, so a traceback never reaches a user unless they ask for it with ``-v``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UserError(Exception):
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
    exit_code = EXIT_USAGE


class DatabaseError(UserError):
    """The database cannot be opened or migrated; nothing was changed."""

    exit_code = EXIT_FAILED
