"""OCOP Market: an e-commerce promotion service for OCOP goods of supported households."""
from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask, has_request_context, request
from flask_babel import lazy_gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .routing import register_converters
from .validators import install_plain_text_guard

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or os.path.join(
        PROJECT_ROOT, "instance"
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        static_folder=os.path.join(PROJECT_ROOT, "static"),
        static_url_path="/static",
    )
    app.config.update(load_config(app.instance_path, dict(config or {})))
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    register_models()
    register_converters(app.url_map)
    install_plain_text_guard()
    register_jobs(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    from .errors import register_error_handlers
    from .security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_response_cache(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Vui lòng đăng nhập để tiếp tục.")
    login_manager.localize_callback = str  # flashed in the visitor's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .accounts.sessions import load_user

    # Each cookie names a server-side login session (accounts/sessions.py): logout ends it for good.
    login_manager.user_loader(load_user)


def _select_locale() -> str:
    if not has_request_context():
        # CLI commands (import, seed) run services whose messages are translated: Vietnamese there.
        return "vi"
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in ("vi", "en"):
        return lang
    return "vi"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers work while one writer commits; busy_timeout makes writers wait, not fail.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_begin_before_savepoint(conn, name):
    # pysqlite begins a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT sent first would open SQLite's
    # own transaction, and its RELEASE would commit it: work the request later rolls back would stay. Begin the
    # real transaction first so the savepoint nests inside it, as on PostgreSQL.
    dbapi_connection = conn.connection.dbapi_connection
    if type(dbapi_connection).__module__.startswith("sqlite3") and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def register_models() -> None:
    # Importing registers every table on the metadata (for Alembic and create_all).
    from . import audit, places  # noqa: F401
    from .accounts import models as _a  # noqa: F401
    from .carriers import models as _cr  # noqa: F401
    from .catalog import models as _c  # noqa: F401
    from .jobs import models as _j  # noqa: F401
    from .messaging import delivery as _md  # noqa: F401  (the outbox table and its after-commit hook)
    from .orders import models as _o  # noqa: F401
    from .payments import models as _p  # noqa: F401
    from .programs import models as _prog  # noqa: F401
    from .promotions import models as _pr  # noqa: F401

    # The outbox table, and the session hooks that fill it from catalog changes.
    from .search import outbox as _so  # noqa: F401


def register_jobs(app: Flask) -> None:
    # Each domain declares its queue jobs in its jobs.py; importing them fills the registry, then the app's
    # Huey gets a task for each (jobs/queue.py).
    from .catalog import jobs as _cj  # noqa: F401
    from .jobs import queue
    from .messaging import jobs as _mj  # noqa: F401
    from .orders import jobs as _oj  # noqa: F401
    from .promotions import jobs as _pj  # noqa: F401
    from .search import jobs as _sj  # noqa: F401

    queue.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin import hubs_views as _admin_hubs  # noqa: F401  (its routes join the staff blueprint)
    from .admin import jobs_views as _admin_jobs  # noqa: F401  (its routes join the staff blueprint)
    from .admin import messages_views as _admin_messages  # noqa: F401  (likewise)
    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .api.promotions import bp as promotions_api_bp
    from .catalog.producer_views import bp as producer_bp
    from .catalog.views import bp as catalog_bp
    from .health import bp as health_bp
    from .orders.fee_views import bp as staff_fees_bp
    from .orders.link_views import bp as order_links_bp
    from .orders.producer_views import bp as producer_orders_bp
    from .orders.sms_views import bp as sms_bp
    from .orders.staff_views import bp as staff_orders_bp
    from .orders.views import bp as orders_bp
    from .payments.views import bp as payments_bp
    from .programs import subsidy_views as _subsidy_views  # noqa: F401  (its routes join the staff programmes blueprint)
    from .programs.views import bp as staff_programs_bp
    from .programs.views import public_bp as programs_bp
    from .search.views import bp as search_bp

    app.register_blueprint(catalog_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(producer_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(order_links_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(producer_orders_bp)
    app.register_blueprint(staff_orders_bp)
    app.register_blueprint(staff_fees_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(promotions_api_bp)
    app.register_blueprint(staff_programs_bp)
    app.register_blueprint(programs_bp)
    app.register_blueprint(search_bp)
    from .carriers.views import register as register_carriers
    from .hubs.views import register as register_hubs
    from .orders.quote_views import register as register_quotes
    from .orders.return_views import register as register_returns
    from .orders.review_views import register as register_reviews
    from .promotions.views import register as register_promotions

    register_promotions(app)
    register_hubs(app)
    register_returns(app)
    register_reviews(app)
    register_carriers(app)
    register_quotes(app)


def register_response_cache(app: Flask) -> None:
    """Whole pages for anonymous visitors; a commit that writes one of these tables makes them stale."""
    from . import places, response_cache
    from .catalog import models as catalog
    from .orders import models as orders
    from .programs import models as programs
    from .promotions import models as promotions
    from .search import models as search

    response_cache.watch_tables(*(
        model.__tablename__ for model in (
            catalog.Product, catalog.Producer, catalog.ProductImage, catalog.OcopCertificate, catalog.ProductGroup,
            catalog.HouseholdAssessment, places.Province, promotions.Placement, promotions.PromotionSettings,
            promotions.Allocation,
            # a product page names its support project (with the household's consent)
            programs.SupportProject, programs.Participation,
            # a product page lists its visible reviews and their answers
            orders.ProductReview, orders.ReviewPhoto,
            # a product page shows the fee table's "phí giao dự kiến"
            orders.ShippingRate, orders.ShippingZoneExtra,
            # applied outbox rows are deleted once the index has them: search pages refresh with the index
            search.SearchOutbox,
        )))
    # Last: its after_request runs before the others; its before_request functions put themselves first (a hit
    # answers before the rate limiter and the NUL check, which a stored entry has passed already).
    response_cache.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from . import slots
    from .templating import init_templating

    init_templating(app)
    slots.init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)
