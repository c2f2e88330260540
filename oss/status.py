"""The OSS status vocabulary and the status document, shared by client and simulator.

Statuses are kept as the raw Japanese strings OSS shows; the portal maps them
to its own states and stores the raw value beside them.
"""

from dataclasses import dataclass

ARRIVED = "到達"
RECEPTION = "受付審査中"
REVIEW = "審査中"
PAYMENT = "納付待ち"
COMPLETED = "手続完了"
CORRECTION = "補正要求"
REJECTED = "却下"
WITHDRAWN = "取下げ"
SUSPENDED = "中断"
TERMINAL = frozenset({COMPLETED, REJECTED, WITHDRAWN})

# Sub-step (police / tax / 運輸支局 / 軽検協) statuses.
STEP_WAITING = "審査待ち"
STEP_REVIEW = "審査中"
STEP_DONE = "審査完了"

# Flags per back-end: code -> (column letter, full name).
FLAGS = {
    "mlit": {"message": ("メ", "OSSからのメッセージ"),
             "notice": ("運", "運輸支局等からのお知らせ")},
    "kei": {"message": ("メ", "OSSからのメッセージ"),
            "notice": ("軽", "軽自動車検査協会からのお知らせ"),
            "deadline": ("期", "期限等のお知らせ")},
}

MONEY_LABELS = {"national": "国庫金", "local": "地方公金", "general": "一般料金"}
# ダイレクト納付 pays national money only; everything else goes by まとめ納付.
DIRECT_PAYABLE = frozenset({"national"})


@dataclass(frozen=True)
class FlagItem:
    title: str
    body: str
    at: str


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    name: str
    items: tuple[FlagItem, ...]

    @property
    def raised(self) -> bool:
        return bool(self.items)

    @classmethod
    def from_json(cls, code: str, data: dict) -> "Flag":
        return cls(code=code, label=data["label"], name=data["name"],
                   items=tuple(FlagItem(i["title"], i["body"], i["at"]) for i in data["items"]))


@dataclass(frozen=True)
class Fee:
    code: str
    label: str
    amount: int
    money: str  # national | local | general
    paid_via: str | None  # None | "matome" | "direct"
    paid_at: str | None

    @property
    def direct_allowed(self) -> bool:
        return self.money in DIRECT_PAYABLE

    @classmethod
    def from_json(cls, data: dict) -> "Fee":
        return cls(code=data["code"], label=data["label"], amount=int(data["amount"]),
                   money=data["money"], paid_via=data.get("paid_via"),
                   paid_at=data.get("paid_at"))


@dataclass(frozen=True)
class SubStep:
    authority: str
    label: str
    status: str


@dataclass(frozen=True)
class Suspension:
    checkpoints: tuple[str, ...]
    reserved: bool
    in_effect: bool
    remaining_checkpoints: tuple[str, ...]
    resume_to: str | None

    @classmethod
    def from_json(cls, data: dict) -> "Suspension":
        return cls(checkpoints=tuple(data["checkpoints"]), reserved=bool(data["reserved"]),
                   in_effect=bool(data["in_effect"]),
                   remaining_checkpoints=tuple(data["remaining_checkpoints"]),
                   resume_to=data.get("resume_to"))


@dataclass(frozen=True)
class Event:
    status: str
    at: str
    detail: str


@dataclass(frozen=True)
class ApplicationStatus:
    """One application as OSS reports it."""

    arrival_number: str
    receipt_number: str | None
    idempotency_key: str
    procedure: str
    backend: str
    status: str
    substeps: tuple[SubStep, ...]
    flags: dict[str, Flag]
    fees: tuple[Fee, ...]
    suspension: Suspension
    receipt_list: str | None  # 識別番号 of the 受付番号リスト it was sent on
    paper_deadline: str | None
    resubmission_of: str | None
    history: tuple[Event, ...]
    updated_at: str

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def flag_raised(self, code: str) -> bool:
        flag = self.flags.get(code)
        return flag is not None and flag.raised

    @classmethod
    def from_json(cls, data: dict) -> "ApplicationStatus":
        return cls(
            arrival_number=data["arrival_number"], receipt_number=data.get("receipt_number"),
            idempotency_key=data["idempotency_key"], procedure=data["procedure"],
            backend=data["backend"], status=data["status"],
            substeps=tuple(SubStep(s["authority"], s["label"], s["status"])
                           for s in data["substeps"]),
            flags={code: Flag.from_json(code, f) for code, f in data["flags"].items()},
            fees=tuple(Fee.from_json(f) for f in data["fees"]),
            suspension=Suspension.from_json(data["suspension"]),
            receipt_list=data.get("receipt_list"), paper_deadline=data.get("paper_deadline"),
            resubmission_of=data.get("resubmission_of"),
            history=tuple(Event(e["status"], e["at"], e.get("detail", ""))
                          for e in data["history"]),
            updated_at=data["updated_at"],
        )
