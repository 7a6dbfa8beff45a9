"""Yiwang's HTTP API. ``create_app()`` builds the Flask application (gunicorn: ``api:create_app()``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.auth import init_auth
from api.conditional import init_conditional
from api.config import flask_config
from api.database import init_database
from api.extensions import compress, limiter
from api.health import health
from api.i18n import init_i18n
from api.limits import init_limits
from api.logs import init_logging
from api.problems import init_problems
from api.rendered import RenderedCache
from api.security import init_security
from models.assistant import Assistant
from models.cases.deadlines import WorkingCalendar
from models.policies.policy_search import PolicySearch
from models.settings import check_production, load_settings
from models.storage import LocalStorage
from notifications.runtime import init_app as init_notifications


def create_app(overrides: dict | None = None) -> Flask:
    settings = load_settings(overrides)
    check_production(settings)
    app = Flask(__name__, instance_path=settings.INSTANCE_PATH, instance_relative_config=False)
    app.config.update(flask_config(settings, overrides))
    app.json.ensure_ascii = False
    init_logging(app)
    if settings.TRUSTED_PROXIES:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.TRUSTED_PROXIES, x_proto=settings.TRUSTED_PROXIES)

    Path(settings.INSTANCE_PATH).mkdir(parents=True, exist_ok=True)
    app.extensions["yiwang.settings"] = settings
    app.extensions["yiwang.calendar"] = WorkingCalendar(settings.TIMEZONE)
    app.extensions["yiwang.storage"] = LocalStorage(settings.UPLOAD_FOLDER)
    app.extensions["yiwang.policy_search"] = PolicySearch(settings.SEARCH_INDEX_DIR)
    app.extensions["yiwang.assistant"] = Assistant(app.extensions["yiwang.policy_search"],
                                                   cache_dir=Path(settings.SEARCH_INDEX_DIR) / "service-vectors")
    app.extensions["yiwang.rendered"] = RenderedCache()
    init_database(app)
    init_notifications(app)
    init_i18n(app)
    init_auth(app)
    init_problems(app)
    init_conditional(app)
    init_limits(app)
    init_security(app)
    limiter.init_app(app)
    compress.init_app(app)
    _register_routes(app)
    _register_cli(app)
    return app


def _register_routes(app: Flask) -> None:
    from api.resources import (
        access_log,  # noqa: F401 - adds the access-log routes to the office and cases namespaces
        assistant,
        auth,
        broadcasts,
        cases,
        chat,
        devices,
        me,
        notifications,
        office,
        policies,
        services,
    )
    from api.restx import api, blueprint

    for namespace, path in ((auth.ns, "/auth"), (me.ns, "/me"), (services.ns, "/services"), (cases.ns, "/cases"),
                            (office.ns, "/office"), (policies.ns, "/policies"), (chat.ns, "/chat"),
                            (devices.ns, "/devices"), (notifications.ns, "/notifications"),
                            (broadcasts.ns, "/broadcasts"), (broadcasts.admin_ns, "/admin/broadcasts"),
                            (assistant.ns, "/assistant"), (assistant.admin_ns, "/admin/assistant")):
        if namespace not in api.namespaces:
            api.add_namespace(namespace, path=path)
    app.register_blueprint(blueprint)
    app.register_blueprint(health)


def _register_cli(app: Flask) -> None:
    from api.cli import register_commands

    register_commands(app)
