"""抹消登録: temporary and permanent, alone or combined with a transfer or change."""

from forms import rules
from forms.spec import ProcedureSpec
from forms.specs import sections as s
from forms.specs.ownership import CHANGE_CAUSES

ICHIJI_CAUSES = (("use_stopped", "使用中止"),)
EIKYU_CAUSES = (("dismantled", "解体"),)
SINGLE = (*rules.COMMON, rules.weight_tax_refund)
COMPOUND = (*SINGLE, rules.business_use_in_compound)


def _spec(code: str, name: str, summary: str, sections: tuple, *, compound: bool = False,
          transfer: bool = False, extra_rules: tuple = ()) -> ProcedureSpec:
    chosen = (*(COMPOUND if compound else SINGLE), *extra_rules)
    return s.registered_procedure(
        code, name, family="deregistration", summary=summary,
        sections=(s.vehicle_registered(), *sections, s.POA, s.TAX),
        rules=(*chosen, rules.transfer_cause) if transfer else chosen,
        authorities=(s.TRANSPORT, s.PREF_TAX),
        compound=compound,
    )


ICHIJI_MASSHO = _spec(
    "ichiji_massho", "一時抹消登録", "ナンバープレートを返納し、自動車の使用を一時中止します。",
    (s.registration(ICHIJI_CAUSES, date_label="抹消の日付"), s.deregistration()),
)
EIKYU_MASSHO = _spec(
    "eikyu_massho", "永久抹消登録", "解体(リサイクル)を終えた自動車の登録を抹消します。",
    (s.registration(EIKYU_CAUSES, date_label="解体の日付"), s.deregistration(dismantled=True)),
    extra_rules=(rules.dismantling_dates,),
)
ITEN_ICHIJI_MASSHO = _spec(
    "iten_ichiji_massho", "移転一時抹消登録", "移転登録と一時抹消登録を一度に申請します(複合申請)。",
    (s.registration(rules.TRANSFER_CAUSES), s.NEW_OWNER, s.usage(liaison=False),
     s.deregistration()),
    compound=True, transfer=True,
)
ITEN_EIKYU_MASSHO = _spec(
    "iten_eikyu_massho", "移転永久抹消登録", "移転登録と永久抹消登録を一度に申請します(複合申請)。",
    (s.registration(rules.TRANSFER_CAUSES), s.NEW_OWNER, s.usage(liaison=False),
     s.deregistration(dismantled=True)),
    compound=True, transfer=True,
)
HENKO_ICHIJI_MASSHO = _spec(
    "henko_ichiji_massho", "変更一時抹消登録", "変更登録と一時抹消登録を一度に申請します(複合申請)。",
    (s.registration(CHANGE_CAUSES, title="変更の内容", date_label="変更の日付"), s.OWNER,
     s.usage(liaison=False), s.deregistration()),
    compound=True,
)

SPECS = (ICHIJI_MASSHO, EIKYU_MASSHO, ITEN_ICHIJI_MASSHO, ITEN_EIKYU_MASSHO, HENKO_ICHIJI_MASSHO)
