"""Organisations, users, branches and the rules around them."""

import re
import threading
import time

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import AuditEvent
from portal.models import Organization
from portal.models import OrgKind
from portal.models import OssAccount
from portal.models import OssAccountSecret
from portal.models import Role
from portal.models import User
from portal.orgs import services
from portal.orgs.rules import LAST_ADMIN
from portal.orgs.rules import RuleViolation
from tests.conftest import PASSWORD
from tests.conftest import login


def test_admin_creates_a_staff_user_with_a_one_time_password(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.post("/admin/users/new", data={"login_id": "new.staff", "display_name": "新人",
                                                 "role": "staff", "branch_id": "0",
                                                 "login_password": PASSWORD})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "初期パスワード" in body
    password = re.search(r'<code class="secret">([^<]+)</code>', body).group(1)
    user = db.session.scalar(sa.select(User).where(User.login_id == "new.staff"))
    assert user.org_id == tenants["a"].id and user.must_change_password
    assert user.check_password(password)
    assert password not in str(db.session.scalar(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "user_created")))


def test_adding_a_user_asks_for_the_admins_own_password(client, tenants):
    """ASVS 3.7.1: re-authentication before adding a user; a wrong password is refused at
    its field with what was typed kept, and nobody is created."""
    login(client, tenants["a_admin"])
    data = {"login_id": "new.staff", "display_name": "新人", "role": "staff", "branch_id": "0"}
    for password in ("", "Not-my-pass-1"):
        resp = client.post("/admin/users/new", data={**data, "login_password": password})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'value="新人"' in body
        wanted = "ログインパスワードが正しくありません" if password else "本人確認のため"
        assert wanted in body
    assert db.session.scalar(sa.select(User).where(User.login_id == "new.staff")) is None
    assert 'autocomplete="current-password"' in client.get("/admin/users/new").get_data(
        as_text=True)


@pytest.mark.parametrize("who, path, data, name", [
    ("assoc", "/association/organizations",
     {"kind": "gyoseishoshi", "name": "確認事務所", "registration_number": "12345678",
      "admin_login_id": "kakunin.admin", "admin_name": "確認 太郎", "agent_org_id": "0"},
     "確認事務所"),
    ("a_admin", "/admin/requesters",
     {"name": "確認商会", "address": "", "phone": "", "admin_login_id": "kakunin.req",
      "admin_name": "確認 花子"}, "確認商会"),
])
def test_onboarding_an_organisation_asks_for_the_users_own_password(client, tenants, who, path,
                                                                      data, name):
    """ASVS 3.7.1: onboarding creates an admin user with a password, so it is confirmed like
    adding a user; nothing is created without the right password, and what was typed stays."""
    login(client, tenants[who])
    for password in ("", "Not-my-pass-1"):
        resp = client.post(path, data={**data, "login_password": password})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200 and f'value="{name}"' in body
        assert ("ログインパスワードが正しくありません" if password else "本人確認のため") in body
    assert db.session.scalar(sa.select(Organization).where(Organization.name == name)) is None
    resp = client.post(path, data={**data, "login_password": PASSWORD})
    assert "利用登録通知書" in resp.get_data(as_text=True)


def test_a_new_oss_account_password_asks_for_the_admins_own(client, tenants):
    """The 到達番号 password (or 申請用パスワード) is confirmed by the admin's password;
    other changes of the account are not."""
    login(client, tenants["a_admin"])
    data = {"backend": "mlit", "bulk_user_id": "CONF0001", "payment_mode": "matome",
            "branch_id": "0", "secret": "first-secret-1", "login_password": PASSWORD}
    client.post("/admin/oss-accounts/new", data=data)
    account = db.session.scalar(sa.select(OssAccount))
    for password in ("", "Not-my-pass-1"):
        resp = client.post(f"/admin/oss-accounts/{account.id}",
                           data={**data, "secret": "second-secret-2", "login_password": password})
        body = resp.get_data(as_text=True)
        assert ("ログインパスワードが正しくありません" if password else "本人確認のため") in body
    assert db.session.scalar(sa.select(sa.func.count(OssAccountSecret.id))) == 1
    resp = client.post(f"/admin/oss-accounts/{account.id}",
                       data={**data, "secret": "", "payment_mode": "direct_national",
                             "login_password": ""})
    assert resp.status_code == 302  # no new password: nothing to confirm
    db.session.expire_all()
    assert db.session.get(OssAccount, account.id).payment_mode.value == "direct_national"


