"""中断予約: the procedure's checkpoints, the reservation's fate, reserve and cancel.

OSS stops an application only at fixed checkpoints of its procedure, and only
if a reservation exists when the checkpoint is reached; otherwise the status
moves on. The checkpoints shown are the ones OSS reports for the application
(its last status document), or, before OSS has been asked, the procedure
spec's.
"""

from dataclasses import dataclass

from forms import specs
from oss import status as st
from portal.models import Application
from portal.oss_actions import detail
from portal.oss_actions.actions import NOT_REFRESHED
from portal.oss_actions.actions import ActionError
from portal.oss_actions.actions import perform


@dataclass(frozen=True)
class Checkpoint:
    status: str
    state: str      # "passed" | "current" | "suspended" | "next" | "ahead"
    label: str      # what happened / will happen there, in Japanese
    at: str = ""    # when it was reached or the application stopped there (JST ISO)


@dataclass(frozen=True)
class SuspensionView:
    checkpoints: tuple[Checkpoint, ...]
    source: str           # where the checkpoints come from (shown)
    reserved: bool
    in_effect: bool
    outcome: str          # the reservation's fate, in Japanese ("" when nothing to say)
    can_reserve: bool
    can_cancel: bool
    refusal: str          # why reserving is not possible ("" when it is)


def _checkpoints(app: Application) -> tuple[tuple[str, ...], str]:
    reported = detail.suspension(app).get("checkpoints")
    if reported:
        return tuple(reported), "OSSが示すこの申請のチェックポイント"
    return specs.get(app.procedure).checkpoints, "手続の定義によるチェックポイント(OSSの状況照会前)"


def _suspended_at(events: list[dict], status: str) -> str:
    for e in events:
        if e.get("status") == st.SUSPENDED and f"「{status}」" in (e.get("detail") or ""):
            return e.get("at", "")
    return ""


def _timeline(app, points, sus: dict) -> tuple[Checkpoint, ...]:
    events = detail.history(app)
    reached = {}
    for e in events:
        reached.setdefault(e.get("status"), e.get("at", ""))
    remaining = list(sus.get("remaining_checkpoints") or [])
    shown = []
    for cp in points:
        stopped = _suspended_at(events, cp)
        if app.oss_status == st.SUSPENDED and sus.get("resume_to") == cp:
            shown.append(Checkpoint(cp, "suspended", "ここで中断中です(中断予約が有効になりました)",
                                    stopped))
        elif cp in reached and cp == app.oss_status:
            label = ("中断後に再開し、現在この段階です" if stopped
                     else "予約がなかったため中断せずに進み、現在この段階です")
            shown.append(Checkpoint(cp, "current", label, reached[cp]))
        elif cp in reached:
            label = ("中断後に再開して通過しました" if stopped else "予約がなかったため通過しました")
            shown.append(Checkpoint(cp, "passed", label, reached[cp]))
        elif remaining and cp == remaining[0]:
            shown.append(Checkpoint(cp, "next", "予約中: ここで中断します" if sus.get("reserved")
                                    else "次のチェックポイントです"))
        else:
            shown.append(Checkpoint(cp, "ahead", "未到達"))
    return tuple(shown)


def _outcome(app: Application, sus: dict, timeline) -> str:
    if app.oss_status == st.SUSPENDED:
        return "中断予約が有効になり、申請は中断しています。取り消すと処理が再開します。"
    if sus.get("reserved"):
        nxt = next((c.status for c in timeline if c.state == "next"), "")
        return f"中断予約中です。「{nxt}」に達した時点で中断します。" if nxt else "中断予約中です。"
    if any(c.label.startswith("中断後") for c in timeline):
        return "中断予約は有効になり、その後、中断は解除されました。"
    return ""


def view(app: Application) -> SuspensionView:
    points, source = _checkpoints(app)
    sus = detail.suspension(app)
    timeline = _timeline(app, points, sus)
    reserved = bool(sus.get("reserved")) or app.suspend_reserved
    in_effect = app.oss_status == st.SUSPENDED
    refusal = reserve_refusal(app, sus, reserved, in_effect)
    return SuspensionView(timeline, source, reserved, in_effect, _outcome(app, sus, timeline),
                          can_reserve=not refusal, can_cancel=reserved or in_effect,
                          refusal=refusal)


def reserve_refusal(app: Application, sus: dict, reserved: bool, in_effect: bool) -> str:
    """Why a reservation cannot be made now ("" when it can)."""
    if not app.arrival_number:
        return "OSSに到達した申請だけが中断予約できます。"
    if app.oss_status in st.TERMINAL:
        return f"「{app.oss_status}」の申請は中断予約できません。"
    if in_effect:
        return "既に中断しています。"
    if reserved:
        return "既に中断予約しています。"
    if sus and not sus.get("remaining_checkpoints"):
        return "中断できる段階(チェックポイント)を既に過ぎているため、中断予約できません。"
    return ""


def reserve(user, app: Application) -> str:
    """Reserve a 中断; return the message to show."""
    sus = detail.suspension(app)
    refusal = reserve_refusal(app, sus, bool(sus.get("reserved")) or app.suspend_reserved,
                              app.oss_status == st.SUSPENDED)
    if refusal:
        raise ActionError(refusal)
    outcome = perform(user, app, "suspension_reserved",
                      lambda client: client.reserve_suspension(app.arrival_number))
    if not outcome.refreshed:
        return "中断予約を受け付けました。" + NOT_REFRESHED
    now = detail.suspension(app)
    if app.oss_status == st.SUSPENDED:
        return "中断予約を受け付け、申請は中断しました。"
    if not now.get("reserved"):
        return "OSSで中断予約が確認できませんでした。状況を確認してください。"
    nxt = (now.get("remaining_checkpoints") or [""])[0]
    return f"中断予約を受け付けました。「{nxt}」に達した時点で中断します。" if nxt else \
        "中断予約を受け付けました。"


def cancel(user, app: Application) -> str:
    """Cancel the reservation, or resume an application that is 中断; the message says what
    OSS reports afterwards."""
    resuming = app.oss_status == st.SUSPENDED
    if not (resuming or app.suspend_reserved or detail.suspension(app).get("reserved")):
        raise ActionError("取り消す中断予約がありません。")
    outcome = perform(user, app, "suspension_resumed" if resuming else "suspension_cancelled",
                      lambda client: client.cancel_suspension(app.arrival_number))
    done = "中断を解除しました。処理が再開します。" if resuming else "中断予約を取り消しました。"
    if not outcome.refreshed:
        return done + NOT_REFRESHED
    still = (app.oss_status == st.SUSPENDED if resuming
             else bool(detail.suspension(app).get("reserved")))
    if still:
        return ("OSSの状況では、まだ中断しています。状況を確認してください。" if resuming else
                "OSSの状況では、中断予約はまだ残っています。状況を確認してください。")
    return done
