"""Search 受付番号リスト: by 送信状況, 識別番号, a 受付番号 on the list, name and creation date."""

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from portal.applications.search_form import jst_day_start_utc
from portal.applications.search_form import lenient_date
from portal.models import ListStatus
from portal.models import ReceiptList
from portal.models import ReceiptListItem
from portal.receipts.services import MAX_NAME


@dataclass
class Filters:
    status: str = ""
    identification_number: str = ""
    receipt_number: str = ""
    name: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args) -> "Filters":
        status = args.get("status", "")
        return cls(status=status if status in {s.value for s in ListStatus} else "",
                   identification_number=args.get("identification_number", "").strip()[:40],
                   receipt_number=args.get("receipt_number", "").strip()[:40],
                   name=args.get("name", "").strip()[:MAX_NAME],
                   date_from=lenient_date(args, "date_from"),
                   date_to=lenient_date(args, "date_to"))


def search(org_id: int, f: Filters):
    """The SELECT behind the list search (newest first)."""
    query = sa.select(ReceiptList).where(ReceiptList.org_id == org_id)
    if f.status:
        query = query.where(ReceiptList.status == ListStatus(f.status))
    if f.identification_number:
        query = query.where(ReceiptList.identification_number == f.identification_number)
    if f.name:
        query = query.where(ReceiptList.name.contains(f.name))
    if f.receipt_number:
        holding = (sa.select(ReceiptListItem.receipt_list_id)
                   .where(ReceiptListItem.receipt_number == f.receipt_number))
        query = query.where(ReceiptList.id.in_(holding))
    if f.date_from:
        query = query.where(ReceiptList.created_at >= jst_day_start_utc(f.date_from))
    if f.date_to:
        end = jst_day_start_utc(f.date_to + timedelta(days=1))
        query = query.where(ReceiptList.created_at < end)
    return query.order_by(ReceiptList.created_at.desc(), ReceiptList.id.desc())
