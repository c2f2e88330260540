"""変更等申込 and 一括利用者アカウント (secret versions, encryption at rest)."""

import re

import pytest
import sqlalchemy as sa

from portal import vault
from portal.extensions import db
from portal.models import Backend
from portal.models import ChangeRequest
from portal.models import ChangeStatus
from portal.models import Organization
from portal.models import OrgKind
from portal.models import OssAccount
from portal.models import OssAccountSecret
from portal.models import PaymentMode
from portal.orgs import services
from tests.conftest import PASSWORD
from tests.conftest import login


def _request_bank_change(client, tenants):
    login(client, tenants["a_admin"])
    return client.post("/admin/organization/changes", data={
        "kind": "bank_account", "bank_name": "新銀行", "bank_branch": "駅前支店",
        "bank_account_type": "普通", "bank_account_number": "7654321",
        "bank_account_holder": "コウ", "reason": "口座変更"}, follow_redirects=True)


def test_admin_requests_and_association_approves(app, tenants):
    admin = app.test_client()
    resp = _request_bank_change(admin, tenants)
    assert "協会の承認後に反映されます" in resp.get_data(as_text=True)
    org = db.session.get(Organization, tenants["a"].id)
    assert org.bank_account_number == ""  # nothing applied yet
    cr = db.session.scalar(sa.select(ChangeRequest))
    assert cr.status == ChangeStatus.PENDING
    staff = app.test_client()
    login(staff, tenants["assoc"])
    page = staff.get(f"/association/changes/{cr.id}").get_data(as_text=True)
    assert "＊＊＊＊321" in page and "7654321" not in page
    staff.post(f"/association/changes/{cr.id}", data={"decision": "approve", "comment": "確認済"})
    org = db.session.get(Organization, tenants["a"].id)
    assert (org.bank_name, org.bank_account_number) == ("新銀行", "7654321")
    cr = db.session.get(ChangeRequest, cr.id)
    assert cr.status == ChangeStatus.APPROVED and cr.decided_by_id == tenants["assoc"].id
    history = admin.get("/admin/organization").get_data(as_text=True)
    assert "承認済" in history and "確認済" in history


def test_rejection_needs_a_reason_and_changes_nothing(app, tenants):
    _request_bank_change(app.test_client(), tenants)
    cr = db.session.scalar(sa.select(ChangeRequest))
    staff = app.test_client()
    login(staff, tenants["assoc"])
    resp = staff.post(f"/association/changes/{cr.id}", data={"decision": "reject", "comment": ""})
    assert "却下の理由を入力してください。" in resp.get_data(as_text=True)
    staff.post(f"/association/changes/{cr.id}", data={"decision": "reject", "comment": "書類不備"})
    assert db.session.get(ChangeRequest, cr.id).status == ChangeStatus.REJECTED
    assert db.session.get(Organization, tenants["a"].id).bank_account_number == ""


def test_decided_request_cannot_be_decided_again(app, tenants):
    _request_bank_change(app.test_client(), tenants)
    cr = db.session.scalar(sa.select(ChangeRequest))
    staff = app.test_client()
    login(staff, tenants["assoc"])
    staff.post(f"/association/changes/{cr.id}", data={"decision": "reject", "comment": "不備"})
    resp = staff.post(f"/association/changes/{cr.id}", data={"decision": "approve", "comment": ""})
    assert db.session.get(ChangeRequest, cr.id).status == ChangeStatus.REJECTED
    assert resp.status_code == 200


def test_switch_to_gyoseishoshi_corp(app, tenants):
    admin = app.test_client()
    login(admin, tenants["a_admin"])
    admin.post("/admin/organization/changes", data={
        "kind": "convert_to_corp", "name": "行政書士法人甲", "registration_number": "H12345",
        "bank_account_type": "普通"})
    cr = db.session.scalar(sa.select(ChangeRequest))
    staff = app.test_client()
    login(staff, tenants["assoc"])
    staff.post(f"/association/changes/{cr.id}", data={"decision": "approve", "comment": ""})
    org = db.session.get(Organization, tenants["a"].id)
    assert org.kind == OrgKind.GYOSEISHOSHI_CORP and org.name == "行政書士法人甲"


def test_switch_to_corp_needs_the_name_and_the_notification_number(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.post("/admin/organization/changes", data={
        "kind": "convert_to_corp", "name": "行政書士法人甲", "registration_number": "",
        "bank_account_type": "普通"})
    assert "行政書士法人の届出番号を入力してください。" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ChangeRequest.id))) == 0


def test_a_change_that_changes_nothing_is_refused(client, tenants):
    """The 預金種目 select always sends a value: alone, and equal to today's, it is no change."""
    login(client, tenants["a_admin"])
    db.session.get(Organization, tenants["a"].id).bank_account_type = "普通"
    db.session.commit()
    resp = client.post("/admin/organization/changes", data={
        "kind": "bank_account", "bank_account_type": "普通"})
    assert "変更後の内容を入力してください(現在の登録内容と同じです)。" in resp.get_data(
        as_text=True)
    org_name = db.session.get(Organization, tenants["a"].id).name
    page = resp.get_data(as_text=True)  # the 組織名 box keeps the name (a "name" was posted)
    assert re.search(rf'<input [^>]*id="name"[^>]*value="{org_name}"', page)
    assert 'autocomplete="None"' not in page
    assert db.session.scalar(sa.select(sa.func.count(ChangeRequest.id))) == 0
    client.post("/admin/organization/changes", data={
        "kind": "bank_account", "bank_account_type": "当座"})
    assert db.session.scalar(sa.select(ChangeRequest)).payload["bank_account_type"] == "当座"


