"""Fixtures for application tests."""

import pytest


@pytest.fixture
def db_app(app, any_app):
    """``any_app`` with its app context on top.

    ``make_org``/``make_user`` (and so ``tenants``) use the current app context;
    requesting this fixture before ``tenants`` makes them write to the database
    under test (SQLite, or PostgreSQL for the postgres parameter).
    """
    return any_app
