"""The starting program as data: its source and its blanks, recorded while it is written.

``codegen.program.scaffold.build_scaffold`` makes a ``Scaffold``; the prompts show its blanks and
``codegen.program.blanks.fill_blanks`` puts a model's lines into it. Nothing downstream reads the
blanks back from the program's text (variable names, ``...``, comment wording): each ``Blank``
says what it is, which column it serves and where it stands in ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BlankKind(StrEnum):
    """What the model is asked for on a blank's line (a ``str``: ``BlankKind.CODE == "code"``)."""

    VALUES = "values"  # a ``[...]`` list of realistic values
    PAIRS = "pairs"  # a ``[...]`` list of tuples of values that go together (country, city)
    CODE = "code"  # a ``...`` expression for a column that needs judgement
    NUMBER = "number"  # a default number that keeps the rules true, for the model to tune
    COLUMN = "column"  # a written column line under a check only the model can meet


@dataclass(frozen=True)
class Blank:
    """A line of the starting program that the model fills in or may tune.

    ``lineno`` and ``end_lineno`` (1-based, inclusive) say where its statement stands in the
    formatted ``Scaffold.source``: the statement that assigns ``name`` there."""

    name: str  # the variable the line assigns, e.g. ``city_values``
    kind: BlankKind
    line: str  # as the prompt shows it, e.g. ``city_values = [...]``
    note: str  # its column's comment above it: ``# city: string; unique ...``
    table: str  # the spec's table and column it serves
    column: str
    lineno: int = 0
    end_lineno: int = 0


@dataclass(frozen=True)
class Scaffold:
    """The starting program for a spec: ``source`` (black-formatted Python defining
    ``generate``) and its ``blanks`` in program order."""

    source: str
    blanks: tuple[Blank, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        """The names the blanks assign."""
        return frozenset(blank.name for blank in self.blanks)
