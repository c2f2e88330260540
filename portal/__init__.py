"""ossdesk: the application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import ROOT
from portal.config import load_config


def create_app(test_config: dict | None = None) -> Flask:
    """Create the ossdesk web application."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=False,
    )
    app.config.from_mapping(load_config(test_config))
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    _register_blueprints(app)
    from portal import cli
    from portal import templating
    from portal.errors import register_error_handlers

    register_error_handlers(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from pathlib import Path

    from portal import access
    from portal import models  # noqa: F401  (register every table)
    from portal import security
    from portal import tenancy
    from portal.auth.services import load_session_user
    from portal.database import configure_engine
    from portal.extensions import csrf
    from portal.extensions import db
    from portal.extensions import htmx
    from portal.extensions import limiter
    from portal.extensions import login_manager
    from portal.extensions import migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BEGIN"])
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # our server-side session check replaces it
    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(access.login_redirect)
    tenancy.init_app(app)
    app.before_request(security.set_scope_and_force_password_change)
    app.before_request(access.enforce)
    app.after_request(security.add_headers)


def _register_blueprints(app: Flask) -> None:
    from faq import manage as faq_manage
    from faq import views as faq_views
    from portal.admin import bp as admin_bp
    from portal.applications import bp as applications_bp
    from portal.association import bp as association_bp
    from portal import billing
    from portal import hours
    from portal import usage
    from portal.auth import bp as auth_bp
    from portal.certificates import bp as certificates_bp
    from portal.main import bp as main_bp
    from portal.oss_actions import bp as oss_actions_bp
    from portal.receipts import bp as receipts_bp
    from portal.stats import bp as stats_bp
    from portal.submissions import bp as submissions_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(association_bp, url_prefix="/association")
    app.register_blueprint(faq_views.bp)
    app.register_blueprint(faq_manage.bp, url_prefix="/association")
    app.register_blueprint(certificates_bp, url_prefix="/certificates")
    app.register_blueprint(receipts_bp, url_prefix="/receipts")
    app.register_blueprint(oss_actions_bp, url_prefix="/applications")
    app.register_blueprint(submissions_bp, url_prefix="/submissions")
    hours.init_app(app)
    billing.init_app(app)
    usage.init_app(app)
    app.register_blueprint(stats_bp)
