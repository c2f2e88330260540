"""The search indexes: short terms indexed, ranking and paging in SQL, counts, sync."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from faq import index
from faq import search
from faq import search_engine
from faq import services
from faq.importer import read_file
from faq.text import fold
from faq.text import parse_query
from portal.extensions import db

FIXTURES = Path(__file__).parent / "fixtures"


def found(query, **kw) -> list[int]:
    return [hit.item.id for hit in search.search(search.FAQ, query, **kw).hits]


def add_entries(rows, category="索引") -> list[int]:
    """Published entries from (question, answer) pairs, in order; their ids."""
    cat = services.save_category(None, name=category)
    entries = [services.save_entry(None, category_id=cat.id, question=q, answer=a,
                                   sort_order=n) for n, (q, a) in enumerate(rows)]
    for entry in entries:
        services.set_published(entry, True)
    db.session.commit()
    return [entry.id for entry in entries]


def plan(query: str, **kw) -> str:
    """The engine's plan for the first page of ``query`` (index scans preferred on PostgreSQL,
    as they would be on a table of realistic size)."""
    stmt = search.statements(search.FAQ, parse_query(query), **kw).page()
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.execute(sa.text("EXPLAIN QUERY PLAN " + str(stmt.compile(
            conn, compile_kwargs={"literal_binds": True})))).all()
        return "\n".join(row[-1] for row in rows)
    conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
    return "\n".join(conn.execute(sa.text("EXPLAIN " + str(compiled))).scalars())


@pytest.mark.parametrize("query", ["軽", "番号", "0%", "%", "受付番号", "車検"])
def test_every_query_length_is_answered_by_an_index(any_app, faq_entries, query):
    assert found(query)
    text = plan(query)
    if db.engine.dialect.name == "sqlite":
        assert "VIRTUAL TABLE INDEX" in text
        assert "SCAN faq_entry" not in text.replace("SCAN faq_entry_fts", "")
    else:
        assert "faq_entry_fts_grams" in text
        assert "Seq Scan" not in text


def test_sqlite_trigram_table_cannot_answer_short_terms(app, faq_entries):
    # SQLite 3.40's trigram tokenizer finds nothing under three characters: hence the grams.
    rows = db.session.execute(sa.text(
        "SELECT rowid FROM faq_entry_fts WHERE faq_entry_fts MATCH '\"番号\"'")).all()
    assert rows == []
    assert set(found("番号")) == {faq_entries["receipt"].id, faq_entries["scattered"].id}


def test_members_containing_another_member_are_not_searched_again():
    assert index.essential(("印鑑証明", "印鑑証明書", "印鑑登録証明書")) == (
        "印鑑証明", "印鑑登録証明書")
    assert index.essential(("料金", "利用料", "利用料金")) == ("料金", "利用料")
    assert index.essential(("車検", "継続検査")) == ("車検", "継続検査")


def test_grams_of_folded_text():
    assert index.grams("受付 番号") == "受 受付 付 番 番号 号"
    assert index.grams("a_b") == "a a_ _ _b b"
    assert index.grams("") == ""
    assert index.term_grams("軽") == ["軽"]
    assert index.term_grams("番号") == ["番号"]
    assert index.term_grams("継続検査") == ["継続", "検査"]
    assert index.term_grams("電子証明書") == ["電子", "証明", "明書"]
    assert index.term_grams("検査") == ["検査"]
    assert index.term_grams("ああああ") == ["ああ"]
    assert index.term_grams("a b c") == ["a", "b", "c"]


@pytest.mark.postgres
def test_postgres_grams_function_agrees_with_python(pg_app):
    for text in ("受付 番号", fold("ＯＳＳの受付番号は?"), "a_b 100%", "x", "", "ab  c"):
        in_sql = db.session.scalar(sa.text("SELECT faq_grams(:t)"), {"t": text})
        assert set(in_sql) == set(index.grams(text).split()), text


@pytest.mark.postgres
def test_postgres_grams_function_is_never_inlined(pg_app):
    # An SQL-language function would be parsed again each time a search is planned.
    language = db.session.scalar(sa.text(
        "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.proname = 'faq_grams'"))
    assert language == "plpgsql"


def _prepared(conn) -> dict[str, tuple[int, int]]:
    rows = conn.exec_driver_sql(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements").all()
    return {row.statement: (row.generic_plans, row.custom_plans) for row in rows}


@pytest.mark.postgres
def test_postgres_search_keeps_one_generic_plan_per_statement(pg_app, faq_entries):
    """Search statements run on their own connections, prepared on first use with a generic
    plan that the later searches reuse; the application's connections keep the default."""
    search_engine.dispose()  # from here on one search connection, which every search reuses
    with search_engine.bind().connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
        assert conn.exec_driver_sql("SHOW effective_io_concurrency").scalar() == "0"
    app_conn = db.session.connection()
    assert app_conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    assert app_conn.exec_driver_sql("SHOW effective_io_concurrency").scalar() != "0"
    for query in ("軽", "番号", "手数料", "電子証明書", "車検", "軽 番号"):
        assert found(query) == found(query, use_index=False), query
        found(query)
    with search_engine.bind().connect() as conn:
        searches = {sql: plans for sql, plans in _prepared(conn).items() if "faq_grams" in sql}
    assert searches
    assert all(custom == 0 and generic >= 1 for generic, custom in searches.values())
    assert any(generic >= 2 for generic, _ in searches.values())