def test_corp_cannot_ask_to_become_corp(client, tenants):
    login(client, tenants["b_admin"])
    resp = client.post("/admin/organization/changes", data={
        "kind": "convert_to_corp", "name": "x", "bank_account_type": "普通"})
    assert db.session.scalar(sa.select(sa.func.count(ChangeRequest.id))) == 0
    assert resp.status_code == 200


def test_account_secrets_are_versioned_and_encrypted(client, tenants):
    login(client, tenants["a_admin"])
    client.post("/admin/oss-accounts/new", data={"login_password": PASSWORD,
        "backend": "kei", "bulk_user_id": "KEI0001", "payment_mode": "direct_national",
        "branch_id": "0", "secret": "first-secret-1"})
    account = db.session.scalar(sa.select(OssAccount))
    for mode, secret in (("direct_national", "second-secret-2"), ("matome", "")):
        client.post(f"/admin/oss-accounts/{account.id}", data={"login_password": PASSWORD,
            "backend": "kei", "bulk_user_id": "KEI0001", "payment_mode": mode,
            "branch_id": "0", "secret": secret})
    rows = db.session.scalars(sa.select(OssAccountSecret).order_by(OssAccountSecret.version)).all()
    assert [r.version for r in rows] == [1, 2]
    assert [services.read_account_secret(r) for r in rows] == ["first-secret-1", "second-secret-2"]
    assert "secret" not in " ".join(r.ciphertext for r in rows)
    page = client.get("/admin/oss-accounts").get_data(as_text=True)
    assert "第2版" in page and "second-secret-2" not in page
    assert db.session.get(OssAccount, account.id).payment_mode.value == "matome"


def test_secret_copied_to_another_org_does_not_decrypt(app, tenants):
    a = services.save_oss_account(tenants["a"], None, backend=Backend.MLIT, bulk_user_id="MA1",
                                  payment_mode=PaymentMode.MATOME, branch_id=None)
    b = services.save_oss_account(tenants["b"], None, backend=Backend.MLIT, bulk_user_id="MB1",
                                  payment_mode=PaymentMode.MATOME, branch_id=None)
    row_a = services.set_account_secret(a, "org-a-password", None)
    row_b = services.set_account_secret(b, "org-b-password", None)
    row_b.ciphertext = row_a.ciphertext
    with pytest.raises(vault.VaultError):
        services.read_account_secret(row_b)


def test_one_account_per_back_end_and_scope_and_the_back_end_stays(client, tenants):
    """choose_account takes the branch's account, else the office-wide one: a second
    account for the same scope would never be used, so it is refused; an account's OSS
    cannot be switched (its filings and lists were made at that OSS)."""
    login(client, tenants["a_admin"])
    data = {"login_password": PASSWORD, "backend": "mlit", "bulk_user_id": "FIRST01",
            "payment_mode": "matome",
            "branch_id": "0", "secret": "pw-1234"}
    client.post("/admin/oss-accounts/new", data=data)
    resp = client.post("/admin/oss-accounts/new", data={**data, "bulk_user_id": "SECOND01"})
    assert ("組織全体で使う登録車(国土交通省OSS)の一括利用者アカウントは既に登録されています"
            in resp.get_data(as_text=True))
    branch = tenants["a"].branches[0].id
    client.post("/admin/oss-accounts/new", data={**data, "bulk_user_id": "BRANCH01",
                                                 "branch_id": str(branch)})
    client.post("/admin/oss-accounts/new", data={**data, "backend": "kei",
                                                 "bulk_user_id": "KEI01"})
    assert sorted(db.session.scalars(sa.select(OssAccount.bulk_user_id))) == [
        "BRANCH01", "FIRST01", "KEI01"]
    first = db.session.scalar(sa.select(OssAccount).where(OssAccount.bulk_user_id == "FIRST01"))
    resp = client.post(f"/admin/oss-accounts/{first.id}", data={**data, "backend": "kei",
                                                                "secret": ""})
    assert "OSSの種類は登録後に変更できません" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OssAccount, first.id).backend == Backend.MLIT


def test_duplicate_bulk_user_id_is_refused_next_to_the_field(client, tenants):
    login(client, tenants["a_admin"])
    data = {"login_password": PASSWORD, "backend": "mlit", "bulk_user_id": "SAME01",
            "payment_mode": "matome",
            "branch_id": "0", "secret": "pw-1234"}
    client.post("/admin/oss-accounts/new", data=data)
    resp = client.post("/admin/oss-accounts/new", data=data)
    assert "この一括利用者IDは既に登録されています。" in resp.get_data(as_text=True)
