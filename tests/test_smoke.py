from tests.conftest import login


def test_login_page_renders(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert "ログイン" in resp.get_data(as_text=True)


def test_admin_dashboard(client, tenants):
    login(client, tenants["a_admin"])
    resp = client.get("/dashboard")
    assert resp.status_code == 200
    assert "甲行政書士事務所" in resp.get_data(as_text=True)


def test_on_postgres(any_app, make_org):
    from portal.models import Organization
    from portal.extensions import db

    org = make_org(name="ＰＧ試験")
    assert db.session.get(Organization, org.id).name == "ＰＧ試験"
