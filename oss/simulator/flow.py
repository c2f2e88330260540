"""How an application moves through OSS: 到達 → 受付審査中 → 審査中 → 納付待ち → 手続完了.

Progress is computed lazily: each application stores when its next step is
due (``next_at``), and every request that touches it first replays the steps
that fell due, each at its own scheduled moment. Scheduling goes through the
clock, so in realistic mode work only advances in agency hours.
"""

from dataclasses import dataclass

from oss.simulator.markers import Marker
from oss.simulator.procedures import AUTHORITIES
from oss.simulator.procedures import PROFILES
from oss.status import ARRIVED
from oss.status import COMPLETED
from oss.status import CORRECTION
from oss.status import PAYMENT
from oss.status import RECEPTION
from oss.status import REJECTED
from oss.status import REVIEW
from oss.status import STEP_DONE
from oss.status import STEP_REVIEW
from oss.status import SUSPENDED
from oss.status import TERMINAL
from oss.status import WITHDRAWN

ORDER = (ARRIVED, RECEPTION, REVIEW, PAYMENT, COMPLETED)


class FlowError(Exception):
    """An operation the application's state does not allow (answered 409)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Durations:
    """Seconds of work per step (agency time in realistic mode)."""

    arrival: float
    reception: float
    paper: float
    police: float
    tax: float
    transport: float
    kei: float
    payment: float
    confirm: float
    paper_deadline: float  # calendar seconds from reception to the 15-day limit

    @classmethod
    def for_config(cls, cfg) -> "Durations":
        if cfg.fast:
            s = cfg.step_seconds
            return cls(arrival=s, reception=s, paper=s, police=s, tax=s * 0.5,
                       transport=s * 1.5, kei=s, payment=s, confirm=s * 0.5,
                       paper_deadline=cfg.paper_deadline or 900 * s)
        hour = 3600.0
        return cls(arrival=300, reception=2 * hour, paper=hour, police=7.5 * hour,
                   tax=3 * hour, transport=4 * hour, kei=4 * hour, payment=hour,
                   confirm=0.5 * hour, paper_deadline=cfg.paper_deadline or 15 * 86400)


def _format_number(prefix: str, number: int) -> str:
    return f"{prefix}{number:010d}"


class Flow:
    def __init__(self, clock, durations: Durations, auto_pay: bool):
        self.clock = clock
        self.d = durations
        self.auto_pay = auto_pay

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def marker(app) -> Marker | None:
        return Marker(app.marker) if app.marker and not app.marker_spent else None

    def _set(self, app, status: str, t: float, detail: str = "") -> None:
        app.status = status
        app.updated_at = t
        app.event(t, status, detail)

    def _deadline_flag(self, app) -> str:
        return "deadline" if app.backend == "kei" else "notice"

    def reject(self, app, t: float, reason: str) -> None:
        app.waiting, app.next_at, app.deadline_at = None, None, None
        self._set(app, REJECTED, t, reason)
        app.raise_flag("message", "却下のお知らせ", reason, t)

    def _correction(self, app, t: float, resume_to: str, body: str) -> None:
        app.marker_spent = 1
        app.waiting, app.next_at, app.resume_to = "correction", None, resume_to
        self._set(app, CORRECTION, t, body)
        app.raise_flag("message", "補正要求", body, t)

    # --- the flow ----------------------------------------------------------------------------

    def start(self, app, now: float) -> None:
        self._set(app, ARRIVED, now, "申請データが到達しました")
        app.next_at = self.clock.after(now, self.d.arrival)

    def advance(self, tx, app, now: float) -> bool:
        """Replay every step due by ``now``; True if anything changed."""
        changed = False
        while app.next_at is not None and app.next_at <= now and app.status not in TERMINAL:
            t, app.next_at = app.next_at, None
            self._due(tx, app, t)
            changed = True
        return changed

    def _due(self, tx, app, t: float) -> None:
        if app.deadline_at is not None and t >= app.deadline_at and app.waiting in (
                "receipt_list", "paper"):
            self.reject(app, t, "受付から15日以内に書類が提出されなかったため、受け付けられませんでした。")
        elif app.status == ARRIVED:
            self._enter_reception(tx, app, t)
        elif app.status == RECEPTION and app.waiting == "paper":
            app.waiting, app.deadline_at = None, None
            app.event(t, RECEPTION, "窓口で書類を受け付けました")
            app.next_at = self.clock.after(t, self.d.reception)
        elif app.status == RECEPTION:
            self._reception_done(app, t)
        elif app.status == REVIEW:
            self._review_due(app, t)
        elif app.status == PAYMENT:
            self._payment_due(app, t)

    def _enter_reception(self, tx, app, t: float) -> None:
        prefix = "1" if app.backend == "mlit" else "2"
        app.receipt_number = _format_number(prefix, tx.next_number(f"receipt-{app.backend}"))
        self._set(app, RECEPTION, t, f"受付番号 {app.receipt_number}")
        marker = self.marker(app)
        if marker == Marker.MESSAGE:
            app.raise_flag("message", "OSSからのメッセージ", "申請内容について確認事項があります。", t)
        if marker == Marker.DEADLINE_NOTICE:
            app.raise_flag(self._deadline_flag(app), "期限のお知らせ",
                           "自賠責保険の期間が短くなっています。期間を確認してください。", t)
        if PROFILES[app.procedure].needs_receipt_list:
            app.waiting = "receipt_list"
            app.deadline_at = t + self.d.paper_deadline
            app.next_at = app.deadline_at
            if app.backend == "kei":
                app.raise_flag("deadline", "書類提出期限", "受付番号リストを送信し、期限までに書類を提出してください。", t)
        else:
            app.next_at = self.clock.after(t, self.d.reception)

    def _reception_done(self, app, t: float) -> None:
        marker = self.marker(app)
        if marker == Marker.CORRECTION_AT_RECEPTION:
            self._correction(app, t, RECEPTION, "使用者の住所コードを確認し、OSSポータルで補正してください。")
        elif marker == Marker.REJECT_AT_RECEPTION:
            self.reject(app, t, "受付審査の結果、申請内容に不備があるため却下されました。")
        else:
            self.enter(app, REVIEW, t)

    def enter(self, app, status: str, t: float) -> None:
        """Move to ``status``, unless a 中断予約 stops the application at this checkpoint."""
        profile = PROFILES[app.procedure]
        reserved = app.suspend_reserved_at
        if status in profile.checkpoints and reserved is not None and reserved <= t:
            app.suspend_reserved_at, app.waiting, app.next_at = None, "suspended", None
            app.resume_to = status
            self._set(app, SUSPENDED, t, f"中断予約により「{status}」の前で中断しました")
            return
        self.begin(app, status, t)

    def begin(self, app, status: str, t: float) -> None:
        app.waiting, app.resume_to = None, None
        if status == REVIEW:
            for authority in PROFILES[app.procedure].authorities:
                app.substeps[authority] = {
                    "label": AUTHORITIES[authority], "status": STEP_REVIEW,
                    "due": self.clock.after(t, getattr(self.d, authority))}
            self._set(app, REVIEW, t)
            if self.marker(app) == Marker.NOTICE:
                app.raise_flag("notice", "お知らせ", "書類の受取方法について連絡があります。", t)
            self._schedule_review(app)
        elif status == PAYMENT:
            self._set(app, PAYMENT, t)
            self._schedule_payment(app, t)
        elif status == COMPLETED:
            app.next_at = None
            self._set(app, COMPLETED, t, "手続が完了しました")
            app.raise_flag("notice", "交付物のお知らせ", "自動車検査証等を受け取れます。", t)

    def _schedule_review(self, app) -> None:
        pending = [s["due"] for s in app.substeps.values()
                   if s["status"] == STEP_REVIEW and s.get("due") is not None]
        app.next_at = min(pending) if pending else None

    def _review_due(self, app, t: float) -> None:
        marker = self.marker(app)
        for authority, step in app.substeps.items():
            if step["status"] != STEP_REVIEW or step.get("due") is None or step["due"] > t:
                continue
            if authority in ("transport", "kei") and marker == Marker.REJECT_IN_REVIEW:
                self.reject(app, t, f"{step['label']}の審査の結果、却下されました。")
                return
            if authority in ("transport", "kei") and marker == Marker.HOLD_IN_REVIEW:
                step["due"] = None
                continue
            if authority == "police" and marker == Marker.CORRECTION_BY_POLICE:
                step["due"] = None
                self._correction(app, t, REVIEW, "保管場所の所在図の内容を確認し、OSSポータルで補正してください。")
                return
            step["status"], step["done_at"] = STEP_DONE, t
            app.event(t, REVIEW, f"{step['label']}: 審査完了")
        if all(s["status"] == STEP_DONE for s in app.substeps.values()):
            self.enter(app, PAYMENT, t)
        else:
            self._schedule_review(app)

    def _schedule_payment(self, app, t: float) -> None:
        if all(f["paid_via"] for f in app.fees):
            app.waiting, app.next_at = "confirm", self.clock.after(t, self.d.confirm)
        else:
            app.waiting = "payment"
            app.next_at = self.clock.after(t, self.d.payment) if self.auto_pay else None

    def _payment_due(self, app, t: float) -> None:
        if app.waiting == "confirm":
            self.begin(app, COMPLETED, t)
            return
        unpaid = [f for f in app.fees if not f["paid_via"]]
        self.pay(app, unpaid, "matome", t)

    # --- outside actions ---------------------------------------------------------------------

    def pay(self, app, fees: list[dict], via: str, t: float) -> None:
        """Record payments; in 納付待ち, completion follows once everything is paid."""
        for fee in fees:
            fee["paid_via"], fee["paid_at"] = via, t
        if fees:
            label = "ダイレクト納付" if via == "direct" else "まとめ納付"
            total = sum(f["amount"] for f in fees)
            app.event(t, app.status, f"{label}を確認しました({total:,}円)")
            app.updated_at = t
        if app.status == PAYMENT:
            self._schedule_payment(app, t)

    def correct(self, app, t: float) -> None:
        """The agent made the correction on the OSS portal."""
        if app.status != CORRECTION:
            raise FlowError("OSS-506", "補正要求中の申請ではありません。")
        resume = app.resume_to
        app.waiting, app.resume_to = None, None
        self._set(app, resume, t, "補正されました")
        if resume == RECEPTION:
            app.next_at = self.clock.after(t, self.d.reception)
        else:
            police = app.substeps.get("police")
            if police and police["status"] == STEP_REVIEW:
                police["due"] = self.clock.after(t, self.d.police)
            self._schedule_review(app)

    def phase(self, app) -> str:
        if app.status in (CORRECTION, SUSPENDED):
            return app.resume_to
        return app.status

    def remaining_checkpoints(self, app) -> list[str]:
        if app.status in TERMINAL:
            return []
        here = ORDER.index(self.phase(app))
        return [c for c in PROFILES[app.procedure].checkpoints if ORDER.index(c) > here]

    def reserve_suspension(self, app, t: float) -> None:
        if app.status == SUSPENDED:
            return
        if not self.remaining_checkpoints(app):
            raise FlowError("OSS-501", "中断できる段階(チェックポイント)を既に過ぎているため、中断予約できません。")
        if app.suspend_reserved_at is None:
            app.suspend_reserved_at = t
            app.event(t, app.status, "中断予約を受け付けました")

    def cancel_suspension(self, app, t: float) -> None:
        if app.status == SUSPENDED:
            app.event(t, SUSPENDED, "中断を解除しました")
            self.begin(app, app.resume_to, t)
        elif app.suspend_reserved_at is not None:
            app.suspend_reserved_at = None
            app.event(t, app.status, "中断予約を取り消しました")
        else:
            raise FlowError("OSS-502", "取り消す中断予約がありません。")

    def withdraw(self, app, t: float) -> None:
        if app.status in TERMINAL:
            raise FlowError("OSS-504", f"「{app.status}」の申請は取り下げできません。")
        app.waiting, app.next_at, app.deadline_at, app.suspend_reserved_at = None, None, None, None
        self._set(app, WITHDRAWN, t, "申請が取り下げられました")