def test_search_connections_keep_the_server_options_of_the_database_url():
    ours = "-c plan_cache_mode=force_generic_plan -c effective_io_concurrency=0"
    plain = search_engine.connect_args(sa.make_url("postgresql+psycopg://u@h/db"))
    assert plain == {"options": ours, "prepare_threshold": 0}
    given = search_engine.connect_args(sa.make_url(
        "postgresql+psycopg://u@h/db?options=-c%20search_path%3Dossdesk"))
    assert given["options"] == f"-c search_path=ossdesk {ours}"


@pytest.mark.postgres
def test_postgres_search_connections_keep_statements_across_requests(pg_app, faq_entries):
    """Each request ends its session (a rollback, after which psycopg would forget its
    prepared statements); the search connection stays prepared, and nothing else is left
    prepared on the server."""
    search_engine.dispose()  # from here on one search connection, which every search reuses
    for _ in range(12):
        found("軽")
        db.session.remove()
    with search_engine.bind().connect() as conn:
        prepared = conn.exec_driver_sql(
            "SELECT statement, generic_plans FROM pg_prepared_statements").all()
    statements = [row.statement for row in prepared]
    assert len(statements) == len(set(statements))  # nothing prepared twice
    assert not [sql for sql in statements if not sql.strip(" ;")]  # no empty ping left
    heads = [row.generic_plans for row in prepared if "faq_grams" in row.statement]
    assert heads == [12]


@pytest.mark.postgres
def test_postgres_search_replaces_dropped_connections(pg_app, faq_entries):
    """The server drops every connection (as a restart does): the next search finds its
    pooled connection gone and runs once more on a new one; the pool replaces the others."""
    expected = found("軽")
    with search_engine.bind().connect() as one, search_engine.bind().connect() as two:
        assert one.connection.dbapi_connection is not two.connection.dbapi_connection
    db.session.remove()  # now two search connections wait in the pool
    dropped = db.session.execute(sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    db.session.commit()
    assert dropped >= 2
    assert found("軽") == expected
    assert found("軽", use_index=False) == expected
    assert search_engine.connection().exec_driver_sql("SELECT 1").scalar() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["軽", "番号", "受付番号", "車検", "軽 電子証明書"])
def test_postgres_generic_plan_uses_the_index(pg_app, faq_entries, query):
    """The plan kept for every value of the parameters reads the GIN index (scans made
    dear, as they would be on a table of realistic size)."""
    import psycopg.sql
    from sqlalchemy.dialects.postgresql import asyncpg

    stmt = search.statements(search.FAQ, parse_query(query)).page()
    compiled = stmt.compile(dialect=asyncpg.dialect())  # $1, $2 ... placeholders
    conn = search_engine.connection()
    # The search connection runs in autocommit, where SET LOCAL would do nothing.
    conn.exec_driver_sql("SET enable_seqscan = off")
    try:
        conn.exec_driver_sql(f"PREPARE probe AS {compiled}")
        values = psycopg.sql.SQL(", ").join(
            psycopg.sql.Literal(compiled.params[name]) for name in compiled.positiontup)
        # A utility statement takes no bound parameters: the values are written in as literals.
        explain = psycopg.sql.SQL("EXPLAIN EXECUTE probe({})").format(values)
        text = "\n".join(row[0] for row in conn.exec_driver_sql(
            explain.as_string(conn.connection.dbapi_connection)))
        conn.exec_driver_sql("DEALLOCATE probe")
    finally:
        conn.exec_driver_sql("RESET enable_seqscan")
    assert "$1" in text  # generic: planned without the values
    assert "faq_entry_fts_grams" in text and "Seq Scan" not in text


