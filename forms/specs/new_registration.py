"""新車新規登録 and 中古新規登録: a vehicle enters the register."""

from forms import rules
from forms.specs import sections as s

SHINSHA_SHINKI = s.registered_procedure(
    "shinsha_shinki", "新車新規登録", family="new_registration",
    summary="型式指定車の新車を登録し、新規検査・保管場所証明・税申告をまとめて申請します。",
    sections=(s.filing(hybrid=True), s.vehicle_new(), *s.PARTIES_AND_PLACES, s.usage(),
              s.EVIDENCE_NEW, s.POA, s.TAX),
    rules=(*rules.COMMON, rules.electronic_new_vehicle_evidence),
    hybrid_allowed=True,
)

CHUKO_SHINKI = s.registered_procedure(
    "chuko_shinki", "中古新規登録", family="new_registration",
    summary="抹消登録された中古車を再び登録します(電子の保安基準適合証と自賠責が必須)。",
    sections=(s.filing(), s.vehicle_new(type_required=False, odometer=True),
              *s.PARTIES_AND_PLACES, s.usage(), s.EVIDENCE_INSPECTION, s.POA, s.TAX),
    rules=(*rules.COMMON, rules.electronic_inspection_evidence),
)

SPECS = (SHINSHA_SHINKI, CHUKO_SHINKI)
