"""Statutory fee lines before sending, with the payment channel each allows."""

from datetime import date

import pytest
from flask import render_template

from portal.config import ConfigError
from portal.fees.table import DIRECT
from portal.fees.table import MATOME
from portal.fees.table import fee_table
from portal.models import Application
from portal.models import ApplicationState
from portal.models import Backend
from tests.conftest import make_app
from tests.timekeeping import jst


def _lines(backend, procedure, on):
    return {line.code: line for line in fee_table().lines(backend, procedure, on)}


def test_continuing_inspection_registered(app):
    lines = _lines("mlit", "keizoku", date(2026, 6, 1))
    assert list(lines) == ["inspection_fee", "weight_tax", "tech_info_fee"]
    assert (lines["inspection_fee"].amount, lines["inspection_fee"].channels) == (
        1200, (DIRECT, MATOME))
    tech = lines["tech_info_fee"]
    assert (tech.label, tech.amount, tech.per_vehicle, tech.money_label) == (
        "技術情報管理手数料", 400, True, "一般料金")
    assert tech.channels == (MATOME,)  # never by ダイレクト納付
    assert lines["weight_tax"].amount is None and lines["weight_tax"].channels == (DIRECT, MATOME)


def test_technical_information_fee_starts_on_1_october_2021(app):
    assert "tech_info_fee" not in _lines("mlit", "keizoku", date(2021, 9, 30))
    assert _lines("mlit", "keizoku", date(2021, 10, 1))["tech_info_fee"].amount == 400
    assert _lines("kei", "kei_shinsha_shinki", date(2021, 10, 1))["tech_info_fee"].amount == 400
    assert "tech_info_fee" not in _lines("mlit", "iten", date(2026, 6, 1))  # no inspection


def test_kei_inspection_fee_goes_by_matome_and_weight_tax_may_go_direct(app):
    lines = _lines("kei", "kei_keizoku", date(2026, 6, 1))
    assert lines["kei_inspection_fee"].channels == (MATOME,)
    assert lines["kei_inspection_fee"].amount == 1200
    assert lines["weight_tax"].channels == (DIRECT, MATOME)


def test_registration_fees(app):
    on = date(2026, 6, 1)
    assert _lines("mlit", "iten", on)["registration_fee"].amount == 500
    assert _lines("mlit", "henko", on)["registration_fee"].amount == 350
    assert _lines("mlit", "eikyu_massho", on)["registration_fee"].amount == 0
    assert _lines("mlit", "iten", on)["parking_cert_fee"].channels == (MATOME,)
    assert _lines("kei", "iten", on) == {}  # not a kei procedure


def test_the_table_is_dated_configuration(sqlite_url):
    table = {
        "fee_types": {"inspection_fee": {"label": "検査手数料", "money": "national"}},
        "lines": [
            {"backend": "mlit", "procedures": ["keizoku"], "fee": "inspection_fee",
             "amount": 1200, "valid_from": "2023-01-04"},
            {"backend": "mlit", "procedures": ["keizoku"], "fee": "inspection_fee",
             "amount": 1300, "valid_from": "2027-04-01"},
            {"backend": "mlit", "procedures": ["keizoku"], "fee": "inspection_fee",
             "amount": 900, "valid_from": "2020-01-01", "valid_until": "2023-01-03"},
        ],
    }
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "STATUTORY_FEES": table})
    with app.app_context():
        def amount(on):
            return [line.amount for line in fee_table().lines("mlit", "keizoku", on)]

        assert amount(date(2019, 12, 31)) == []
        assert amount(date(2023, 1, 3)) == [900]
        assert amount(date(2027, 3, 31)) == [1200]
        assert amount(date(2027, 4, 1)) == [1300]


@pytest.mark.parametrize("line", [
    {"backend": "mlit", "procedures": ["kei_keizoku"], "fee": "x", "valid_from": "2021-10-01"},
    {"backend": "kei", "procedures": ["keizoku"], "fee": "inspection_fee",
     "valid_from": "2021-10-01"},
    {"backend": "mlit", "procedures": ["keizoku"], "fee": "inspection_fee",
     "valid_from": "2021-13-01"},
])
def test_invalid_tables_are_refused(sqlite_url, line):
    table = {"fee_types": {"inspection_fee": {"label": "検査手数料", "money": "national"}},
             "lines": [line]}
    app = make_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "STATUTORY_FEES": table})
    with app.app_context(), pytest.raises(ConfigError):
        fee_table()


def test_include_shows_lines_before_sending_only(app, set_clock):
    set_clock(jst(2026, 6, 1, 10, 0))
    ready = Application(state=ApplicationState.READY, procedure="kei_keizoku",
                        backend=Backend.KEI)
    sent = Application(state=ApplicationState.UNDER_REVIEW, procedure="kei_keizoku",
                       backend=Backend.KEI)
    with app.test_request_context():
        body = render_template("fees/_fee_lines.html", application=ready)
        after = render_template("fees/_fee_lines.html", application=sent)
    for text in ("検査手数料(軽自動車検査協会)", "1,200円", "技術情報管理手数料", "(1台につき)",
                 "自動車重量税", "OSSの通知額", "ダイレクト納付・まとめ納付", "まとめ納付のみ",
                 "1,600円", "2026-06-01 時点"):
        assert text in body
    assert after.strip() == ""
