"""The Yiwang API as the actions see it: one small client, one place for URLs, headers and errors.

The bot never holds service or case data of its own; it calls the backend with the user's delegated
token (metadata key ``token``), so it can never see more than the user could.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import quote

import requests

DEFAULT_API_URL = "http://127.0.0.1:8000/api/v1"
ACCEPT_LANGUAGE = {"zh": "zh-CN", "en": "en"}
# One HTTP session per action thread: connections to the API are kept alive between calls.
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


class BackendUnavailable(Exception):
    """The API did not answer in time, or answered with a server error or something that is not JSON."""


class NotSignedIn(Exception):
    """No token, or the API refused it (401/403): the user has to sign in again."""


class NotFound(Exception):
    """404: unknown, or not the user's (the API does not tell the two apart)."""


class Problem(Exception):
    """Any other 4xx, with its RFC 9457 problem document."""

    def __init__(self, status: int, problem: dict[str, Any]):
        super().__init__(problem.get("detail") or problem.get("title") or status)
        self.status = status
        self.problem = problem

    def messages_for(self, field: str) -> list[str]:
        """Messages for one form field: the API keys errors by dotted path (``form.company_name``)."""
        errors = self.problem.get("errors") or {}
        return list(errors.get(f"form.{field}") or errors.get(field) or [])

    def all_messages(self) -> list[str]:
        errors = self.problem.get("errors") or {}
        found = [message for messages in errors.values() for message in messages]
        return found or [str(self)]


class YiwangApi:
    def __init__(self, language: str, token: str | None = None, base_url: str | None = None):
        self.base_url = (base_url or os.environ.get("YIWANG_API_URL") or DEFAULT_API_URL).rstrip("/")
        self.timeout = float(os.environ.get("YIWANG_API_TIMEOUT", "3"))
        self.language = language
        self.token = token

    def search_policies(self, query: str, k: int = 3) -> dict[str, Any]:
        return self._call("GET", "/policies/search", params={"q": query, "k": k})

    def answer(self, question: str, scope: str = "all") -> dict[str, Any]:
        """The backend's retrieval answer: service, choices, life_event, policy, handover or abstain
        (``scope="policy"``: policy, handover or abstain only)."""
        return self._call("GET", "/assistant/answer", params={"q": question, "scope": scope})

    def search_services(self, query: str, limit: int = 5) -> list[dict[str, Any]]:
        return self._call("GET", "/services", params={"q": query, "limit": limit})["items"]

    def service(self, code: str) -> dict[str, Any]:
        return self._call("GET", f"/services/{quote(code, safe='')}")

    def validate_form(self, code: str, form: dict[str, Any]) -> dict[str, Any]:
        """The given fields as the API would store them, or :class:`Problem` (422) with their messages."""
        body = self._call("POST", f"/services/{quote(code, safe='')}/validate", json={"form": form})
        return body.get("form") or {}

    def create_case(self, code: str, form: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._call(
            "POST",
            "/cases",
            json={"service_code": code, "form": form},
            headers={"Idempotency-Key": idempotency_key},
            personal=True,
        )

    def open_cases(self) -> list[dict[str, Any]]:
        return self._call("GET", "/cases", params={"status": "open"}, personal=True)["items"]

    def case(self, case_no: str) -> dict[str, Any]:
        return self._call("GET", f"/cases/{quote(case_no, safe='')}", personal=True)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        personal: bool = False,
    ) -> dict[str, Any]:
        if personal and not self.token:
            raise NotSignedIn()
        all_headers = {
            "Accept": "application/json",
            "Accept-Language": ACCEPT_LANGUAGE.get(self.language, ACCEPT_LANGUAGE["zh"]),
            **(headers or {}),
        }
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if assistant_key := os.environ.get("YIWANG_ASSISTANT_KEY"):
            all_headers["X-Assistant-Key"] = assistant_key
        try:
            response = _session().request(
                method, self.base_url + path, params=params, json=json, headers=all_headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise BackendUnavailable(str(error)) from error
        return _body(response)


def _body(response: requests.Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise BackendUnavailable(f"HTTP {response.status_code}")
    try:
        body = response.json() if response.content else {}
    except ValueError as error:
        raise BackendUnavailable("the API answered with something that is not JSON") from error
    if response.status_code in (401, 403):
        raise NotSignedIn()
    if response.status_code == 404:
        raise NotFound()
    if response.status_code >= 400:
        raise Problem(response.status_code, body if isinstance(body, dict) else {})
    return body