def test_duplicate_login_id_is_shown_next_to_the_field(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.post("/admin/users/new", data={"login_id": tenants["b_staff"].login_id,
                                                 "display_name": "重複", "role": "staff",
                                                 "branch_id": "0", "login_password": PASSWORD})
    body = resp.get_data(as_text=True)
    assert "このログインIDは既に使われています。" in body
    assert 'value="重複"' in body  # nothing typed is lost


def test_a_login_id_is_checked_beside_its_field_before_the_password(client, tenants):
    """The ID's form is a field error shown with the form's other errors, not one more round
    trip after the re-authentication; full-width letters typed with the IME are made half-width."""
    login(client, tenants["a_admin"])
    data = {"display_name": "田中", "role": "staff", "branch_id": "0",
            "login_password": "Not-my-pass-1"}
    body = client.post("/admin/users/new", data={**data, "login_id": "田中"}).get_data(
        as_text=True)
    errors = body.split('id="login_id-error"', 1)[1].split("</div>", 1)[0]
    assert "ログインIDは半角英数字と . _ - で3〜40文字にしてください。" in errors
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "login_failed")) == 0  # the password was not even tried
    resp = client.post("/admin/users/new", data={**data, "login_id": "ｔａｎａｋａ",
                                                 "login_password": PASSWORD})
    assert resp.status_code == 200 and "初期パスワード" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.login_id).where(User.display_name == "田中")) \
        == "tanaka"


def test_last_admin_cannot_be_deactivated_or_demoted(app, tenants):
    admin = tenants["a_admin"]
    with pytest.raises(RuleViolation, match="最低1名"):
        services.set_user_active(admin, False)
    with pytest.raises(RuleViolation):
        services.update_user(admin, display_name="x", role=Role.STAFF, branch_id=None)


def test_second_admin_allows_demoting_the_first(app, tenants, make_user):
    make_user(tenants["a"], Role.ADMIN)
    services.update_user(tenants["a_admin"], display_name="元管理者", role=Role.STAFF,
                         branch_id=None)
    assert tenants["a_admin"].role == Role.STAFF


@pytest.mark.postgres
def test_two_admins_deactivating_each_other_at_once_leave_one(pg_app, make_org, make_user):
    """The first deactivation holds the organisation's lock until it commits; the second
    waits, then counts the first's change and is refused (without the lock both counted
    two admins and the organisation was left with none)."""
    org = make_org(OrgKind.GYOSEISHOSHI)
    one, two = make_user(org, Role.ADMIN), make_user(org, Role.ADMIN)
    first_done, outcome = threading.Event(), {}

    def deactivate(target_id, key, hold=False):
        with pg_app.app_context():
            try:
                services.set_user_active(db.session.get(User, target_id), False)
                db.session.flush()
                if hold:
                    first_done.set()
                    time.sleep(0.5)  # the other admin's request arrives meanwhile
                db.session.commit()
                outcome[key] = "deactivated"
            except RuleViolation as exc:
                db.session.rollback()
                outcome[key] = exc.message
            finally:
                first_done.set()
                db.session.remove()

    first = threading.Thread(target=deactivate, args=(two.id, "first", True))
    first.start()
    assert first_done.wait(20)
    deactivate(one.id, "second")
    first.join(20)
    assert outcome == {"first": "deactivated", "second": LAST_ADMIN}
    db.session.expire_all()
    assert [u.active for u in (db.session.get(User, one.id), db.session.get(User, two.id))] \
        == [True, False]


def test_last_admin_rule_through_the_ui(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.post(f"/admin/users/{tenants['a_admin'].id}/active", data={"active": "0"},
                       follow_redirects=True)
    assert LAST_ADMIN in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, tenants["a_admin"].id).active


def test_deactivating_a_user_ends_its_sessions(app, tenants):
    staff_client = app.test_client()
    login(staff_client, tenants["a_staff"])
    admin_client = app.test_client()
    login(admin_client, tenants["a_admin"])
    admin_client.post(f"/admin/users/{tenants['a_staff'].id}/active", data={"active": "0"})
    assert staff_client.get("/dashboard").status_code == 302


