"""Problems as data, and every error xlsgen raises on purpose.

A :class:`Problem` (level, stable code, Chinese message, :class:`Location`) stays data from where it is
found until the CLI or the summary prints it: nothing formats a message and parses it back.

::

    XlsgenError                  base class: ``problems`` holds what is wrong, ``str(e)`` prints them
     ├── DataError               a unit file is not valid JSON or not a valid unit (file + JSON path)
     ├── ReadError               a workbook cannot be read as a form (file, sheet and cell)
     │    └── UnsafeFileError    a file refused before parsing: zip bomb, XML bomb, encrypted, not a zip
     ├── LayoutError             a template produced an impossible grid (a bug in a template, not in data)
     ├── OutputError             an output file cannot be written
     └── ValidationFailed        the domain rules found errors

Every exception pickles with its problems (they cross bulk's process pool).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

ERROR = "错误"
WARNING = "警告"


@dataclass(frozen=True)
class Location:
    """Where a problem is: a unit file and JSON path, or a workbook, sheet and cell (or just a file)."""

    file: str = ""
    path: str = ""  # JSON path, e.g. "annual.indicators[12].value"
    sheet: str = ""
    cell: str = ""  # A1 reference on ``sheet``

    def __str__(self) -> str:
        if self.sheet or self.cell:
            return "!".join(part for part in (self.file, self.sheet, self.cell) if part)
        if self.path:
            return f"{self.file}: {self.path}" if self.file else self.path
        return self.file

    def in_file(self, file: str) -> Location:
        """The same place, in ``file`` as the user named it (the reader names a workbook by its bare name)."""
        if self.file and self.file != PurePath(file).name:
            return self
        return dataclasses.replace(self, file=file)


@dataclass(frozen=True)
class Problem:
    level: str  # ERROR or WARNING
    code: str  # stable, e.g. "E-FUNDS-SUM"
    message: str  # Chinese: what is wrong and how to fix it
    location: Location = Location()

    def __str__(self) -> str:
        """The line the CLI prints: ``错误 E-FUNDS-SUM data/x.json: funding.income.total：…``."""
        return f"{self.level} {self.code} {self.located}"

    @property
    def located(self) -> str:
        """``<location>：<message>``, or the message alone when the problem has no location."""
        where = str(self.location)
        return f"{where}：{self.message}" if where else self.message

    @property
    def where(self) -> str:
        return str(self.location)

    @property
    def path(self) -> str:
        return self.location.path

    def in_file(self, file: str) -> Problem:
        return dataclasses.replace(self, location=self.location.in_file(file))


def in_file(problems: Iterable[Problem], file: str) -> list[Problem]:
    """``problems`` located in ``file`` as the user named it (see :meth:`Location.in_file`)."""
    return [p.in_file(file) for p in problems]


class XlsgenError(Exception):
    """Base class: one or more problems, each naming where it is and how to fix it.

    ``XlsgenError("message", Location(file=...))`` makes one error problem with the class's ``code``;
    ``XlsgenError([problem, ...])`` carries problems made elsewhere.
    """

    code = "E-LOAD"

    def __init__(self, problems: str | Problem | Iterable[Problem], location: Location | None = None) -> None:
        if isinstance(problems, str):
            found = [Problem(ERROR, self.code, problems, location or Location())]
        elif isinstance(problems, Problem):
            found = [problems]
        else:
            found = list(problems)
        self.problems: list[Problem] = found
        super().__init__(found)

    def __str__(self) -> str:
        return "\n".join(p.located for p in self.problems)

    def __reduce__(self) -> tuple[type[XlsgenError], tuple[list[Problem]]]:
        return (type(self), (self.problems,))


class DataError(XlsgenError):
    """A unit file is malformed or does not fit the model."""


class ReadError(XlsgenError):
    """A workbook cannot be read back into a unit."""


class UnsafeFileError(ReadError):
    """A file refused before any XML is parsed."""


class LayoutError(XlsgenError):
    """A template produced overlapping merges, a ragged row or an unknown field reference."""

    code = "E-RENDER"


class OutputError(XlsgenError):
    """An output file cannot be written."""

    code = "E-OUTPUT"


class ValidationFailed(XlsgenError):
    """Errors found by the validator; ``problems`` lists them."""
