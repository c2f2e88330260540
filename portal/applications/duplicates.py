"""One vehicle, one filing of a procedure at a time.

An application is refused 申請準備完了 while another application of the same
office for the same 車台番号 and procedure is ready, at OSS or in 申請エラー (which
can be sent again as it is): that is a double filing (the same CSV imported
twice, a form entered again), which OSS would charge twice or refuse late. A
再申請 of a 却下 application is refused likewise while another is in flight. A
却下, 取下げ or finished application, a draft, and another procedure for the
same vehicle (移転登録 then 変更登録) do not count.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from forms import specs
from forms.checks import Issue
from portal.applications.live import IN_FLIGHT_STATES
from portal.extensions import db
from portal.models import Application
from portal.models import ApplicationState as S

IN_FLIGHT = IN_FLIGHT_STATES | {S.READY, S.SEND_ERROR}  # ready, sent or sendable again
RULE = "duplicate_vehicle"


def in_flight(org_id: int, procedure: str, chassis_nos, exclude_id: int | None = None
              ) -> dict[str, tuple[int, S]]:
    """車台番号 -> (id, state) of the office's ready or filed applications of ``procedure``."""
    wanted = sorted({c for c in chassis_nos if c})
    if not wanted:
        return {}
    query = (sa.select(Application.chassis_no, Application.id, Application.state)
             .where(Application.agent_org_id == org_id, Application.procedure == procedure,
                    _one_of(Application.chassis_no, wanted), Application.deleted_at.is_(None),
                    Application.state.in_([s.value for s in IN_FLIGHT]))
             .order_by(Application.id))
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    found: dict[str, tuple[int, S]] = {}
    for chassis, app_id, state in db.session.execute(query):
        found.setdefault(chassis, (app_id, S(state)))
    return found


def _one_of(column, values: list[str]):
    """``column IN values``; on PostgreSQL one array parameter (= ANY), which a whole
    import's 車台番号 (10,000) keep cheap to send and plan, instead of one each."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(values, ARRAY(sa.String)))
    return column.in_(values)


def message(procedure: str, other_id: int, other_state: S) -> str:
    return (f"同じ車台番号の{specs.get(procedure).name}が既にあります(No.{other_id}、"
            f"{other_state.label})。二重の申請にならないよう、もう一方を確認してください。")


def row_message(first_row: int) -> str:
    return f"{first_row}行目と同じ車台番号です。同じ車両を二重に申請しないよう確認してください。"


def check_application(app: Application) -> Issue | None:
    """The refusal of marking ``app`` ready, when it would be a second filing."""
    if not app.agent_org_id:
        return None
    other = in_flight(app.agent_org_id, app.procedure, [app.chassis_no], app.id).get(
        app.chassis_no)
    if other is None:
        return None
    return Issue(message(app.procedure, *other), "vehicle", "chassis_no", RULE)


def check_rows(org_id: int, procedure: str, rows, header: str) -> None:
    """Add a problem (under ``header``) to each import row that repeats an earlier row's
    車台番号 or that of an application already ready or filed."""
    from portal.applications.services import summary_fields

    chassis = [summary_fields(row.payload)["chassis_no"] for row in rows]
    filed = in_flight(org_id, procedure, chassis)
    first_row: dict[str, int] = {}
    for row, number in zip(rows, chassis, strict=True):
        if not number:
            continue
        if number in filed:
            row.problems.append((header, message(procedure, *filed[number])))
        elif number in first_row:
            row.problems.append((header, row_message(first_row[number])))
        else:
            first_row[number] = row.number