def test_password_reset_shows_a_new_password_once(client, tenants):
    login(client, tenants["a_admin"])
    url = f"/admin/users/{tenants['a_staff'].id}/reset-password"
    assert "あなたのログインパスワード(本人確認)" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"login_password": "Not-my-pass-1"})
    assert "ログインパスワードが正しくありません" in refused.get_data(as_text=True)
    assert db.session.get(User, tenants["a_staff"].id).check_password(PASSWORD)  # unchanged
    resp = client.post(url, data={"login_password": PASSWORD})
    password = re.search(r'<code class="secret">([^<]+)</code>', resp.get_data(as_text=True))
    db.session.expire_all()
    user = db.session.get(User, tenants["a_staff"].id)
    assert user.check_password(password.group(1)) and user.must_change_password


def test_an_admin_cannot_reset_their_own_password_from_the_user_list(client, tenants):
    """A session left open must not hand out a new password for the admin's own account:
    one's own password is changed on the password page, which asks for the current one."""
    admin = tenants["a_admin"]
    login(client, admin)
    resp = client.post(f"/admin/users/{admin.id}/reset-password",
                       data={"login_password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/password")
    db.session.expire_all()
    assert db.session.get(User, admin.id).check_password(PASSWORD)
    assert f"/admin/users/{admin.id}/reset-password" not in client.get("/admin/users").get_data(
        as_text=True)


def test_changing_a_role_asks_for_the_admins_own_password(client, tenants):
    login(client, tenants["a_admin"])
    staff = tenants["a_staff"]
    form = {"display_name": staff.display_name, "role": "admin", "branch_id": "0"}
    resp = client.post(f"/admin/users/{staff.id}", data=form)
    assert "本人確認のため" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, staff.id).role.value == "staff"
    assert client.post(f"/admin/users/{staff.id}",
                       data={**form, "login_password": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.id).role.value == "admin"
    renamed = client.post(f"/admin/users/{staff.id}",  # no role change: no password asked
                          data={**form, "display_name": "改名"})
    assert renamed.status_code == 302


def test_admin_renames_organisation_branch_and_user(client, tenants):
    login(client, tenants["a_admin"])
    client.post("/admin/organization/name", data={"name": "新甲事務所"})
    branch = tenants["a"].branches[0]
    client.post(f"/admin/branches/{branch.id}", data={"name": "本店改", "address": "",
                                                      "kei_manager_name": "甲(登録番号12345678)"})
    client.post(f"/admin/users/{tenants['a_staff'].id}", data={
        "display_name": "改名", "role": "staff", "branch_id": str(branch.id)})
    db.session.expire_all()
    assert db.session.get(Organization, tenants["a"].id).name == "新甲事務所"
    assert tenants["a"].branches[0].kei_manager_name == "甲(登録番号12345678)"
    assert db.session.get(User, tenants["a_staff"].id).display_name == "改名"


def test_kei_manager_name_of_an_individual_office_carries_its_registration_number(
        client, tenants):
    """軽検協 hands certificates over to the registered name only, number included."""
    login(client, tenants["a_admin"])  # 行政書士 (individual), registration number 12345678
    branch = tenants["a"].branches[0]
    resp = client.post(f"/admin/branches/{branch.id}", data={
        "name": "本店", "address": "", "kei_manager_name": "甲行政書士事務所"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "登録番号(12345678)が含まれていません" in page
    assert 'value="甲行政書士事務所"' in page  # what was typed stays in the field
    db.session.expire_all()
    assert tenants["a"].branches[0].kei_manager_name == "管理業者"
    resp = client.post(f"/admin/branches/{branch.id}", data={
        "name": "本店", "address": "", "kei_manager_name": "甲行政書士事務所 第１２３４５６７８号"})
    assert resp.status_code == 302  # full-width digits are the same number
    db.session.expire_all()
    assert tenants["a"].branches[0].kei_manager_name.endswith("第１２３４５６７８号")
    corp = client.application.test_client()
    login(corp, tenants["b_admin"])  # 行政書士法人: a member's number may be registered
    resp = corp.post(f"/admin/branches/{tenants['b'].branches[0].id}", data={
        "name": "本店", "address": "", "kei_manager_name": "乙行政書士法人(9876543)"})
    assert resp.status_code == 302


def test_login_ids_differing_only_in_case_are_one_id(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.post("/admin/users/new", data={
        "login_id": tenants["a_staff"].login_id.upper(), "display_name": "大文字",
        "role": "staff", "branch_id": "0", "login_password": PASSWORD})
    assert "このログインIDは既に使われています。" in resp.get_data(as_text=True)


def test_onboarding_shows_a_taken_login_id_next_to_its_field(client, tenants):
    login(client, tenants["assoc"])
    resp = client.post("/association/organizations", data={"login_password": PASSWORD,
        "kind": "requester", "name": "重複商会", "registration_number": "", "address": "",
        "phone": "", "email": "", "agent_org_id": "0",
        "admin_login_id": tenants["a_staff"].login_id, "admin_name": "重複 太郎"})
    page = resp.get_data(as_text=True)
    field = page[page.index('for="admin_login_id"'):]
    assert "このログインIDは既に使われています。" in field[:1500]  # under the field, no banner
    assert 'value="重複商会"' in page
    assert db.session.scalar(sa.select(Organization).where(Organization.name == "重複商会")) is None


def test_contact_details_are_checked_for_their_format(client, tenants):
    login(client, tenants["assoc"])
    resp = client.post("/association/organizations", data={"login_password": PASSWORD,
        "kind": "requester", "name": "形式商会", "email": "not-an-email", "phone": "",
        "agent_org_id": "0", "admin_login_id": "keishiki1", "admin_name": "形式 太郎"})
    assert "メールアドレスの形式が正しくありません" in resp.get_data(as_text=True)
    client.post("/logout")
    login(client, tenants["a_admin"])
    resp = client.post("/admin/requesters", data={"login_password": PASSWORD,
                                                 "name": "電話商会", "address": "",
                                                 "phone": "abc", "admin_login_id": "denwa1",
                                                 "admin_name": "電話 太郎"})
    assert "電話番号は数字とハイフンで入力してください。" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organization.id)).where(
        Organization.name.in_(["形式商会", "電話商会"]))) == 0


def test_library_messages_are_in_japanese(client, tenants):
    """A message no field states itself comes from WTForms' Japanese catalogue (forms.base)."""
    login(client, tenants["assoc"])
    page = client.post("/association/organizations", data={"login_password": PASSWORD,
        "kind": "bogus", "name": "選択肢商会", "agent_org_id": "0", "admin_login_id": "sentaku1",
        "admin_name": "選択 太郎"}).get_data(as_text=True)
    assert "選択肢が正しくありません" in page and "Not a valid choice" not in page


def test_an_e_mail_typed_with_an_ime_is_stored_in_half_width(client, tenants):
    login(client, tenants["assoc"])
    base = {"kind": "requester", "phone": "", "agent_org_id": "0", "admin_name": "メール 太郎"}
    page = client.post("/association/organizations", data={"login_password": PASSWORD,
        **base, "name": "全角メール商会", "email": "あいう@example.jp",
        "admin_login_id": "mail1"}).get_data(as_text=True)
    assert "メールアドレスの形式が正しくありません" in page
    client.post("/association/organizations", data={"login_password": PASSWORD,
        **base, "name": "全角ドメイン商会", "email": " taro@ｅｘａｍｐｌｅ.jp ",
        "admin_login_id": "mail2"})
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "全角ドメイン商会"))
    assert org.email == "taro@example.jp"


