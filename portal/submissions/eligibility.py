"""Which applications a staff member may send now, and why not.

Each rule is stated once here and used twice: when a bulk send is created
(refused rows are shown to the user, nothing is written for them) and again by
the send job just before signing (things may have changed in between: a
certificate disabled, an account removed).
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from forms import checks
from forms import rules
from forms import specs
from portal.certificates.selection import FilingBlocked
from portal.certificates.selection import choose_certificate
from portal.extensions import db
from portal.models import ApplicationState as S
from portal.models import Backend
from portal.models import Branch
from portal.models import OssAccount
from portal.models import SigningCertificate
from portal.models import SubmissionKind

SENDABLE = {SubmissionKind.SUBMIT: (S.READY, S.SEND_ERROR),
            SubmissionKind.RESUBMIT: (S.REJECTED,)}


def state_refusal(app, kind: SubmissionKind) -> str | None:
    """The refusal for an application whose state does not allow this kind of send."""
    allowed = SENDABLE[kind]
    if app.state in allowed:
        if kind == SubmissionKind.RESUBMIT and not app.arrival_number:
            return ("却下された申請の到達番号が記録されていないため、再申請できません。"
                    "申請データ再利用で新しい申請を作成してください。")
        return None
    wanted = "・".join(f"「{s.label}」" for s in allowed)
    verb = "再申請" if kind == SubmissionKind.RESUBMIT else "送信"
    return (f"状態が「{app.state.label}」のため{verb}できません"
            f"({verb}できるのは{wanted}の申請です)。")


def choose_account(org_id: int, backend: Backend, branch_id: int | None) -> OssAccount | None:
    """The 一括利用者アカウント a filing uses: the branch's own, else one for the whole office."""
    accounts = db.session.scalars(
        sa.select(OssAccount).where(OssAccount.org_id == org_id, OssAccount.backend == backend)
        .order_by(OssAccount.id)).all()
    for wanted in (branch_id, None):
        for account in accounts:
            if account.branch_id == wanted:
                return account
    return accounts[0] if accounts else None


def account_refusal(account: OssAccount | None, backend: Backend) -> str | None:
    if account is None:
        return (f"{backend.label}の一括利用者アカウントが登録されていません。"
                "管理者が「一括利用者アカウント」画面で登録してください。")
    if account.current_secret is None:
        return (f"一括利用者アカウント({account.bulk_user_id})の"
                f"{backend.secret_label}が未設定です。管理者が「一括利用者アカウント」画面で設定してください。")
    return None


def kei_refusal(app, branch: Branch | None) -> str | None:
    """軽自動車: the filing branch's 軽証明書等管理業者名 must be registered."""
    spec = specs.get(app.procedure)
    if not spec.is_kei:
        return None
    name = branch.kei_manager_name if branch is not None else ""
    issues = rules.kei_manager_name(checks.Subject(spec, {}, kei_manager_name=name))
    return issues[0].message if issues else None


def certificate_refusal(blocked: FilingBlocked) -> str:
    return f"{blocked.reason} {blocked.action}"


@dataclass
class FilingContext:
    """What every application of one filing organisation shares at one moment (cached)."""

    org_id: int
    at: datetime
    default_branch_id: int | None = None

    def __post_init__(self):
        self._cert: SigningCertificate | FilingBlocked | None = None
        self._accounts: dict = {}
        self._branches: dict = {}
        self._refusals: dict = {}

    def certificate(self) -> SigningCertificate:
        """The certificate chosen by the 利用開始日 rule. :raises FilingBlocked:"""
        if self._cert is None:
            try:
                self._cert = choose_certificate(self.org_id, self.at)
            except FilingBlocked as exc:
                self._cert = exc
        if isinstance(self._cert, FilingBlocked):
            raise self._cert
        return self._cert

    def account(self, backend: Backend, branch_id: int | None) -> OssAccount | None:
        key = (backend, branch_id)
        if key not in self._accounts:
            self._accounts[key] = choose_account(self.org_id, backend, branch_id)
        return self._accounts[key]

    def branch(self, branch_id: int | None) -> Branch | None:
        branch_id = branch_id or self.default_branch_id
        if branch_id not in self._branches:
            self._branches[branch_id] = db.session.get(Branch, branch_id) if branch_id else None
        return self._branches[branch_id]

    def refusal(self, app) -> str | None:
        """Why ``app`` cannot be filed by this organisation now (None: it can)."""
        if app.agent_org_id != self.org_id:
            return "この申請データは貴事務所が代理人として送信するものではありません。"
        branch_id = app.branch_id or self.default_branch_id
        key = (app.backend, branch_id, app.procedure)
        if key not in self._refusals:
            try:
                self.certificate()
            except FilingBlocked as exc:
                self._refusals[key] = certificate_refusal(exc)
            else:
                self._refusals[key] = (
                    account_refusal(self.account(app.backend, branch_id), app.backend)
                    or kei_refusal(app, self.branch(branch_id)))
        return self._refusals[key]
