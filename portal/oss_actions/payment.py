"""ダイレクト納付: which fee lines it may pay, and asking OSS to pay them.

ダイレクト納付 pays national money only (登録・検査手数料, 自動車重量税) and only
when the OSS account's 納付形態 is ダイレクト納付(国庫金限定). Everything else —
local money and the 一般料金 (技術情報管理手数料, 軽自動車検査手数料) — is always
paid by まとめ納付 on the OSS portal, whatever the account's mode.
"""

from dataclasses import dataclass

from oss import status as st
from portal.models import Application
from portal.models import PaymentMode
from portal.oss_actions import detail
from portal.oss_actions.actions import NOT_REFRESHED
from portal.oss_actions.actions import ActionError
from portal.oss_actions.actions import perform

# 一般料金 that are never paid directly, whatever the account's 納付形態.
ALWAYS_MATOME = frozenset({"tech_info_fee", "kei_inspection_fee"})
ALWAYS_MATOME_NOTE = ("技術情報管理手数料と軽自動車検査手数料は、ダイレクト納付できません。"
                      "納付形態にかかわらず、OSSポータルでまとめ納付してください。")


@dataclass(frozen=True)
class PaymentView:
    mode_label: str                        # the account's 納付形態
    direct: tuple[st.Fee, ...]             # unpaid national money a ダイレクト納付 pays now
    matome: tuple[tuple[st.Fee, str], ...]  # unpaid lines left to まとめ納付, with why
    can_pay: bool
    refusal: str                           # why the button is not offered ("" when it is)
    note: str = ALWAYS_MATOME_NOTE

    @property
    def direct_total(self) -> int:
        return sum(f.amount for f in self.direct)


def _why_matome(fee: st.Fee, direct_mode: bool) -> str:
    if fee.code in ALWAYS_MATOME:
        return "ダイレクト納付できない料金です"
    if not fee.direct_allowed:
        return f"{st.MONEY_LABELS.get(fee.money, fee.money)}はダイレクト納付できません"
    return "納付形態がまとめ払いです" if not direct_mode else ""


def view(app: Application) -> PaymentView | None:
    """None when the viewer cannot see the filing account (a requester)."""
    account = detail.filing_account(app)
    if account is None:
        return None
    direct_mode = account is not None and account.payment_mode == PaymentMode.DIRECT_NATIONAL
    unpaid = [f for f in detail.fees(app) if not f.paid_via]
    direct = tuple(f for f in unpaid if direct_mode and f.direct_allowed)
    matome = tuple((f, _why_matome(f, direct_mode)) for f in unpaid if f not in direct)
    refusal = _refusal(app, account, direct_mode, direct)
    return PaymentView(account.payment_mode.label, direct, matome,
                       can_pay=not refusal, refusal=refusal)


def _refusal(app: Application, account, direct_mode: bool, direct) -> str:
    if not direct_mode:
        return (f"一括利用者ID {account.bulk_user_id} の納付形態は「{account.payment_mode.label}」です。"
                "ダイレクト納付を使うには、管理者が納付形態を変更してください。")
    if not app.arrival_number or app.oss_status in st.TERMINAL:
        return "OSSで手続中の申請だけがダイレクト納付できます。"
    if not any(f.direct_allowed for f in detail.fees(app)):
        return "この手続には国庫金の料金がないため、ダイレクト納付はありません。"
    if not direct:
        return "ダイレクト納付できる未納の料金はありません。"
    return ""


def pay(user, app: Application) -> str:
    """Pay the unpaid national fee lines directly; return the message to show."""
    shown = view(app)
    if shown is None:
        raise ActionError("この申請を送信した一括利用者アカウントが見つかりません。")
    if not shown.can_pay:
        raise ActionError(shown.refusal)
    codes = [f.code for f in shown.direct]
    outcome = perform(user, app, "direct_payment",
                      lambda client: client.request_direct_payment(app.arrival_number, codes),
                      fees=codes, amount=shown.direct_total)
    result = outcome.result
    if result is None:  # no answer: the status read afterwards says what was paid
        message = "ダイレクト納付の結果をOSSの状況から確認しました。"
        rest = [f for f in detail.fees(app) if not f.paid_via]
    else:
        message = f"ダイレクト納付を依頼しました({sum(f.amount for f in result.paid):,}円)。"
        rest = list(result.remaining)  # OSS's own answer, whatever the page showed before
        if not outcome.refreshed:
            _mark_paid(app, result.paid)  # what OSS said it paid is never offered again
            message += NOT_REFRESHED
    if rest:
        message += ("残りの料金(" + "、".join(f.label for f in rest) +
                    ")はOSSポータルでまとめ納付してください。")
    return message


def _mark_paid(app: Application, paid) -> None:
    """Put OSS's answer on the stored fee lines until the next status says the same."""
    by_code = {f.code: f for f in paid}
    app.fees = [({**line, "paid_via": by_code[line["code"]].paid_via or "direct",
                  "paid_at": by_code[line["code"]].paid_at}
                 if line.get("code") in by_code and not line.get("paid_via") else line)
                for line in (app.fees or [])]
