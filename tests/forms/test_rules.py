"""Each filing rule (DOMAIN.md §6): refused with a Japanese message naming the rule."""

import pytest

from forms import poa
from forms import rules
from forms.checks import Subject
from forms.checks import check
from forms.specs import ALL
from forms.specs import get
from tests.samples import example_payload
from tests.samples import poa_xml


def subject(code: str, changes: dict | None = None, **kw) -> Subject:
    spec = get(code)
    payload = example_payload(spec)
    if spec.has_field("poa", "e_poa"):
        payload["poa"]["e_poa"] = poa.encode(poa_xml())
    for dotted, value in (changes or {}).items():
        section, key = dotted.split(".")
        payload.setdefault(section, {})[key] = value
    kw.setdefault("kei_manager_name", "山田行政書士事務所(登録番号12345678)")
    return Subject(spec, payload, **kw)


def refusals(s: Subject, rule) -> list:
    return [i for i in check(s) if i.rule == rule.code]


def test_every_example_payload_passes_every_rule():
    for spec in ALL:
        assert [i.message for i in check(subject(spec.code))] == [], spec.code


# --- 移転登録の登録原因 -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["iten", "iten_ichiji_massho", "iten_eikyu_massho"])
@pytest.mark.parametrize("cause,label", [("merger", "合併"), ("split", "分割"),
                                         ("inheritance", "相続"), ("gift", "贈与"),
                                         ("judgment", "判決")])
def test_transfer_causes_outside_oss_are_refused(code, cause, label):
    (issue,) = refusals(subject(code, {"registration.cause": cause}), rules.transfer_cause)
    assert issue.message.startswith("【移転登録の登録原因】")
    assert f"登録原因が「{label}」の移転はOSSの対象外" in issue.message
    assert (issue.section, issue.field) == ("registration", "cause")


@pytest.mark.parametrize("cause", ["sale", "installment_paid"])
def test_sale_and_instalment_paid_are_accepted(cause):
    assert refusals(subject("iten", {"registration.cause": cause}), rules.transfer_cause) == []


def test_transfer_rule_is_on_every_transfer_spec_only():
    with_rule = {s.code for s in ALL if rules.transfer_cause in s.rules}
    assert with_rule == {"iten", "iten_ichiji_massho", "iten_eikyu_massho"}


# --- 保安基準適合証・自賠責の電子化 ----------------------------------------------------------


@pytest.mark.parametrize("code", ["chuko_shinki", "keizoku", "kei_keizoku"])
def test_paper_safety_certificate_is_refused(code):
    (issue,) = refusals(subject(code, {"evidence.safety_cert": "paper"}),
                        rules.electronic_inspection_evidence)
    assert issue.message.startswith("【保安基準適合証・自賠責の電子化】紙の保安基準適合証では")
    assert issue.field == "safety_cert"


@pytest.mark.parametrize("code,key", [("shinsha_shinki", "completion_cert"),
                                      ("shinsha_shinki", "transfer_cert"),
                                      ("shinsha_shinki", "jibaiseki"),
                                      ("kei_shinsha_shinki", "completion_cert"),
                                      ("kei_shinsha_shinki", "jibaiseki")])
def test_a_new_vehicle_is_filed_on_electronic_evidence_only(code, key):
    (issue,) = refusals(subject(code, {f"evidence.{key}": "paper"}),
                        rules.electronic_new_vehicle_evidence)
    assert issue.field == key and "OSSで申請できません" in issue.message
    assert "ハイブリッド申請の委任状・印鑑証明書だけ" in issue.message
    assert rules.electronic_new_vehicle_evidence in get(code).rules
    assert refusals(subject(code, {}), rules.electronic_new_vehicle_evidence) == []


def test_a_vehicle_is_dismantled_before_the_dismantling_is_reported():
    late = subject("eikyu_massho", {"registration.cause_date": "2025-04-10",
                                    "deregistration.dismantling_date": "2025-04-01"})
    (issue,) = refusals(late, rules.dismantling_dates)
    assert issue.field == "cause_date" and "解体報告記録日(2025-04-01)より後" in issue.message
    for day in ("2025-04-01", "2025-03-20", "2025/04/20"):  # same day, before, malformed
        assert refusals(subject("eikyu_massho", {"registration.cause_date": day,
                                                 "deregistration.dismantling_date":
                                                     "2025-04-01"}),
                        rules.dismantling_dates) == []
    assert rules.dismantling_dates in get("eikyu_massho").rules


