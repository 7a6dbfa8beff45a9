"""Test helpers shared by the API tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


class Accounts:
    """Creates accounts through the real registration rules and signs them in through the API."""

    def __init__(self, app, client, session):
        self.app, self.client, self.session = app, client, session
        self._next = 0

    def _phone(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{uuid.uuid4().int % 10**4:04d}{self._next:04d}"

    def create(self, role: str = "citizen", department: str | None = None, **extra):
        from sqlalchemy import select

        from models.accounts.accounts import create_user
        from models.accounts.user import Department, Role

        dept = None
        if department:
            dept = self.session.scalar(select(Department).where(Department.code == department))
        password = extra.pop("password", "Password#2026")
        user = create_user(
            self.session, self.app.extensions["yiwang.passwords"], self.app.extensions["yiwang.vault"],
            phone=extra.pop("phone", None) or self._phone("138" if role == "citizen" else "139"),
            password=password, name=extra.pop("name", f"测试{role}"), role=Role(role), department=dept, **extra,
        )
        self.session.commit()
        user.password = password
        return user

    def headers(self, user, language: str = "zh-CN") -> dict:
        response = self.client.post("/api/v1/auth/login", json={"phone": user.phone, "password": user.password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}", "Accept-Language": language}

    def citizen(self, **extra):
        user = self.create("citizen", **extra)
        return user, self.headers(user)

    def officer(self, department: str = "SCJG", role: str = "officer"):
        user = self.create(role, department)
        return user, self.headers(user)


def assert_problem(response, status: int, type_suffix: str | None = None) -> dict:
    """The response is RFC 9457 problem+json with the expected status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if type_suffix:
        assert body["type"].endswith(type_suffix), body["type"]
    return body


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_statements(engine) -> Iterator[list[str]]:
    """The SQL statements the block sends through ``engine`` (queries and changes; not BEGIN/COMMIT)."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