def test_queries_of_one_shape_share_their_statements_with_values_of_their_own(
        any_app, faq_entries, make_notice):
    """A statement is built once per shape of query and filters used; each search binds
    its own terms, filter values, moment and page."""
    def shared(source, *queries, **kw):
        built = [search.statements(source, parse_query(q), **kw) for q in queries]
        assert len({id(stmts.ranked) for stmts in built}) == 1, queries
        assert len({id(stmts.count) for stmts in built}) == 1, queries

    shared(search.FAQ, "番号", "検査", "軽")
    shared(search.FAQ, "受付番号", "電子証明書")
    short, long = (search.statements(search.FAQ, parse_query(q)) for q in ("番号", "受付番号"))
    assert short.ranked is not long.ranked
    def keys(*names):
        return {faq_entries[name].id for name in names}

    assert set(found("番号")) == keys("receipt", "scattered")
    assert set(found("検査")) == keys("inspection", "kei_fee", "payment")
    assert set(found("受付番号")) == keys("receipt")
    assert set(found("電子証明書")) == keys("certificate")

    shared(search.FAQ, "手数料", "電子証明書", facet=1)
    kei, applying = (faq_entries[name].category_id for name in ("kei_fee", "inspection"))
    assert set(found("手数料", facet=kei)) == keys("kei_fee", "payment")
    assert found("手数料", facet=applying) == []
    assert set(found("申請", facet=applying)) == keys("inspection", "parking")

    notice = make_notice(title="窓口の休止")
    earlier = notice.publish_from - timedelta(hours=1)
    shared(search.NOTICES, "窓口", "郵送", now=earlier)
    assert [hit.item.id for hit in search.search(search.NOTICES, "窓口").hits] == [notice.id]
    assert search.search(search.NOTICES, "窓口", now=earlier).hits == []

    pages = [search.search(search.FAQ, "の", page=n, per_page=2) for n in (1, 2)]
    assert not {h.item.id for h in pages[0].hits} & {h.item.id for h in pages[1].hits}


def test_short_terms_are_exact(any_app):
    ids = add_entries([("ab と a_b", "本文"), ("aのb", "本文")])
    assert found("ab") == [ids[0]]
    assert found("a_") == [ids[0]]
    assert found("_b") == [ids[0]]
    assert found("a") == ids
    assert found("ba") == []
    for odd in ("'", "\\", "*", "--", "^", ":", "(", '"'):
        search.search(search.FAQ, odd)  # never an FTS syntax error


def test_title_hit_ranks_first_for_short_and_mixed_terms(any_app):
    body, title = add_entries([
        ("本文だけの質問", "軽は軽で軽です。車検と車検と車検。"),
        ("軽の車検について", "本文には書いていません。"),
    ])
    for query in ("軽", "車検", "軽 車検"):
        results = search.search(search.FAQ, query)
        assert [h.item.id for h in results.hits] == [title, body], query
        assert results.hits[0].score > results.hits[1].score


def test_long_synonym_of_a_short_term_is_found_and_checked(any_app):
    # "車検" (two characters) expands to "継続検査": its pairs must also be adjacent.
    together, apart = add_entries([("継続検査の時期", "本文"), ("継続の話と続検査", "本文")])
    assert found("車検") == [together]
    assert found("車検", use_index=False) == [together]
    # Both engines look the mixed group up by grams; the text check also sets the total.
    assert search.search(search.FAQ, "車検", per_page=1).total == 1
    assert found("継続") == [together, apart]


