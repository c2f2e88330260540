"""One vehicle, one filing of a procedure at a time (portal/applications/duplicates.py):
the query on both databases (PostgreSQL sends the 車台番号 as one array)."""

from forms.importer import RowResult
from portal.applications import duplicates
from portal.models import ApplicationState as S
from portal.models import OrgKind
from portal.models import Role
from tests.applications.filed import filed


def test_ready_and_filed_applications_count_drafts_and_finished_ones_do_not(
        any_app, make_org, make_user):
    office = make_org(OrgKind.GYOSEISHOSHI)
    staff = make_user(office, Role.STAFF)
    other = make_user(make_org(OrgKind.GYOSEISHOSHI), Role.STAFF)
    ready = filed(staff, "keizoku", S.READY, chassis_no="DUP-0001")
    at_oss = filed(staff, "keizoku", S.UNDER_REVIEW, chassis_no="DUP-0002")
    filed(staff, "keizoku", S.DRAFT, chassis_no="DUP-0003")
    filed(staff, "keizoku", S.REJECTED, chassis_no="DUP-0004")
    filed(staff, "iten", S.READY, chassis_no="DUP-0005")  # another procedure
    filed(other, "keizoku", S.READY, chassis_no="DUP-0006")  # another office
    failed = filed(staff, "keizoku", S.SEND_ERROR, chassis_no="DUP-0007")  # sendable again
    found = duplicates.in_flight(office.id, "keizoku", [f"DUP-000{n}" for n in range(1, 8)])
    assert found == {"DUP-0001": (ready.id, S.READY), "DUP-0002": (at_oss.id, S.UNDER_REVIEW),
                     "DUP-0007": (failed.id, S.SEND_ERROR)}
    assert duplicates.in_flight(office.id, "keizoku", ["DUP-0001"], exclude_id=ready.id) == {}

    rows = [RowResult(n + 2, {"vehicle": {"chassis_no": c}}, [])
            for n, c in enumerate(["DUP-0002", "NEW-1", "NEW-1", "DUP-0004"])]
    duplicates.check_rows(office.id, "keizoku", rows, "車台番号")
    assert [len(r.problems) for r in rows] == [1, 0, 1, 0]
    assert f"(No.{at_oss.id}、審査中)" in rows[0].problems[0][1]
    assert rows[2].problems == [("車台番号", duplicates.row_message(3))]
    assert "3行目と同じ車台番号です。" in duplicates.row_message(3)
