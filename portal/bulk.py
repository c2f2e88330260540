"""Many rows in one statement: bulk INSERT, and UPDATE by id.

On PostgreSQL every row of an executemany is a statement execution of its own:
bind, executor start and end, and the table's CHECK constraints (the enum
columns') read back from their stored form, once per row (``bench/bulk_writes.py``:
10,000 到達 updates and their history events took 0.63 s of server CPU that way,
0.30 s here; the client's CPU went from 0.40 to 0.13 s). Here each column's values
go as one array and one statement takes them apart with ``unnest``:
``INSERT … SELECT … FROM unnest(…)`` and ``UPDATE … FROM unnest(…) WHERE id = …``
(a value all the rows share goes once). SQLite runs statements inside the process,
without that cost: there the rows go as an executemany.

Both paths give a row the same values: what it names, then the columns' Python
defaults (insert) or ``onupdate`` values (update) for what it leaves out, each
converted by the column's own type as SQLAlchemy would. Values are plain values,
never SQL expressions (``attempts + 1`` is an UPDATE … WHERE of its own).
"""

from collections import defaultdict

import sqlalchemy as sa

# Rows per statement on PostgreSQL: a few megabytes of parameters at most for the
# portal's rows (imports write 1,000 at a time, signed documents 100 at a time).
CHUNK = 2000


def _fill(table: sa.Table, rows: list[dict], attribute: str) -> list[dict]:
    """``rows``, each with the Python-side ``default``/``onupdate`` of every column it
    does not name (callables called once for all)."""
    extra = {}
    for column in table.columns:
        generator = getattr(column, attribute)
        if generator is None:
            continue
        if generator.is_scalar:
            extra[column.name] = generator.arg
        elif generator.is_callable:
            extra[column.name] = generator.arg(None)  # SQLAlchemy's wrapper of a plain callable
    return [{**extra, **row} for row in rows] if extra else rows


def _grouped(rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return groups


def _source(connection, table: sa.Table, names, rows: list[dict]) -> tuple[list, str, dict]:
    """The SQL expression of each column in ``names``, the FROM that yields one row per
    row of ``rows``, and the parameters: a value every row shares goes once, the others
    as an array that ``unnest`` takes apart. Values are converted as the column's type
    converts one value and sent in binary (psycopg's text arrays escape every element
    in Python: 0.6 s for 10,000 JSON payloads, against 10 ms in binary)."""
    dialect = connection.dialect
    params, expressions, arrays, aliases = {}, [], [], []
    for i, name in enumerate(names):
        column = table.c[name]
        sql_type = column.type.compile(dialect=dialect)
        convert = column.type.dialect_impl(dialect).bind_processor(dialect)
        values = [convert(row[name]) for row in rows] if convert else [row[name] for row in rows]
        first = values[0]
        if all(v is first or v == first for v in values):
            params[f"p{i}"] = first
            expressions.append(f"CAST(%(p{i})b AS {sql_type})")
        else:
            params[f"p{i}"] = values
            arrays.append(f"CAST(%(p{i})b AS {sql_type}[])")
            aliases.append(f"c{i}")
            expressions.append(f"v.c{i}")
    if arrays:
        source = f"unnest({', '.join(arrays)}) AS v({', '.join(aliases)})"
    else:
        source = f"generate_series(1, {len(rows)}) AS v(n)"
    return expressions, source, params


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts of column values) into ``table``."""
    if not rows:
        return
    groups = _grouped(_fill(table, rows, "default"))
    if connection.dialect.name != "postgresql":
        for group in groups.values():
            connection.execute(table.insert(), group)
        return
    quote = connection.dialect.identifier_preparer.quote
    for names, group in groups.items():
        for start in range(0, len(group), CHUNK):
            expressions, source, params = _source(connection, table, names,
                                                  group[start:start + CHUNK])
            connection.exec_driver_sql(
                f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                f"SELECT {', '.join(expressions)} FROM {source}", params)


def update_rows(connection: sa.Connection, table: sa.Table,
                values_by_id: dict[int, dict]) -> None:
    """Set each row's values (``{id: {column: value}}``); rows may set different columns."""
    if not values_by_id:
        return
    rows = _fill(table, [{**values, "id": row_id} for row_id, values in values_by_id.items()],
                 "onupdate")
    if connection.dialect.name != "postgresql":
        for names, group in _grouped(rows).items():
            columns = [n for n in names if n != "id"]
            stmt = (table.update().where(table.c.id == sa.bindparam("b_id"))
                    .values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns}))
            connection.execute(stmt, [{**{c: row[c] for c in columns}, "b_id": row["id"]}
                                      for row in group])
        return
    quote = connection.dialect.identifier_preparer.quote
    name = quote(table.name)
    for names, group in _grouped(rows).items():
        names = ("id", *(n for n in names if n != "id"))
        for start in range(0, len(group), CHUNK):
            part = sorted(group[start:start + CHUNK], key=lambda row: row["id"])
            expressions, source, params = _source(connection, table, names, part)
            sets = ", ".join(f"{quote(n)} = {e}" for n, e in zip(names[1:], expressions[1:]))
            connection.exec_driver_sql(
                f"UPDATE {name} SET {sets} FROM {source} WHERE {name}.id = {expressions[0]}",
                params)
