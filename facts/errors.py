"""Errors shown to the user as one line (no traceback, no personal data)."""

from __future__ import annotations

from rich.markup import escape


class UserError(Exception):
    """A problem the user can fix: bad input file, unknown option value, ..."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def escaped(self) -> str:
        """The message with rich markup escaped."""
        return escape(str(self))
