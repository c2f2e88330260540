"""Filing rules (DOMAIN.md §6): what OSS bulk filing refuses, each stated once.

Every rule is a function ``rule(subject) -> list[Issue]``; a spec lists the
rules that apply to its procedure in ``ProcedureSpec.rules``. Each message
starts with the rule's name in 【】 and says why the filing is refused and what
to do instead. Field-level rules (JIS X 0208, 住所1 and its prefecture,
丁目/番地) live in ``forms.validators``.
"""

from collections.abc import Callable
from collections.abc import Iterator

from forms.checks import Issue
from forms.checks import Subject

Refusal = tuple[str | None, str | None, str]  # (section, field, message)

REGISTRY: dict[str, Callable[[Subject], list[Issue]]] = {}

TRANSFER_CAUSES_ALLOWED = ("sale", "installment_paid")
TRANSFER_CAUSES = (
    ("sale", "売買"),
    ("installment_paid", "割賦完済"),
    ("merger", "合併"),
    ("split", "分割"),
    ("inheritance", "相続"),
    ("gift", "贈与"),
    ("judgment", "判決"),
)


def rule(code: str, title: str):
    """Register a rule; the wrapped generator yields ``(section, field, message)``."""

    def decorate(fn: Callable[[Subject], Iterator[Refusal]]):
        def run(subject: Subject) -> list[Issue]:
            return [Issue(f"【{title}】{message}", section, key, code)
                    for section, key, message in fn(subject)]

        run.code = code
        run.title = title
        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        REGISTRY[code] = run
        return run

    return decorate


@rule("transfer_cause", "移転登録の登録原因")
def transfer_cause(s: Subject):
    """Transfers (and transfer + de-registration) only for 売買 or 割賦完済."""
    cause = s.text("registration", "cause")
    if cause and cause not in TRANSFER_CAUSES_ALLOWED:
        label = dict(TRANSFER_CAUSES).get(cause, cause)
        yield ("registration", "cause",
               f"登録原因が「{label}」の移転はOSSの対象外のため申請できません。"
               "OSSで申請できる移転の登録原因は「売買」と「割賦完済」だけです。"
               "合併・分割・相続・贈与・判決による移転は運輸支局の窓口で申請してください。")


@rule("electronic_inspection_evidence", "保安基準適合証・自賠責の電子化")
def electronic_inspection_evidence(s: Subject):
    """中古新規登録 and 継続検査 need an electronic 保適証 and an electronic 自賠責."""
    if s.text("evidence", "safety_cert") == "paper":
        yield ("evidence", "safety_cert",
               f"紙の保安基準適合証では{s.spec.name}をOSSで申請できません。"
               "保適証サービスで電子の保安基準適合証を登録してから申請してください。")
    if s.text("evidence", "jibaiseki") == "paper":
        yield ("evidence", "jibaiseki",
               f"{s.spec.name}のOSS申請には電子化された自賠責保険(共済)の証明が必要です。"
               "紙の自賠責保険証明書では申請できません。")


NEW_VEHICLE_EVIDENCE = (
    ("completion_cert", "完成検査終了証", "自動車メーカー等が登録した電子の完成検査終了証"),
    ("transfer_cert", "譲渡証明書", "電子の譲渡証明書"),
    ("jibaiseki", "自賠責保険(共済)", "電子化された自賠責保険(共済)の証明"),
)


@rule("electronic_new_vehicle_evidence", "完成検査終了証・譲渡証明書・自賠責の電子化")
def electronic_new_vehicle_evidence(s: Subject):
    """A new vehicle is filed on its electronic 完成検査終了証, 譲渡証明書 and 自賠責, which
    OSS looks up by 車台番号; only the 委任状 and 印鑑証明書 may be paper (hybrid)."""
    for key, label, wanted in NEW_VEHICLE_EVIDENCE:
        if s.spec.has_field("evidence", key) and s.text("evidence", key) == "paper":
            yield ("evidence", key,
                   f"紙の{label}では{s.spec.name}をOSSで申請できません({wanted}が必要です)。"
                   "紙で提出できるのはハイブリッド申請の委任状・印鑑証明書だけです。")


@rule("dismantling_dates", "解体の日付")
def dismantling_dates(s: Subject):
    """A vehicle is dismantled before the dismantling is reported: 解体の日付 is on or
    before the 解体報告記録日 (dates as YYYY-MM-DD; a malformed one is its field's problem)."""
    dismantled, reported = s.text("registration", "cause_date"), s.text(
        "deregistration", "dismantling_date")
    if _is_day(dismantled) and _is_day(reported) and dismantled > reported:
        yield ("registration", "cause_date",
               f"解体の日付({dismantled})が解体報告記録日({reported})より後になっています。"
               "自動車リサイクルシステムの解体報告の内容を確認してください。")


def _is_day(text: str) -> bool:
    return len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit()


@rule("weight_tax_refund", "自動車重量税の還付")
def weight_tax_refund(s: Subject):
    """Filings with a 自動車重量税 refund are not accepted."""
    if s.flag("deregistration", "weight_tax_refund"):
        yield ("deregistration", "weight_tax_refund",
               "自動車重量税の還付を伴う申請はこのシステムでは受け付けられません。"
               "還付を受ける場合は運輸支局の窓口で申請してください。")


@rule("business_vehicle_liaison", "事業用自動車等連絡書(電子)")
def business_vehicle_liaison(s: Subject):
    """Filings that use the electronic 事業用自動車等連絡書 are not accepted."""
    if s.flag("usage", "business_liaison_e"):
        yield ("usage", "business_liaison_e",
               "事業用自動車等連絡書(電子)を用いる申請はこのシステムでは受け付けられません。"
               "運輸支局の窓口で申請してください。")


