"""Many rows into one table in one statement, the way batch writers (catalogue sync, the
inbox's received objects) store a page of records.

On PostgreSQL: `INSERT ... SELECT ... FROM unnest(one array per column)`. An executemany runs
the INSERT once per row, each with its executor start-up, and SQLAlchemy processes every row's
parameters in Python; here PostgreSQL runs one statement for the batch and the parameters are
one list per column (bench/README.md, "Catalogue sync, the CPU of a record": PostgreSQL's CPU
per inserted row 0.02 -> 0.01 ms). On SQLite, in-process, an executemany is already cheap.

Columns may also be computed from inputs that are not columns (`computed` with `inputs`): the
search index's full-text vector is made from a row's words, prefixes and facet tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, TableClause, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine

Row = Mapping[str, Any]
# A computed column: the column's name, and its value from the batch's unnested columns.
Computed = tuple[str, Callable[[Any], ColumnElement[Any]]]


async def insert_rows(
    connection: AsyncConnection,
    table: TableClause,
    rows: Sequence[Row],
    *,
    skip_conflicts_on: tuple[str, ...] = (),
    inputs: tuple[tuple[str, TypeEngine[Any]], ...] = (),
    computed: tuple[Computed, ...] = (),
) -> None:
    """Insert `rows` (dicts with the same keys: columns of `table`, plus the `inputs` that
    `computed` columns are made from). `skip_conflicts_on`: the unique columns whose
    conflicts leave the held row as it is (another worker wrote it meanwhile)."""
    if not rows:
        return
    names = tuple(rows[0])
    if connection.dialect.name != "postgresql":
        if inputs or computed:
            raise ValueError("computed columns are written through PostgreSQL only")
        plain = sqlite_insert(table)
        if skip_conflicts_on:
            plain = plain.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        await connection.execute(plain, list(rows))
        return
    statement = _unnest_insert(table, names, skip_conflicts_on, inputs, computed)
    await connection.execute(statement, {name: [row[name] for row in rows] for name in names})


@cache
def _unnest_insert(
    table: TableClause,
    names: tuple[str, ...],
    skip_conflicts_on: tuple[str, ...],
    inputs: tuple[tuple[str, TypeEngine[Any]], ...],
    computed: tuple[Computed, ...],
) -> Insert:
    """Built once per shape, so SQLAlchemy's compiled cache serves every later batch."""
    types = dict(inputs)
    arrays = [
        bindparam(name, type_=ARRAY(types[name] if name in types else table.c[name].type))
        for name in names
    ]
    source = func.unnest(*arrays).table_valued(*names).render_derived(name="batch")
    columns = [name for name in names if name not in types]
    values: list[ColumnElement[Any]] = [source.c[name] for name in columns]
    for name, make in computed:
        columns.append(name)
        values.append(make(source.c))
    statement = pg_insert(table).from_select(columns, select(*values))
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    return statement