@pytest.mark.parametrize("code", ["chuko_shinki", "keizoku", "kei_keizoku"])
def test_paper_jibaiseki_is_refused(code):
    (issue,) = refusals(subject(code, {"evidence.jibaiseki": "paper"}),
                        rules.electronic_inspection_evidence)
    assert "電子化された自賠責保険" in issue.message


def test_both_paper_gives_two_reasons():
    s = subject("keizoku", {"evidence.jibaiseki": "paper", "evidence.safety_cert": "paper"})
    assert len(refusals(s, rules.electronic_inspection_evidence)) == 2


# --- not accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ichiji_massho", "eikyu_massho", "iten_ichiji_massho",
                                  "iten_eikyu_massho", "henko_ichiji_massho"])
def test_weight_tax_refund_is_refused(code):
    (issue,) = refusals(subject(code, {"deregistration.weight_tax_refund": True}),
                        rules.weight_tax_refund)
    assert issue.message.startswith("【自動車重量税の還付】")


def test_business_vehicle_liaison_is_refused():
    (issue,) = refusals(subject("shinsha_shinki", {"usage.business_liaison_e": True}),
                        rules.business_vehicle_liaison)
    assert issue.message.startswith("【事業用自動車等連絡書(電子)】")


@pytest.mark.parametrize("code", ["shinsha_shinki", "chuko_shinki", "iten", "henko",
                                  "kisai_henko"])
def test_paper_parking_certificate_is_refused(code):
    (issue,) = refusals(subject(code, {"parking.certificate_mode": "paper_police"}),
                        rules.paper_parking_certificate)
    assert issue.message.startswith("【紙の保管場所証明書】警察署で交付された紙の保管場所証明書")


@pytest.mark.parametrize("name", ["所有者変更記録", "解体等届出", "所有者変更記録解体等届出",
                                  "輸出抹消仮登録", "移転輸出抹消仮登録", "変更輸出抹消仮登録",
                                  "輸出予定届出", "所有者変更記録輸出予定届出"])
def test_out_of_scope_procedures_are_refused(name):
    message = rules.out_of_scope(name)
    assert message.startswith("【対象外の手続】")
    assert f"「{name}」" in message


def test_out_of_scope_by_code_names_the_procedure():
    assert "「輸出予定届出」" in rules.out_of_scope("yushutsu_yotei_todoke")
    assert rules.out_of_scope("移転登録") is None


# --- 事業用・貸渡用と複合申請, 公用車 ------------------------------------------------------


@pytest.mark.parametrize("code", ["iten_ichiji_massho", "iten_eikyu_massho",
                                  "henko_ichiji_massho"])
@pytest.mark.parametrize("use,label", [("business", "事業用"), ("rental", "貸渡用")])
def test_business_and_rental_use_refused_in_compound_filings(code, use, label):
    (issue,) = refusals(subject(code, {"usage.use_type": use}), rules.business_use_in_compound)
    assert issue.message.startswith(f"【事業用・貸渡用と複合申請】{label}の自動車は")


@pytest.mark.parametrize("use", ["business", "rental"])
def test_business_and_rental_use_allowed_outside_compound_filings(use):
    for code in ("shinsha_shinki", "iten", "chuko_shinki"):
        assert check(subject(code, {"usage.use_type": use})) == []


def test_government_vehicle_needs_a_certificate():
    s = subject("shinsha_shinki", {"usage.government_vehicle": True})
    (issue,) = refusals(s, rules.government_vehicle)
    assert issue.message.startswith("【公用車の証明書】公用車の申請には官職証明書または職責証明書が必要")
    ok = subject("shinsha_shinki", {"usage.government_vehicle": True,
                                    "usage.official_certificate": "shokuseki"})
    assert check(ok) == []


