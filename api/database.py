"""One SQLAlchemy session per request, opened lazily and always closed at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from models.db import make_engine, make_session_factory


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["yiwang.engine"] = engine
    app.extensions["yiwang.sessions"] = make_session_factory(engine)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["yiwang.sessions"]()
    return g.db_session
