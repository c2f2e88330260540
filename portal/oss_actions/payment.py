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
from portal.oss_actions.actions import ActionError
from portal.oss_actions.actions import perform

# Fees that are never paid directly, named on the page whatever the procedure.
ALWAYS_MATOME = {"tech_info_fee": "技術情報管理手数料", "kei_inspection_fee": "軽自動車検査手数料"}
ALWAYS_MATOME_NOTE = ("技術情報管理手数料と軽自動車検査手数料は、ダイレクト納付できません。"
                      "納付形態にかかわらず、OSSポータルでまとめ納付してください。")


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: str
    amount: int
    money: str       # 国庫金 | 地方公金 | 一般料金
    channel: str     # how it is (to be) paid, in Japanese
    paid: str        # "" or how it was paid
    direct: bool     # this line would be paid by a ダイレクト納付 now


@dataclass(frozen=True)
class PaymentView:
    lines: tuple[FeeLine, ...]
    mode_label: str       # the account's 納付形態
    can_pay: bool
    refusal: str          # why the button is not offered ("" when it is)
    direct_total: int
    note: str = ALWAYS_MATOME_NOTE


def _channel(fee: st.Fee, direct_mode: bool) -> str:
    if fee.code in ALWAYS_MATOME:
        return "まとめ納付のみ(OSSポータル)"
    if fee.direct_allowed and direct_mode:
        return "ダイレクト納付"
    return "まとめ納付(OSSポータル)"


def _paid(fee: st.Fee) -> str:
    return {"direct": "ダイレクト納付済", "matome": "まとめ納付済"}.get(fee.paid_via or "",
                                                                  "納付済" if fee.paid_via else "")


def view(app: Application) -> PaymentView:
    account = detail.filing_account(app)
    direct_mode = account is not None and account.payment_mode == PaymentMode.DIRECT_NATIONAL
    lines = tuple(FeeLine(f.code, f.label, f.amount, st.MONEY_LABELS.get(f.money, f.money),
                          _channel(f, direct_mode), _paid(f),
                          direct=direct_mode and f.direct_allowed and not f.paid_via)
                  for f in detail.fees(app))
    refusal = _refusal(app, account, direct_mode, lines)
    return PaymentView(lines, account.payment_mode.label if account else "(不明)",
                       can_pay=not refusal, refusal=refusal,
                       direct_total=sum(x.amount for x in lines if x.direct))


def _refusal(app: Application, account, direct_mode: bool, lines) -> str:
    if account is None:
        return "この申請を送信した一括利用者アカウントが分からないため、ダイレクト納付できません。"
    if not direct_mode:
        return (f"一括利用者ID {account.bulk_user_id} の納付形態は「{account.payment_mode.label}」です。"
                "ダイレクト納付を使うには、管理者が納付形態を変更してください。")
    if not app.arrival_number or app.oss_status in st.TERMINAL:
        return "OSSで手続中の申請だけがダイレクト納付できます。"
    if not any(x.money == st.MONEY_LABELS["national"] for x in lines):
        return "この手続には国庫金の料金がないため、ダイレクト納付はありません。"
    if not any(x.direct for x in lines):
        return "ダイレクト納付できる未納の料金はありません。"
    return ""


def pay(user, app: Application) -> str:
    """Pay the unpaid national fee lines directly; return the message to show."""
    shown = view(app)
    if not shown.can_pay:
        raise ActionError(shown.refusal)
    codes = [x.code for x in shown.lines if x.direct]
    result = perform(user, app, "direct_payment",
                     lambda client: client.request_direct_payment(app.arrival_number, codes),
                     fees=codes, amount=shown.direct_total)
    paid = sum(f.amount for f in result.paid) if result is not None else None
    rest = [f for f in detail.fees(app) if not f.paid_via]
    message = (f"ダイレクト納付を依頼しました({paid:,}円)。" if paid is not None
               else "ダイレクト納付の結果をOSSの状況から確認しました。")
    if rest:
        message += ("残りの料金(" + "、".join(f.label for f in rest) +
                    ")はOSSポータルでまとめ納付してください。")
    return message
