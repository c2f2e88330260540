"""継続検査 (registered vehicles): the periodic inspection renewal."""

from forms import rules
from forms.spec import SectionSpec
from forms.specs import sections as s
from forms.specs.fields import select

ECERT_UPDATE = (("agent", "記録等事務代行者が記録する"), ("counter", "運輸支局等の窓口で記録する"))

KEIZOKU = s.registered_procedure(
    "keizoku", "継続検査", family="inspection",
    summary="車検(継続検査)を申請します(電子の保安基準適合証と自賠責が必須、受付番号リスト不要)。",
    sections=(
        s.vehicle_registered(),
        SectionSpec("inspection", "継続検査", (
            select("ecert_update", "電子車検証の記録", ECERT_UPDATE, required=True,
                   example="agent"),
        )),
        s.EVIDENCE_INSPECTION,
    ),
    rules=(rules.electronic_inspection_evidence,),
    authorities=(s.TRANSPORT,),
    needs_receipt_list=False,
    checkpoints=s.CHECKPOINTS_INSPECTION,
)

SPECS = (KEIZOKU,)