def test_the_association_is_neither_onboarded_nor_suspended(client, tenants):
    with pytest.raises(RuleViolation, match="協会の組織は新たに登録できません"):
        services.onboard_organization(kind=OrgKind.ASSOCIATION, name="第二協会",
                                      admin_login_id="kyokai2", admin_name="x")
    login(client, tenants["assoc"])
    assert 'value="association"' not in client.get("/association/organizations").get_data(
        as_text=True)
    page = client.get(f"/association/organizations/{tenants['k'].id}").get_data(as_text=True)
    assert "利用を停止する" not in page
    resp = client.post(f"/association/organizations/{tenants['k'].id}/active",
                       data={"active": "0"}, follow_redirects=True)
    assert "協会の組織は利用停止できません" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organization, tenants["k"].id).active
    assert client.get("/dashboard").status_code == 200  # still logged in


def test_association_onboards_an_agent_and_prints_the_notice(client, tenants):
    login(client, tenants["assoc"])
    resp = client.post("/association/organizations", data={"login_password": PASSWORD,
        "kind": "gyoseishoshi", "name": "新規行政書士事務所", "registration_number": "99887766",
        "address": "大阪府大阪市北区１", "phone": "06-0000-0000", "email": "", "bank_name": "",
        "bank_branch": "", "bank_account_number": "1234567", "bank_account_holder": "",
        "agent_org_id": "0", "admin_login_id": "newadmin", "admin_name": "新規 管理者"})
    body = resp.get_data(as_text=True)
    assert "利用登録通知書" in body and "newadmin" in body
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "新規行政書士事務所"))
    assert org.branches[0].name == "本店"
    admin = db.session.scalar(sa.select(User).where(User.login_id == "newadmin"))
    assert admin.role == Role.ADMIN and admin.must_change_password
    assert org.masked_account == "＊＊＊＊567"


