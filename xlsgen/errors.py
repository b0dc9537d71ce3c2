"""Every error xlsgen raises on purpose; the CLI turns each into a Chinese message and exit code 1.

::

    XlsgenError                  base class: ``str(e)`` is the whole message a user reads
     ├── DataError               a unit file is not valid JSON or not a valid unit (file + JSON path)
     ├── ReadError               a workbook cannot be read as a form (file, sheet and cell)
     │    └── UnsafeFileError    a file refused before parsing: zip bomb, XML bomb, encrypted, not a zip
     ├── LayoutError             a template produced an impossible grid (a bug in a template, not in data)
     ├── OutputError             an output file cannot be written
     └── ValidationFailed        the domain rules found errors (``problems`` holds them)
"""

from __future__ import annotations

from typing import Any


class XlsgenError(Exception):
    """Base class; the message names where the problem is and how to fix it."""


class DataError(XlsgenError):
    """A unit file is malformed or does not fit the model."""


class ReadError(XlsgenError):
    """A workbook cannot be read back into a unit."""


class UnsafeFileError(ReadError):
    """A file refused before any XML is parsed."""


class LayoutError(XlsgenError):
    """A template produced overlapping merges, a ragged row or an unknown field reference."""


class OutputError(XlsgenError):
    """An output file cannot be written."""


class ValidationFailed(XlsgenError):
    """Errors found by the validator; ``problems`` lists them."""

    def __init__(self, message: str, problems: list[Any]) -> None:
        super().__init__(message)
        self.problems = problems