# --- ハイブリッド申請, 紙と電子の分割禁止 -------------------------------------------------


def test_hybrid_needs_paper_poa_and_seal_certificate():
    s = subject("shinsha_shinki", {"filing.hybrid": True})
    messages = [i.message for i in refusals(s, rules.hybrid_filing)]
    assert any("委任状を紙で提出します" in m for m in messages)
    assert any("印鑑証明書を紙で提出します" in m for m in messages)
    ok = subject("shinsha_shinki", {"filing.hybrid": True, "poa.poa_mode": "paper",
                                    "poa.seal_cert": "paper", "poa.e_poa": ""})
    assert check(ok) == []


def test_hybrid_only_for_new_registration():
    (issue,) = refusals(subject("iten", {"filing.hybrid": True}), rules.hybrid_filing)
    assert "ハイブリッド申請ができるのは新車新規登録だけ" in issue.message


def test_paper_seal_certificate_only_in_hybrid():
    (issue,) = refusals(subject("iten", {"poa.seal_cert": "paper"}), rules.hybrid_filing)
    assert issue.message.startswith("【ハイブリッド申請】印鑑証明書を紙で提出できるのは")


def test_tax_never_split_to_paper():
    for hybrid in (False, True):
        changes = {"tax.declaration_mode": "paper", "filing.hybrid": hybrid,
                   "poa.poa_mode": "paper" if hybrid else "electronic",
                   "poa.seal_cert": "paper" if hybrid else "not_required"}
        (issue,) = refusals(subject("shinsha_shinki", changes), rules.no_paper_split)
        assert issue.message.startswith("【紙と電子の分割禁止】")


# --- 電子委任状 -----------------------------------------------------------------------------


def test_missing_poa_is_refused_but_not_while_importing():
    s = subject("iten", {"poa.e_poa": ""})
    (issue,) = refusals(s, rules.electronic_poa)
    assert issue.message.startswith("【電子委任状】電子委任状が添付されていません")
    assert refusals(subject("iten", {"poa.e_poa": ""}, attachments_pending=True),
                    rules.electronic_poa) == []


def test_scanned_poa_is_refused_by_content():
    scan = poa.encode(b"%PDF-1.4 scanned paper")
    (issue,) = refusals(subject("iten", {"poa.e_poa": scan}), rules.electronic_poa)
    assert issue.message.startswith("【電子委任状】添付されたのはPDFファイルです")


def test_paper_poa_only_in_hybrid():
    (issue,) = refusals(subject("henko", {"poa.poa_mode": "paper"}), rules.electronic_poa)
    assert "紙の委任状を使えるのはハイブリッド申請(新車新規登録)だけ" in issue.message


# --- 軽証明書等管理業者名 -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["kei_shinsha_shinki", "kei_keizoku"])
def test_kei_needs_the_branch_manager_name(code):
    (issue,) = refusals(subject(code, kei_manager_name=""), rules.kei_manager_name)
    assert issue.message.startswith("【軽証明書等管理業者名】")
    assert issue.field is None
    assert refusals(subject(code, kei_manager_name="  "), rules.kei_manager_name)


def test_kei_rule_waits_when_no_agent_branch_is_known():
    assert refusals(subject("kei_keizoku", kei_manager_name=None), rules.kei_manager_name) == []


def test_registered_vehicles_do_not_need_the_kei_name():
    assert check(subject("keizoku", kei_manager_name="")) == []


def test_every_rule_is_registered_once_with_a_title():
    assert len(rules.REGISTRY) == 13
    for code, rule in rules.REGISTRY.items():
        assert rule.code == code and rule.title


def test_an_electronic_poa_not_yet_attached_keeps_an_import_from_being_ready():
    iten = example_payload(get("iten"))
    assert rules.attachment_pending(iten)
    iten["poa"]["e_poa"] = "<attached/>"
    assert not rules.attachment_pending(iten)
    assert not rules.attachment_pending(example_payload(get("keizoku")))  # no 委任状 at all
    hybrid = example_payload(get("iten"))
    hybrid["poa"]["poa_mode"] = "paper"
    assert not rules.attachment_pending(hybrid)
