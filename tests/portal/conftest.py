import pytest

from tests import certs

PASSWORD = "P12-Secret-pass"


@pytest.fixture(scope="session")
def authorities(tmp_path_factory) -> certs.Authorities:
    return certs.make_authorities(tmp_path_factory.mktemp("portal-issuers"))


@pytest.fixture
def issuers(any_issuer_app, authorities):
    any_issuer_app.config["CERT_ISSUER_DIR"] = str(authorities.directory)
    return authorities


@pytest.fixture
def any_issuer_app(request):
    """The app under test: ``pg_app`` when the test asked for it, else ``app``."""
    name = "any_app" if "any_app" in request.fixturenames else "app"
    return request.getfixturevalue(name)


def new_org(kind):
    """An organisation made in the current app's database (``make_org`` is bound to SQLite)."""
    from portal.extensions import db
    from portal.models import Organization

    org = Organization(kind=kind, name="ＰＧ試験組織", registration_number="12345678")
    db.session.add(org)
    db.session.commit()
    return org


def p12(ca, password: str = PASSWORD, **leaf_kw) -> tuple[certs.Issued, bytes]:
    leaf = certs.make_leaf(ca, **leaf_kw)
    return leaf, certs.make_p12(leaf, password)
