"""Benchmark FAQ search: 10,000 generated entries, indexed search against a LIKE scan.

Usage::

    .venv/bin/python bench/faq_search.py [--entries 10000] [--queries 400] [--rounds 3]
                                         [--postgres]

Builds a throw-away database through the migrations (SQLite by default; with
``--postgres`` also a throw-away PostgreSQL server, as the tests start it),
generates entries from a domain vocabulary with a Zipf-like word frequency,
then times a fixed mix of queries (seeded, so runs are comparable). Query
terms are the domain terms, which sit at log-uniform frequency ranks; the
report prints how many rows the queries match.

* ``index``: the statement that ``faq.search.ranked`` sends for the first
  page: 20 ranked ids with the number of matches, the candidates read through
  the index (FTS5 trigram or grams tables / GIN over ``faq_grams``);
* ``LIKE``: the same statement with its candidates found by a ``LIKE`` scan
  of the folded text;
* ``via SQLAlchemy``: the same query as the application makes it
  (``search.statements`` then ``search.ranked``: the statement of the query's
  shape, built once per process, run with the query's values);
* ``full``: the whole ``search`` call (SQL, loading the page, highlighting).

Both paths run the same queries after a warm-up pass of every query through
both; SQLite gets a page cache that holds the whole database (``--cache-mb``),
so neither path reads from the file system. Each round runs all queries
through one path, then all through the other (the first path alternates by
round), so each path is timed in its own steady state: a LIKE scan sweeps
the whole table through the CPU caches, which a system using the index never
does. ``--interleave`` alternates the paths query by query instead (the
index then pays for the scans' cache evictions). Every query must give both
paths the same page and total (checked). A query's time is its median over
the rounds (``--rounds``, default 3), which keeps a moment of load on a shared
machine from counting as the query's time; percentiles are over the queries.
Prints p50/p95 per query class and overall, and the LIKE/index ratios: of
the medians, of the 95th percentiles and of the summed time. Targets: p95
under 5 ms, ratio at least 20x.

On PostgreSQL the driver timing also reads the CPU time the server process of
the search connection spent on the statement (``/proc/<pid>/schedstat``: the
server runs on this machine), so the report can tell the server's share of
the wall time from the round trip and the driver's.
"""

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OSSDESK_INSTANCE", tempfile.mkdtemp(prefix="ossdesk-bench-"))

TERMS = """電子証明書 有効期限 継続検査 新車新規登録 中古新規登録 移転登録 変更登録
一時抹消登録 永久抹消登録 記載変更 保管場所証明 保安基準適合証 自賠責保険
受付番号リスト 識別番号 到達番号パスワード 一括利用者アカウント 代理人証明書
依頼人 代理人 管理者ユーザー 担当者ユーザー 補正要求 却下 再申請
申請データ再利用 中断予約 受付審査中 申請エラー 手続完了 ダイレクト納付
まとめ払い 自動車重量税 検査手数料 技術情報管理手数料 運輸支局 軽自動車検査協会
軽証明書等管理業者名 行政書士 行政書士法人 商業登記電子証明書 行政書士電子証明書
変更等申込 口座振替 利用料金 利用時間 メンテナンス 年末年始 ハイブリッド申請
電子委任状 印鑑証明書 委任状 住所コード 丁目 番地 例外コード 都道府県
OCRシート 車台番号 自動車登録番号 使用の本拠の位置 所有者 使用者 譲渡証明書
完成検査終了証 登録識別情報等通知書 状況の照会 メッセージ 期限等のお知らせ 紙書類
窓口 郵送 書留 CD-R DVD-R パスワード再設定 ユーザー管理 拠点管理
組織情報 ブラウザ クライアント証明書 セキュリティ 審査 送信 取下げ
申請用パスワード 公用車 事業用 貸渡 複合申請 受任者情報 利用開始日 失効 認証局
法務局 登記事項証明書""".split()

SENTENCES = [
    "{a}について確認してください。", "{a}と{b}は別の手続です。", "{a}の前に{b}を済ませます。",
    "{a}が必要な場合は{b}も用意します。", "{a}は{b}の画面から行えます。",
    "{a}を変更したときは{b}を提出してください。", "{a}に不備があると{b}になります。",
    "詳しくは{a}の案内をご覧ください。", "{a}の扱いは{b}によって異なります。",
    "{a}と{b}と{c}の関係を説明します。",
]
QUESTIONS = ["{a}とは何ですか。", "{a}はどこで確認できますか。", "{a}の手続を教えてください。",
             "{a}と{b}の違いは?", "{a}ができないのはなぜですか。", "{a}を忘れました。"]


