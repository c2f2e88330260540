"""軽自動車 (kei OSS): 新車新規検査 and 継続検査, filed to 軽自動車検査協会."""

from forms import rules
from forms.spec import SectionSpec
from forms.specs import sections as s
from forms.specs.fields import select

PICKUP = (("office", "軽検協事務所等で二次元コードにより受け取る"), ("agent", "記録等事務代行者が受け取る"))

KEI_SHINSHA_SHINKI = s.kei_procedure(
    "kei_shinsha_shinki", "新車新規検査",
    summary="軽自動車の新車の新規検査を申請します(拠点の軽証明書等管理業者名が必要)。",
    sections=(s.vehicle_new(), s.OWNER, s.USER, s.BASE, s.usage(), s.EVIDENCE_KEI_NEW),
    rules=(rules.kei_manager_name, rules.business_vehicle_liaison, rules.government_vehicle,
           rules.electronic_new_vehicle_evidence),
)

KEI_KEIZOKU = s.kei_procedure(
    "kei_keizoku", "継続検査",
    summary="軽自動車の車検(継続検査)を申請します(電子の保安基準適合証と自賠責が必須)。",
    sections=(
        s.vehicle_registered(number="車両番号"),
        SectionSpec("inspection", "継続検査", (
            select("pickup", "自動車検査証等の受取", PICKUP, required=True, example="office"),
        )),
        s.EVIDENCE_INSPECTION,
    ),
    rules=(rules.kei_manager_name, rules.electronic_inspection_evidence),
)

SPECS = (KEI_SHINSHA_SHINKI, KEI_KEIZOKU)
