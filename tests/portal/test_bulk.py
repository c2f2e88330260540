"""portal.bulk: many rows in one statement on PostgreSQL, an executemany on SQLite, and the
same rows either way (defaults, onupdate values, each column type converted as usual)."""

import enum
from datetime import datetime

import pytest
import sqlalchemy as sa

from portal import bulk
from portal.extensions import db
from portal.models.base import enum_type

STAMP = datetime(2026, 11, 26, 9, 30)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


metadata = sa.MetaData()
thing = sa.Table(
    "bulk_thing", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("colour", enum_type(Colour, 10), default=Colour.RED),
    sa.Column("label", sa.String(20), default=""),
    sa.Column("detail", sa.JSON, default=dict),
    sa.Column("data", sa.LargeBinary, nullable=True),
    sa.Column("done", sa.Boolean, default=False),
    sa.Column("due_at", sa.DateTime, nullable=True),
    sa.Column("updated_at", sa.DateTime, default=lambda: STAMP, onupdate=lambda: STAMP),
)


@pytest.fixture
def table(any_app):
    metadata.create_all(db.engine)
    yield thing
    db.session.rollback()
    metadata.drop_all(db.engine)


@pytest.fixture
def statements(table):
    """The statements sent to the database driver while the test runs (executemany or not)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], executemany))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


def _rows():
    return {row.id: row._asdict() for row in db.session.execute(
        sa.select(thing).order_by(thing.c.id))}


def test_rows_naming_different_columns_get_the_defaults_of_the_rest(table):
    connection = db.session.connection()
    bulk.insert_rows(connection, table, [
        {"id": 1, "colour": Colour.BLUE, "detail": {"名前": "山田", "n": [1, 2]},
         "data": b"\x00\xff", "due_at": datetime(2027, 1, 2, 3, 4, 5)},
        {"id": 2, "label": "ラベル", "done": True},
        {"id": 3, "colour": "blue", "detail": []},
    ])
    assert _rows() == {
        1: {"id": 1, "colour": Colour.BLUE, "label": "", "detail": {"名前": "山田", "n": [1, 2]},
            "data": b"\x00\xff", "done": False, "due_at": datetime(2027, 1, 2, 3, 4, 5),
            "updated_at": STAMP},
        2: {"id": 2, "colour": Colour.RED, "label": "ラベル", "detail": {}, "data": None,
            "done": True, "due_at": None, "updated_at": STAMP},
        3: {"id": 3, "colour": Colour.BLUE, "label": "", "detail": [], "data": None,
            "done": False, "due_at": None, "updated_at": STAMP},
    }


def test_an_update_sets_what_each_row_names_and_the_onupdate_values(table, monkeypatch):
    connection = db.session.connection()
    bulk.insert_rows(connection, table, [{"id": i, "label": f"row{i}"} for i in (1, 2, 3)])
    later = datetime(2026, 12, 1, 12, 0)
    monkeypatch.setattr(thing.c.updated_at.onupdate, "arg", lambda ctx: later)
    bulk.update_rows(connection, table, {
        1: {"colour": Colour.BLUE, "data": b"signed"},
        3: {"label": "三", "detail": {"k": None}, "updated_at": STAMP},
    })
    rows = _rows()
    assert (rows[1]["colour"], rows[1]["data"], rows[1]["label"], rows[1]["updated_at"]) == (
        Colour.BLUE, b"signed", "row1", later)
    assert rows[2] == {"id": 2, "colour": Colour.RED, "label": "row2", "detail": {},
                       "data": None, "done": False, "due_at": None, "updated_at": STAMP}
    assert (rows[3]["label"], rows[3]["detail"], rows[3]["updated_at"]) == (
        "三", {"k": None}, STAMP)
    bulk.update_rows(connection, table, {1: {"data": None}})
    assert _rows()[1]["data"] is None


def test_postgresql_gets_one_statement_per_set_of_columns_and_chunk(table, statements,
                                                                    monkeypatch):
    connection = db.session.connection()
    monkeypatch.setattr(bulk, "CHUNK", 40)
    statements.clear()
    bulk.insert_rows(connection, table, [{"id": i, "label": str(i)} for i in range(1, 101)])
    bulk.update_rows(connection, table, {
        **{i: {"done": True} for i in range(1, 51)},
        **{i: {"label": "x", "done": False} for i in range(51, 101)},
    })
    if connection.dialect.name == "postgresql":
        # 100 rows in chunks of 40: 3 inserts; two sets of columns of 50 rows: 2 × 2 updates
        assert statements == [("INSERT", False)] * 3 + [("UPDATE", False)] * 4
    else:  # SQLite: an executemany per set of columns
        assert statements == [("INSERT", True), ("UPDATE", True), ("UPDATE", True)]
    rows = _rows()
    assert len(rows) == 100
    assert {(r["label"], r["done"]) for i, r in rows.items() if i <= 50} == {
        (str(i), True) for i in range(1, 51)}
    assert {(r["label"], r["done"]) for i, r in rows.items() if i > 50} == {("x", False)}


def test_nothing_to_write_sends_nothing(table, statements):
    connection = db.session.connection()
    statements.clear()
    bulk.insert_rows(connection, table, [])
    bulk.update_rows(connection, table, {})
    assert statements == []


def test_rows_that_share_every_value_are_all_written(table):
    """Values every row shares go once; with no value that varies, the row count does."""
    connection = db.session.connection()
    bulk.insert_rows(connection, table, [{"label": "同じ", "done": True}] * 3)
    assert [(r["label"], r["done"]) for r in _rows().values()] == [("同じ", True)] * 3
    first = min(_rows())
    bulk.update_rows(connection, table, {first: {"label": "一", "data": None}})
    bulk.update_rows(connection, table, {i: {"data": b"same"} for i in _rows()})
    rows = _rows()
    assert [r["label"] for r in rows.values()] == ["一", "同じ", "同じ"]
    assert {r["data"] for r in rows.values()} == {b"same"}
