"""Engine and session factory, usable without Flask (CLI, workers, tests)."""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, a busy timeout and write-locking transactions.

    SQLite's default deferred transactions deadlock when two connections read and then both try
    to write (SQLITE_BUSY without waiting). Starting every transaction with BEGIN IMMEDIATE makes
    writers queue on the busy timeout instead, which is what concurrent API workers need.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
