"""Fee lines of an application (``Application.fees``) and how each may be paid.

Which money ダイレクト納付 may pay is decided once, in ``oss.status``
(``Fee.direct_allowed``: national money only); this module only words it.
"""

from dataclasses import dataclass

from oss.status import MONEY_LABELS
from oss.status import Fee

PAYMENT_NOTE = (
    "ダイレクト納付で支払えるのは国庫金(登録・検査手数料、自動車重量税など)に限られます。"
    "技術情報管理手数料と軽自動車検査手数料は、ダイレクト納付を利用する場合でも"
    "必ずまとめ納付で支払います。地方公金(保管場所関係の手数料、環境性能割)もまとめ納付です。"
)
PAID_LABELS = {"direct": "ダイレクト納付済", "matome": "まとめ納付済"}


@dataclass(frozen=True)
class FeeLine:
    fee: Fee

    @property
    def money_label(self) -> str:
        return MONEY_LABELS.get(self.fee.money, self.fee.money)

    @property
    def channels(self) -> str:
        if self.fee.direct_allowed:
            return "ダイレクト納付またはまとめ納付"
        return "まとめ納付のみ"

    @property
    def status(self) -> str:
        if self.fee.paid_via:
            return PAID_LABELS.get(self.fee.paid_via, "納付済")
        return "未納付"

    @property
    def paid_at(self) -> str:
        return (self.fee.paid_at or "").replace("T", " ")[:16]


def fee_lines(app) -> list[FeeLine]:
    """The stored fee lines; a malformed entry is left out rather than shown wrong."""
    lines = []
    for raw in app.fees if isinstance(app.fees, list) else []:
        try:
            lines.append(FeeLine(Fee.from_json(raw)))
        except (KeyError, TypeError, ValueError):
            continue
    return lines


def total(lines: list[FeeLine]) -> int:
    return sum(line.fee.amount for line in lines)