def test_gyoseishoshi_needs_a_registration_number(app, tenants):
    with pytest.raises(RuleViolation, match="登録番号"):
        services.onboard_organization(kind=OrgKind.GYOSEISHOSHI, name="x", admin_login_id="xyz",
                                      admin_name="x")


def test_agent_onboards_a_requester_and_is_linked(client, tenants):
    login(client, tenants["b_admin"])
    resp = client.post("/admin/requesters", data={"login_password": PASSWORD,
                                                 "name": "整備工場テスト", "address": "",
                                                 "phone": "", "admin_login_id": "garage1",
                                                 "admin_name": "工場 長"})
    assert "利用登録通知書" in resp.get_data(as_text=True)
    link = db.session.scalar(sa.select(AgentRequesterLink).where(
        AgentRequesterLink.agent_org_id == tenants["b"].id))
    assert link.requester.name == "整備工場テスト"
    assert link.requester.kind == OrgKind.REQUESTER


def test_only_requesters_can_be_onboarded_by_agents(app, tenants):
    with pytest.raises(RuleViolation):
        services.onboard_organization(kind=OrgKind.GYOSEISHOSHI, name="x",
                                      registration_number="1", admin_login_id="abc",
                                      admin_name="x", agent=tenants["a"])


def test_association_suspends_an_organisation(client, tenants, app):
    login(client, tenants["assoc"])
    client.post(f"/association/organizations/{tenants['a'].id}/active", data={"active": "0"})
    other = app.test_client()
    resp = other.post("/login", data={"login_id": tenants["a_staff"].login_id,
                                      "password": "Test-pass-123"})
    assert resp.status_code == 200  # refused


def test_audit_log_is_per_organisation_for_admins(client, tenants):
    login(client, tenants["b_admin"])  # creates a login event for b
    client.post("/logout")
    login(client, tenants["a_admin"])
    body = client.get("/admin/audit").get_data(as_text=True)
    assert tenants["a_admin"].login_id in body
    assert tenants["b_admin"].login_id not in body


def test_association_sees_every_audit_event(client, tenants):
    login(client, tenants["b_admin"])
    client.post("/logout")
    login(client, tenants["assoc"])
    body = client.get("/association/audit").get_data(as_text=True)
    assert tenants["b_admin"].login_id in body and tenants["assoc"].login_id in body


def test_association_links_a_requester_to_a_second_agent(client, tenants):
    login(client, tenants["assoc"])
    resp = client.post(f"/association/organizations/{tenants['r'].id}/links",
                       data={"agent_org_id": tenants["b"].id}, follow_redirects=True)
    assert "乙行政書士法人 と紐付けました。" in resp.get_data(as_text=True)
    resp = client.post(f"/association/organizations/{tenants['r'].id}/links",
                       data={"agent_org_id": tenants["b"].id}, follow_redirects=True)
    assert "既に紐付いています" in resp.get_data(as_text=True)
    agents = {link.agent_org_id for link in db.session.scalars(sa.select(AgentRequesterLink))}
    assert agents == {tenants["a"].id, tenants["b"].id}
    resp = client.post(f"/association/organizations/{tenants['a'].id}/links",
                       data={"agent_org_id": tenants["b"].id}, follow_redirects=True)
    assert "紐付けできるのは代理人と依頼人の組み合わせだけです。" in resp.get_data(as_text=True)
