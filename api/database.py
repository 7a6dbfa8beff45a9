"""One SQLAlchemy session per request, opened lazily and always closed at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from models.db import make_engine, make_session_factory, writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["yiwang.engine"] = engine
    app.extensions["yiwang.sessions"] = make_session_factory(engine)
    app.extensions["yiwang.writer_sessions"] = make_session_factory(writer(engine))

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def db() -> Session:
    """This request's session; requests that may write take SQLite's write lock when they begin."""
    if "db_session" not in g:
        kind = "yiwang.sessions" if request and request.method in SAFE_METHODS else "yiwang.writer_sessions"
        g.db_session = current_app.extensions[kind]()
    return g.db_session


def separate_writer_session() -> Session:
    """A session of its own that takes the write lock, beside the request's: for a row a read request must write
    and keep whatever the request does next (the staff access log). On SQLite a GET's reader session could not
    write once another writer went first."""
    return current_app.extensions["yiwang.writer_sessions"]()
