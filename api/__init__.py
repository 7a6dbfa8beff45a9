"""Yiwang's HTTP API. ``create_app()`` builds the Flask application (gunicorn: ``api:create_app()``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.auth import init_auth
from api.conditional import init_conditional
from api.config import check_production, load_config
from api.database import init_database
from api.extensions import compress, limiter
from api.health import health
from api.i18n import init_i18n
from api.limits import init_limits
from api.logs import init_logging
from api.problems import init_problems
from api.security import init_security
from models.deadlines import WorkingCalendar
from models.policy_search import PolicySearch
from models.storage import LocalStorage
from notifications.runtime import init_app as init_notifications


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    check_production(config)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=False)
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * 1024 * 1024 + 256 * 1024
    app.config["RESTX_JSON"] = {"ensure_ascii": False}
    app.config["RESTX_ERROR_404_HELP"] = False
    app.config["RATELIMIT_STORAGE_URI"] = config["RATELIMIT_STORAGE_URI"]
    app.config["COMPRESS_MIMETYPES"] = ["application/json", "application/problem+json", "text/html"]
    app.json.ensure_ascii = False
    init_logging(app)
    if config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config["TRUSTED_PROXIES"], x_proto=config["TRUSTED_PROXIES"])

    Path(config["INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    app.extensions["yiwang.calendar"] = WorkingCalendar(config["TIMEZONE"])
    app.extensions["yiwang.storage"] = LocalStorage(config["UPLOAD_FOLDER"])
    app.extensions["yiwang.policy_search"] = PolicySearch(config["SEARCH_INDEX_DIR"])
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
                            (broadcasts.ns, "/broadcasts"), (broadcasts.admin_ns, "/admin/broadcasts")):
        if namespace not in api.namespaces:
            api.add_namespace(namespace, path=path)
    app.register_blueprint(blueprint)
    app.register_blueprint(health)


def _register_cli(app: Flask) -> None:
    from api.cli import register_commands

    register_commands(app)
