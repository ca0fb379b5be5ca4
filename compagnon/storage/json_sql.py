"""JSON documents reshaped by the database, so a page of stored documents goes out without
ever becoming Python objects.

An outbox page of 100 stored activities (~8 KB each) spent most of a centre's CPU turning
each `raw` into dicts (SQLAlchemy's JSON result processor) only to drop two keys and write it
back. `json_without(column, *keys)` asks the database for the text without those top-level
keys: SQLite's `json_remove` and PostgreSQL's `jsonb - text[]`, both in C. The text is valid
JSON, compact on SQLite; PostgreSQL writes jsonb's own spacing and key order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlalchemy.sql.expression import FunctionElement, literal_column


class json_without(FunctionElement[str]):  # lower case: used like a SQL function
    """`column`'s JSON document as text, without the top-level `keys` (ours, constants)."""

    type = Text()
    inherit_cache = True
    name = "json_without"

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], *keys: str) -> None:
        if not keys:
            raise ValueError("json_without needs at least one key")
        for key in keys:
            if '"' in key or "'" in key or "\\" in key:  # kept out of the quoting below
                raise ValueError(f"unsupported key {key!r}")
        # The keys as literal columns, never rendered as such (the compilers below read their
        # names): a column's name is part of SQLAlchemy's statement cache key, where a bound
        # literal's value is not, and two calls with other keys must not share a compiled
        # statement.
        super().__init__(column, *(literal_column(key) for key in keys))


def _parts(element: json_without, compiler: SQLCompiler, **kw: Any) -> tuple[str, list[str]]:
    column, *keys = element.clauses
    names = [key.name for key in keys if isinstance(key, ColumnClause)]
    return compiler.process(column, **kw), names


@compiles(json_without, "sqlite")
def _sqlite(element: json_without, compiler: SQLCompiler, **kw: Any) -> str:
    column, names = _parts(element, compiler, **kw)
    paths = ", ".join(f"'$.\"{name}\"'" for name in names)
    return f"json_remove({column}, {paths})"


@compiles(json_without, "postgresql")
def _postgresql(element: json_without, compiler: SQLCompiler, **kw: Any) -> str:
    column, names = _parts(element, compiler, **kw)
    keys = ", ".join(f"'{name}'" for name in names)
    return f"CAST(CAST({column} AS JSONB) - ARRAY[{keys}]::text[] AS TEXT)"


@compiles(json_without)
def _other(element: json_without, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"json_without is not written for {compiler.dialect.name}")
