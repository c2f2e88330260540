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


def p12(ca, password: str = PASSWORD, **leaf_kw) -> tuple[certs.Issued, bytes]:
    leaf = certs.make_leaf(ca, **leaf_kw)
    return leaf, certs.make_p12(leaf, password)