def level1_kanji(rng: random.Random) -> list[str]:
    """JIS level-1 kanji (as in everyday text), the domain's own kanji ranked first."""
    level1 = []
    for code in range(0x4E00, 0xA000):
        ch = chr(code)
        try:
            encoded = ch.encode("shift_jis")
        except UnicodeEncodeError:
            continue
        if 0x889F <= int.from_bytes(encoded, "big") <= 0x9872:
            level1.append(ch)
    domain = sorted({ch for term in TERMS for ch in term if ch in set(level1)})
    rest = [ch for ch in level1 if ch not in set(domain)]
    rng.shuffle(domain)
    rng.shuffle(rest)
    return domain + rest


def vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    """Pseudo-words built from the domain's kanji, Zipf-weighted, with the domain terms
    placed at log-uniform ranks (some very common, most rare, as in real text)."""
    kanji = level1_kanji(rng)
    kanji_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(kanji))]
    katakana = [chr(c) for c in range(ord("ア"), ord("ン") + 1)]
    words: list[str] = []
    seen = set(TERMS)
    while len(words) < size:
        if rng.random() < 0.2:
            word = "".join(rng.choices(katakana, k=rng.randint(3, 5)))
        else:
            word = "".join(rng.choices(kanji, weights=kanji_weights, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    for term in TERMS:
        words.insert(int(math.exp(rng.uniform(math.log(3), math.log(size)))), term)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def generate(rng: random.Random, count: int) -> list[tuple[str, str]]:
    words, weights = vocabulary(rng)

    def fill(template: str) -> str:
        a, b, c = rng.choices(words, weights=weights, k=3)
        return template.format(a=a, b=b, c=c)

    entries = []
    for n in range(count):
        question = fill(rng.choice(QUESTIONS)) + f"(No.{n})"
        answer = "".join(fill(rng.choice(SENTENCES)) for _ in range(rng.randint(3, 6)))
        entries.append((question, answer))
    return entries


def query_mix(rng: random.Random, count: int) -> list[tuple[str, str]]:
    long_terms = [t for t in TERMS if len(t) >= 3]
    mix = []
    for _ in range(count):
        kind = rng.choice(["term", "term", "two-terms", "phrase", "synonym", "short"])
        if kind == "term":
            query = rng.choice(long_terms)
        elif kind == "two-terms":
            query = " ".join(rng.sample(long_terms, 2))
        elif kind == "phrase":
            term = rng.choice(long_terms)
            cut = rng.randint(1, len(term) - 2)
            query = f'"{term[:cut]} {term[cut:]}"'
        elif kind == "synonym":
            query = rng.choice(["車検", "車庫証明", "印鑑証明", "料金", "保適証", "名義変更"])
        else:
            query = rng.choice(["丁目", "番地", "窓口", "郵送", "失効", "審査", "送信", "軽", "紙"])
        mix.append((kind, query))
    return mix


def load(db, entries) -> None:
    from faq.models import FaqCategory
    from faq.models import FaqEntry

    categories = [FaqCategory(name=f"カテゴリ{n}", sort_order=n) for n in range(5)]
    db.session.add_all(categories)
    db.session.flush()
    for start in range(0, len(entries), 1000):
        db.session.add_all(
            FaqEntry(category_id=categories[n % 5].id, question=q, answer=a, published=True,
                     sort_order=n)
            for n, (q, a) in enumerate(entries[start:start + 1000], start=start))
        db.session.flush()
    db.session.commit()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def compile_page(db, search, parsed, use_index: bool):
    """The statement ``search.ranked`` sends for the first page, compiled."""
    done = search.statements(search.FAQ, parsed, use_index=use_index).page().compile(
        db.session.connection())
    params = (done.params if done.positiontup is None
              else tuple(done.params[name] for name in done.positiontup))
    db.session.rollback()
    return str(done), params


def server_cpu_ns(dbapi_connection) -> int | None:
    """CPU time so far of the PostgreSQL server process behind ``dbapi_connection``, in
    ns (``None`` on SQLite, which runs in this process)."""
    info = getattr(dbapi_connection, "info", None)  # psycopg's; sqlite3 has none
    if info is None:
        return None
    with open(f"/proc/{info.backend_pid}/schedstat") as stat:
        return int(stat.read().split()[0])


def time_driver(db, statement) -> tuple[float, float | None]:
    """Time what ``search.ranked`` sends for the first page, on the database driver of the
    connection it sends it on (``faq.search_engine``: on PostgreSQL, in autocommit,
    prepared with a generic plan); the connection (and on SQLite its transaction) opened
    beforehand. Returns the wall time in ms and, on PostgreSQL, the server's CPU time in
    ms."""
    from faq import search_engine

    sql, params = statement
    dbapi_connection = search_engine.connection().connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT 1")  # SQLite: the session's transaction begins here
    cursor.fetchall()
    cpu_before = server_cpu_ns(dbapi_connection)
    start = time.perf_counter()
    cursor.execute(sql, params)
    cursor.fetchall()
    elapsed = (time.perf_counter() - start) * 1000
    cpu_after = server_cpu_ns(dbapi_connection)
    cursor.close()
    db.session.rollback()
    server = None if cpu_before is None else (cpu_after - cpu_before) / 1e6
    return elapsed, server


def time_sql(db, search, parsed, use_index: bool):
    """Time the query as the application makes it: ``search.statements`` (the statements of
    the query's shape, and its values) and ``search.ranked`` (run on the search
    connection)."""
    db.session.execute(sa.text("SELECT 1"))  # open the transaction outside the timing
    start = time.perf_counter()
    rows, total = search.ranked(search.statements(search.FAQ, parsed, use_index=use_index), 1)
    elapsed = (time.perf_counter() - start) * 1000
    db.session.rollback()
    return elapsed, [row_id for row_id, _ in rows], total


def time_full(db, search, raw: str) -> float:
    start = time.perf_counter()
    search.search(search.FAQ, raw)
    elapsed = time.perf_counter() - start
    db.session.rollback()
    return elapsed * 1000


def check_baseline_scans(db, search, parsed) -> None:
    """The LIKE baseline must be a scan: no index may serve it."""
    if db.engine.dialect.name != "postgresql":
        return
    stmt = search.statements(search.FAQ, parsed, use_index=False).page()
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(sa.text("EXPLAIN " + str(compiled))).scalars())
    db.session.rollback()
    assert "Seq Scan" in plan and "Index" not in plan, plan


def run(url: str, label: str, args) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import event

    from faq import search
    from faq.text import parse_query
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "SQLITE_BEGIN": "DEFERRED"})
    rng = random.Random(20261125)
    with app.app_context():
        if db.engine.dialect.name == "sqlite" and args.cache_mb:
            event.listen(db.engine, "connect", lambda conn, _: conn.execute(
                f"PRAGMA cache_size = -{args.cache_mb * 1024}"))
            db.engine.dispose()
        upgrade()
        started = time.perf_counter()
        load(db, generate(rng, args.entries))
        print(f"\n== {label}: {args.entries} entries loaded and indexed in "
              f"{time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE faq_entry"))
            db.session.commit()
        mix = [(kind, raw, parse_query(raw)) for kind, raw in query_mix(rng, args.queries)]
        check_baseline_scans(db, search, mix[0][2])
        for _, raw, parsed in mix:  # warm both paths with every query
            for use_index in (True, False):
                time_sql(db, search, parsed, use_index)
                time_driver(db, compile_page(db, search, parsed, use_index))
            time_full(db, search, raw)
        samples: dict[str, list[list[float]]] = {
            key: [[] for _ in mix] for key in KEYS + SERVER_KEYS}
        found: dict[str, list] = {"index": [], "like": []}
        queries = [(n, parsed) for n, (_, _, parsed) in enumerate(mix)]
        for round_no in range(args.rounds):
            paths = (True, False) if round_no % 2 == 0 else (False, True)
            if args.interleave:
                for n, parsed in queries:
                    for use_index in paths if n % 2 else paths[::-1]:
                        run_path(db, search, [(n, parsed)], use_index, samples, found)
            else:
                for use_index in paths:
                    run_path(db, search, queries, use_index, samples, found)
            for n, (_, raw, _) in enumerate(mix):
                samples["full"][n].append(time_full(db, search, raw))
        assert found["index"] == found["like"], "the index and the LIKE scan disagree"
        matches = [total for _, total in found["index"][:len(mix)]]
        report([kind for kind, _, _ in mix], samples, matches, args)


