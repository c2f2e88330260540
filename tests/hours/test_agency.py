"""When the agency will next review: weekdays 8:45–17:15 Japan time, holidays excluded."""

import pytest
from flask import render_template

from portal.hours.agency import next_review
from portal.hours.agency import review_outlook
from portal.models import ApplicationState
from tests.timekeeping import jst


@pytest.mark.parametrize("moment, expected", [
    (jst(2026, 6, 10, 10, 0), jst(2026, 6, 10, 10, 0)),        # inside office hours
    (jst(2026, 6, 10, 8, 0), jst(2026, 6, 10, 8, 45)),
    (jst(2026, 6, 12, 17, 15), jst(2026, 6, 15, 8, 45)),       # Friday closing -> Monday
    (jst(2026, 6, 13, 11, 0), jst(2026, 6, 15, 8, 45)),        # Saturday
    (jst(2026, 9, 18, 17, 30), jst(2026, 9, 24, 8, 45)),       # 敬老の日, 国民の休日, 秋分の日
    (jst(2026, 12, 28, 17, 30), jst(2027, 1, 4, 8, 45)),       # year-end closure
    (jst(2027, 1, 8, 18, 0), jst(2027, 1, 12, 8, 45)),         # 成人の日 11 January
    (jst(2026, 4, 28, 18, 0), jst(2026, 4, 30, 8, 45)),        # 昭和の日
])
def test_next_review(app, moment, expected):
    assert next_review(moment) == expected


def _app(state):
    from portal.models import Application

    return Application(state=state)


def test_outlook_by_state(app):
    friday_night = jst(2026, 6, 12, 20, 0)
    assert review_outlook(_app(ApplicationState.COMPLETED), friday_night) is None
    assert review_outlook(_app(ApplicationState.REJECTED), friday_night) is None
    ready = review_outlook(_app(ApplicationState.READY), friday_night)
    assert (ready.sent, ready.in_hours, ready.starts) == (False, False, jst(2026, 6, 15, 8, 45))
    reviewing = review_outlook(_app(ApplicationState.UNDER_REVIEW), jst(2026, 6, 15, 9, 0))
    assert (reviewing.sent, reviewing.in_hours) == (True, True)
    assert reviewing.until == jst(2026, 6, 15, 17, 15)


def test_include_renders_the_outlook(app, set_clock):
    set_clock(jst(2026, 12, 28, 18, 0))
    with app.test_request_context():
        sent = render_template("hours/_next_review.html",
                               application=_app(ApplicationState.RECEPTION_REVIEW))
        draft = render_template("hours/_next_review.html",
                                application=_app(ApplicationState.DRAFT))
        done = render_template("hours/_next_review.html",
                               application=_app(ApplicationState.COMPLETED))
    assert "審査機関の次の受付時間は <strong>2027年1月4日(月) 8:45</strong> からです" in sent
    assert "今送信した場合、審査が始まるのは <strong>2027年1月4日(月) 8:45</strong> 以降です" in draft
    assert "平日 8:45〜17:15(日本時間)。祝日、年末年始(12月29日〜1月3日)は休みです。" in sent
    assert done.strip() == ""
    set_clock(jst(2026, 12, 28, 10, 0))
    with app.test_request_context():
        now = render_template("hours/_next_review.html",
                              application=_app(ApplicationState.UNDER_REVIEW))
    assert "ただいま審査機関の受付時間内です(本日 17:15 まで)" in now
