"""Work nobody has started: the progress parts say so after a minute, not before."""

from datetime import datetime
from datetime import timedelta

from portal.waiting import NOT_STARTED_AFTER
from portal.waiting import not_started_note

T = datetime(2026, 11, 26, 9, 0)


def test_the_note_comes_after_a_minute_and_counts_the_minutes():
    assert not_started_note(T, T + NOT_STARTED_AFTER) == ""
    assert not_started_note(None, T) == ""
    note = not_started_note(T, T + timedelta(minutes=3, seconds=5))
    assert note.startswith("処理がまだ始まっていません(3分前から待機中)")
    assert "失われず" in note