def run_path(db, search, queries, use_index: bool, samples, found) -> None:
    """Time ``queries`` (numbered) through one path: on the driver, then through SQLAlchemy."""
    path = "index" if use_index else "like"
    compiled = [(n, compile_page(db, search, parsed, use_index)) for n, parsed in queries]
    for n, statements in compiled:
        elapsed, server = time_driver(db, statements)
        samples[path][n].append(elapsed)
        if server is not None:
            samples[f"{path} server"][n].append(server)
    for n, parsed in queries:
        elapsed, ids, total = time_sql(db, search, parsed, use_index)
        samples[f"{path} sa"][n].append(elapsed)
        found[path].append((ids, total))


KEYS = ("index", "like", "index sa", "like sa", "full")
SERVER_KEYS = ("index server", "like server")


def report(kinds: list[str], samples, matches, args) -> None:
    order = "query by query" if args.interleave else "in blocks of all queries"
    print(f"{args.queries} queries x {args.rounds} rounds, index and LIKE alternating {order}; "
          "every page and total identical on both paths. A query's time is its median over "
          "the rounds; percentiles are over queries. Driver: the statement of the first page "
          "(20 ranked ids with the number of matches), compiled beforehand, executed and "
          "fetched on the database driver; via SQLAlchemy: "
          "search.statements() + search.ranked(), as a search makes the query; full: "
          "search.search()")
    print(f"{'':<10} {'':>5} {'---------------------- driver (ms) ------------------------':>59}"
          f" {'---- via SQLAlchemy (ms) ---':>28}")
    print(f"{'class':<10} {'n':>5} {'index p50':>9} {'p95':>6} {'LIKE p50':>9} {'p95':>6} "
          f"{'ratio p50':>9} {'p95':>6} {'sum':>6} {'index p50':>9} {'p95':>6} {'ratio p50':>9} "
          f"{'full p95':>9}")
    per_query = {key: [statistics.median(runs) for runs in samples[key]] for key in KEYS}
    classes = [(kind, [n for n, k in enumerate(kinds) if k == kind]) for kind in sorted(set(kinds))]
    for kind, numbers in classes + [("ALL", list(range(len(kinds))))]:
        bucket = {key: [per_query[key][n] for n in numbers] for key in KEYS}
        index, like = bucket["index"], bucket["like"]
        index_sa, like_sa = bucket["index sa"], bucket["like sa"]
        print(f"{kind:<10} {len(index):>5} {percentile(index, 50):>9.2f} "
              f"{percentile(index, 95):>6.2f} {percentile(like, 50):>9.2f} "
              f"{percentile(like, 95):>6.2f} "
              f"{percentile(like, 50) / percentile(index, 50):>8.1f}x "
              f"{percentile(like, 95) / percentile(index, 95):>5.1f}x "
              f"{sum(like) / sum(index):>5.1f}x "
              f"{percentile(index_sa, 50):>9.2f} {percentile(index_sa, 95):>6.2f} "
              f"{percentile(like_sa, 50) / percentile(index_sa, 50):>8.1f}x "
              f"{percentile(bucket['full'], 95):>9.2f}")
    for label, suffix in (("driver", ""), ("via SQLAlchemy", " sa")):
        index, like = per_query["index" + suffix], per_query["like" + suffix]
        p95 = percentile(index, 95)
        ratio = percentile(like, 50) / percentile(index, 50)
        print(f"targets, {label}: index p95 {p95:.2f} ms (< 5 ms: "
              f"{'met' if p95 < 5 else 'MISSED'}), LIKE/index ratio of medians {ratio:.1f}x "
              f"(>= 20x: {'met' if ratio >= 20 else 'MISSED'})")
    if samples["index server"][0]:
        index, like = ([statistics.median(runs) for runs in samples[key]] for key in SERVER_KEYS)
        print(f"server CPU (driver): index p50 {percentile(index, 50) * 1000:.0f} us, "
              f"p95 {percentile(index, 95) * 1000:.0f} us; LIKE p50 "
              f"{percentile(like, 50) * 1000:.0f} us; ratio of medians "
              f"{percentile(like, 50) / percentile(index, 50):.1f}x")
    print(f"matches per query: median {statistics.median(matches):.0f}, "
          f"p95 {percentile(matches, 95):.0f}, max {max(matches)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--cache-mb", type=int, default=256,
                        help="SQLite page cache (0: SQLite's default of 2 MB, as the app runs)")
    parser.add_argument("--interleave", action="store_true",
                        help="alternate index and LIKE query by query instead of in blocks")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ossdesk-bench-db-"))
    run(f"sqlite:///{workdir / 'bench.db'}", "SQLite FTS5 (trigram + grams)", args)
    if args.postgres:
        from tests.services import PostgresServer

        server = PostgresServer()
        try:
            run(server.create_database("ossdesk_bench"), "PostgreSQL (GIN over faq_grams)", args)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