@rule("paper_parking_certificate", "紙の保管場所証明書")
def paper_parking_certificate(s: Subject):
    """A paper 保管場所証明書 issued by a police station is not accepted."""
    if s.text("parking", "certificate_mode") == "paper_police":
        yield ("parking", "certificate_mode",
               "警察署で交付された紙の保管場所証明書を使う申請は受け付けられません。"
               "保管場所証明もOSSで電子申請してください(一部だけを紙にすることはできません)。")


@rule("business_use_in_compound", "事業用・貸渡用と複合申請")
def business_use_in_compound(s: Subject):
    """事業用 and 貸渡用 vehicles are allowed, except in a 複合申請."""
    use = s.text("usage", "use_type")
    if s.spec.compound and use in ("business", "rental"):
        label = {"business": "事業用", "rental": "貸渡用"}[use]
        yield ("usage", "use_type",
               f"{label}の自動車は、{s.spec.name}のような複合申請では申請できません。"
               "手続を分けて(例: 移転登録と抹消登録)申請してください。")


@rule("government_vehicle", "公用車の証明書")
def government_vehicle(s: Subject):
    """公用車 need a 官職証明書 or a 職責証明書."""
    if s.flag("usage", "government_vehicle") and not s.text("usage", "official_certificate"):
        yield ("usage", "official_certificate",
               "公用車の申請には官職証明書または職責証明書が必要です。添付する証明書を選んでください。")


@rule("hybrid_filing", "ハイブリッド申請")
def hybrid_filing(s: Subject):
    """Hybrid: only 新車新規登録; 印鑑証明書 and 委任状 on paper, nothing else."""
    hybrid = s.flag("filing", "hybrid")
    if hybrid and not s.spec.hybrid_allowed:
        yield ("filing", "hybrid",
               f"ハイブリッド申請ができるのは新車新規登録だけです({s.spec.name}では使えません)。")
        return
    if hybrid:
        if s.text("poa", "poa_mode") != "paper":
            yield ("poa", "poa_mode",
                   "ハイブリッド申請では委任状を紙で提出します。委任状は「紙の委任状」を選んでください。")
        if s.text("poa", "seal_cert") != "paper":
            yield ("poa", "seal_cert",
                   "ハイブリッド申請では印鑑証明書を紙で提出します。印鑑証明書は「紙で提出」を選んでください。")
    elif s.text("poa", "seal_cert") == "paper":
        yield ("poa", "seal_cert",
               "印鑑証明書を紙で提出できるのはハイブリッド申請(新車新規登録)だけです。")


@rule("no_paper_split", "紙と電子の分割禁止")
def no_paper_split(s: Subject):
    """Parking, registration and tax are filed together online, never split."""
    if s.text("tax", "declaration_mode") == "paper":
        yield ("tax", "declaration_mode",
               "OSSでは保管場所・検査登録・税の申請をまとめて電子で行います。税申告だけを紙にすることは"
               "できません(ハイブリッド申請でも、紙にできるのは印鑑証明書と委任状だけです)。")


def attachment_pending(payload: dict) -> bool:
    """A 電子委任状 is chosen but not attached yet: files are attached in the browser, so
    such an application cannot be ready to send straight from a bulk import."""
    poa = payload.get("poa") or {}
    return poa.get("poa_mode") == "electronic" and not poa.get("e_poa")


@rule("electronic_poa", "電子委任状")
def electronic_poa(s: Subject):
    """Only a 電子委任状 made on the OSS portal; paper only in a hybrid filing."""
    mode = s.text("poa", "poa_mode")
    if mode == "paper" and not s.flag("filing", "hybrid"):
        yield ("poa", "poa_mode",
               "紙の委任状を使えるのはハイブリッド申請(新車新規登録)だけです。"
               "国土交通省OSSポータルで作成した電子委任状を添付してください。")
    elif mode == "electronic":
        if attachment_pending(s.payload):
            if not s.attachments_pending:
                yield ("poa", "e_poa",
                       "電子委任状が添付されていません。国土交通省OSSポータルで作成した電子委任状(XML)を"
                       "添付してください。")
        elif s.poa is None:  # attached but unreadable
            yield ("poa", "e_poa", s.poa_error)


@rule("kei_manager_name", "軽証明書等管理業者名")
def kei_manager_name(s: Subject):
    """kei filings need the filing branch's 軽証明書等管理業者名."""
    if s.spec.is_kei and s.kei_manager_name is not None and not s.kei_manager_name.strip():
        yield (None, None,
               "軽自動車の申請には、申請する拠点の「軽証明書等管理業者名」の登録が必要です。"
               "軽検協事務所等に届け出た名称(行政書士登録番号を含む)を、管理者が拠点管理で設定してください。")


def out_of_scope(name: str) -> str | None:
    """Why a procedure outside the 13 cannot be filed here (None if it is not one)."""
    from forms.catalogue import OUT_OF_SCOPE

    label = OUT_OF_SCOPE.get(name.strip())
    if label is None:
        return None
    return (f"【対象外の手続】「{label}」はこのシステム(OSS一括申請)では申請できません。"
            "一括申請で扱えるのは登録車の11手続と軽自動車の2手続だけです。"
            "国土交通省OSSポータルまたは窓口で申請してください。")


# Rule sets the specs share.
COMMON = (business_vehicle_liaison, government_vehicle, paper_parking_certificate,
          no_paper_split, electronic_poa, hybrid_filing)