def test_a_long_term_whose_pairs_lie_apart_is_not_a_match_nor_counted(any_app):
    # PostgreSQL's index finds "受付番号" by its pairs, so the second entry is a candidate
    # there; its text decides. SQLite's trigram table, and the LIKE scan, agree.
    together, _ = add_entries([("受付番号の確認", "本文"), ("受付の番号", "受付と番号")])
    for query in ("受付番号", "受付番号 番号", "受付番号 本文"):
        for use_index in (True, False):
            results = search.search(search.FAQ, query, per_page=1, use_index=use_index)
            assert [h.item.id for h in results.hits] == [together], (query, use_index)
            assert results.total == 1


def test_pages_beyond_the_first(any_app):
    ids = add_entries([(f"頁{n:02d}の質問", "本文") for n in range(7)]
                      + [(f"質問{n:02d}", "頁は本文にあります。") for n in range(18)])
    pages = [search.search(search.FAQ, "頁", page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [len(r.hits) for r in pages] == [10, 10, 5, 0]
    assert {r.total for r in pages} == {25}
    assert {r.pages for r in pages} == {3}
    seen = [h.item.id for r in pages for h in r.hits]
    assert sorted(seen) == sorted(ids)
    assert seen[:7] == ids[:7]  # title hits first, then the source order
    assert seen == ids


def test_pages_and_totals_match_the_like_scan(any_app):
    """Every page carries the total (one statement); a page past the last counts alone;
    both give what the LIKE scan gives."""
    add_entries([(f"頁{n:02d}の質問", "頁" * (n % 4)) for n in range(11)])
    for per_page in (3, 5, 20):
        for page in range(1, 6):
            got, want = (search.search(search.FAQ, "頁", page=page, per_page=per_page,
                                       use_index=use) for use in (True, False))
            assert got.total == want.total == 11
            assert [h.item.id for h in got.hits] == [h.item.id for h in want.hits]
            assert len(got.hits) == max(0, min(per_page, 11 - (page - 1) * per_page))


def test_counts_follow_filters(any_app, faq_entries):
    common = search.search(search.FAQ, "の", per_page=2)
    assert common.total == search.search(search.FAQ, "の", use_index=False).total > 2
    kei = faq_entries["kei_fee"].category_id
    assert search.search(search.FAQ, "手数料", facet=kei, per_page=1).total == 2
    assert search.search(search.FAQ, "電子", per_page=1).total == 2
    assert search.search(search.FAQ, "電子", per_page=1, include_hidden=True).total == 3
    past = search.search(search.FAQ, "電子", page=5, include_hidden=True)
    assert past.hits == [] and past.total == 3


@pytest.mark.parametrize("query", ["軽", "番号", "の", "手数料", "車検", "料金", "受付 番号",
                                   '"受付番号"', "data center", "0%", "軽 まとめ払い", "電子証明書"])
def test_index_and_like_scan_give_the_same_pages(any_app, faq_entries, query):
    for page in (1, 2):
        by_index = search.search(search.FAQ, query, per_page=3, page=page)
        by_scan = search.search(search.FAQ, query, per_page=3, page=page, use_index=False)
        assert [h.item.id for h in by_index.hits] == [h.item.id for h in by_scan.hits]
        assert by_index.total == by_scan.total


def test_grams_follow_edits_deletes_and_imports(any_app, faq_entries):
    entry = faq_entries["kei_fee"]
    services.save_entry(entry, category_id=entry.category_id, question="納め方は?",
                        answer="まとめ払いで納めます。")
    db.session.commit()
    assert found("軽") == []
    assert set(found("納")) == {faq_entries["payment"].id, entry.id}
    db.session.delete(faq_entries["scattered"])
    db.session.commit()
    assert found("番号") == [faq_entries["receipt"].id]
    services.upsert_entries(read_file(FIXTURES / "faq_export.txt"), publish=True)
    db.session.commit()
    assert len(found("窓口")) == 1
    if db.engine.dialect.name == "sqlite":
        for table in index.fts_tables("faq_entry") + index.fts_tables("notice"):
            db.session.execute(sa.text(
                f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))


def test_reindex_rebuilds_the_grams(app, faq_entries):
    db.session.execute(sa.text(
        "INSERT INTO faq_entry_fts_grams(faq_entry_fts_grams) VALUES ('delete-all')"))
    db.session.commit()
    assert found("軽") == []
    search.rebuild_index()
    assert found("軽") == [faq_entries["kei_fee"].id]
