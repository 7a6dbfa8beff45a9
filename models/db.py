"""Engine, session factory and the unit of work (``@transactional``), usable without Flask (CLI, workers, tests)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

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


_IN_UNIT = "yiwang_unit_of_work"
P = ParamSpec("P")
R = TypeVar("R")


def transactional(function: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Make a domain service function ``f(session, ...)`` one unit of work (the rule: docs/architecture.md).

    It commits when the function returns and rolls back when it raises, so neither the resource that
    calls it nor the function itself commits. Called from another transactional function, it joins the
    caller's unit: only the outermost commits (``run_once`` wrapping ``perform_action`` is one transaction).
    So does a call inside the caller's own savepoint (``session.begin_nested()``), which the caller ends.
    """

    @functools.wraps(function)
    def unit_of_work(session: Session, *args: P.args, **kwargs: P.kwargs) -> R:
        if session.info.get(_IN_UNIT) or session.in_nested_transaction():
            return function(session, *args, **kwargs)
        session.info[_IN_UNIT] = True
        try:
            result = function(session, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_IN_UNIT, None)

    return unit_of_work
