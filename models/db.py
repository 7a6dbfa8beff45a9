"""Engine and session factory, usable without Flask (CLI, workers, tests)."""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and, for writers, BEGIN IMMEDIATE.

    SQLite's deferred transactions fail at once (SQLITE_BUSY) when two connections read and then
    both try to write. Transactions opened through ``writer(engine)`` start with BEGIN IMMEDIATE, so
    concurrent writers queue on the busy timeout instead; readers stay deferred and, with WAL, never
    block a writer.
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
            immediate = conn.get_execution_options().get(WRITER_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


WRITER_OPTION = "yiwang_writer"


def writer(engine: Engine) -> Engine:
    """The same engine for sessions that will write (a no-op outside SQLite)."""
    return engine.execution_options(**{WRITER_OPTION: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
