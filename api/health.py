"""Liveness and readiness probes (outside /api/v1, for load balancers and orchestrators)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api import assistant

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    checks = {}
    try:
        with current_app.extensions["yiwang.engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        checks["database"] = "unavailable"
    ready = checks["database"] == "ok"
    # The assistant is reported but does not decide readiness: without it the API still serves
    # everything else, and /chat answers 503 with search results.
    checks.update(assistant.status())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
