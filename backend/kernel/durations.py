"""A duration in SQL to the very float Python gives: (end - start).total_seconds().

Python counts the microseconds exactly and divides once (correctly rounded); so do these,
so that a figure read in SQL equals the one computed from the two datetimes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):
    """seconds_between(start, end): (end - start).total_seconds(), computed by the database."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # EXTRACT gives the exact numeric; its cast to float8 rounds once.
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy always writes the microseconds):
    # whole seconds from strftime, the microseconds from characters 21-26.
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)

    def micros(moment: str) -> str:
        return (
            f"(CAST(strftime('%s', {moment}) AS INTEGER) * 1000000 "
            f"+ CAST(substr({moment}, 21, 6) AS INTEGER))"
        )

    return f"(({micros(end)} - {micros(start)}) / 1000000.0)"
