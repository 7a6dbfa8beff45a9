"""The one module that knows firebase-admin's internals (checked against firebase-admin 7.7.0).

firebase-admin has no supported way to point FCM at another endpoint, nor to turn off its own HTTP
retries. Tests, staging and egress proxies need the first (``FCM_BASE_URL``); our delivery layer needs
the second, because it owns retries and Retry-After across calls and a sleeping SDK retry would block a
send_each thread for seconds. So, after ``initialize_app`` we reach into the cached messaging service:

- ``_MessagingService._fcm_url`` (``{base}/v1/projects/{p}/messages:send``, used by send and send_each),
- ``_MessagingService._fcm_topic_url`` (``{base}/v1/projects/{p}/registrations``, used since 7.7 by
  subscribe_to_topic / unsubscribe_from_topic: one POST/DELETE per token on ``.../{token}/topicSubscriptions``),
- ``_MessagingService._client.session``, the ``requests`` session on which we mount our own adapter and
  pin the proxy/CA settings read from the environment.

``check_sdk_internals`` verifies all of that and fails loudly, naming the installed version, if an
upgrade moved something; it runs whenever an app is set up, and tests call it too.
"""

from __future__ import annotations

import inspect
import json
import os
import uuid
from typing import Any

import firebase_admin
import google.auth.credentials
import requests.utils
from firebase_admin import credentials, messaging
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from models.settings import Settings

SEND_EACH_LIMIT = 500  # messages per send_each call, and its thread pool size


class SdkInternalsChanged(RuntimeError):
    """firebase-admin no longer has the private attributes this module relies on."""


class StaticTokenCredentials(google.auth.credentials.Credentials):
    """A fixed bearer token (``FCM_STATIC_TOKEN``) for FCM-compatible endpoints: fake servers, proxies."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def refresh(self, request: Any) -> None:
        """Nothing to refresh: the token is fixed, and a 401 must surface as an auth error."""


def check_sdk_internals(service: Any = None) -> None:
    """Raise ``SdkInternalsChanged`` unless firebase-admin still works the way this module assumes.

    With ``service`` (a messaging service instance) its URL attributes and HTTP session are checked too.
    """
    problems = []
    cls = messaging._MessagingService
    for method, attribute in (("send", "_fcm_url"), ("send_each", "_fcm_url"),
                              ("_make_topic_management_request_v1", "_fcm_topic_url")):
        function = getattr(cls, method, None)
        if function is None:
            problems.append(f"_MessagingService.{method} is gone")
        elif not _uses(function, f"self.{attribute}"):
            problems.append(f"_MessagingService.{method} no longer builds its URL from {attribute}")
    for name in ("subscribe_to_topic", "unsubscribe_from_topic"):
        if not _uses(getattr(messaging, name), f"_get_messaging_service(app).{name}("):
            problems.append(f"messaging.{name} no longer calls _MessagingService.{name}")
    if not callable(getattr(messaging, "_get_messaging_service", None)):
        problems.append("messaging._get_messaging_service is gone")
    probe = messaging.Message()
    probe.token = "probe"
    if json.loads(str(probe)).get("token") != "probe":
        problems.append("Message.token is no longer sent as the message's token")
    if service is not None:
        for attribute, suffix in (("_fcm_url", "/messages:send"), ("_fcm_topic_url", "/registrations")):
            value = getattr(service, attribute, None)
            if not (isinstance(value, str) and value.endswith(suffix)):
                problems.append(f"service.{attribute} is {value!r}, expected a URL ending in {suffix}")
        if not callable(getattr(getattr(getattr(service, "_client", None), "session", None), "mount", None)):
            problems.append("service._client.session is no longer a requests session")
    if problems:
        raise SdkInternalsChanged(
            f"firebase-admin {firebase_admin.__version__} moved internals that notifications/fcm_adapter.py "
            f"relies on (written for 7.7.0): {'; '.join(problems)}. Update fcm_adapter.py before upgrading."
        )


def _uses(function: Any, text: str) -> bool:
    """Whether ``function``'s source mentions ``text``; assumed so in a byte-code-only install."""
    try:
        return text in inspect.getsource(function)
    except OSError:
        return True


def initialize_fcm_app(settings: Settings, name: str | None = None) -> firebase_admin.App:
    """A new named firebase App for FCM, configured from ``settings``; delete it with ``delete_app``.

    Settings: ``FCM_PROJECT_ID``; ``FCM_STATIC_TOKEN`` or ``GOOGLE_APPLICATION_CREDENTIALS`` (a
    service-account key file; without either, Google's application default credentials, e.g. on GCP);
    ``FCM_BASE_URL``; ``FCM_HTTP_TIMEOUT`` (seconds).
    """
    options: dict[str, Any] = {"httpTimeout": settings.FCM_HTTP_TIMEOUT}
    if settings.FCM_PROJECT_ID:
        options["projectId"] = settings.FCM_PROJECT_ID
    app = firebase_admin.initialize_app(_credential(settings), options, name or f"yiwang-fcm-{uuid.uuid4().hex}")
    try:
        _point_at(app, settings.FCM_BASE_URL.rstrip("/"))
    except Exception:
        firebase_admin.delete_app(app)
        raise
    return app


def _credential(settings: Settings) -> Any:
    if settings.FCM_STATIC_TOKEN:
        return StaticTokenCredentials(settings.FCM_STATIC_TOKEN)
    if settings.GOOGLE_APPLICATION_CREDENTIALS:
        return credentials.Certificate(settings.GOOGLE_APPLICATION_CREDENTIALS)
    return credentials.ApplicationDefault()


def _point_at(app: firebase_admin.App, base_url: str) -> None:
    service = messaging._get_messaging_service(app)
    check_sdk_internals(service)
    project = app.project_id
    service._fcm_url = f"{base_url}/v1/projects/{project}/messages:send"
    service._fcm_topic_url = f"{base_url}/v1/projects/{project}/registrations"
    session = service._client.session
    # Longest prefix wins in requests, so this replaces the SDK's retrying adapters for FCM calls.
    session.mount(f"{base_url}/", _adapter())
    # requests re-reads proxy and CA settings from the environment on every call, about a tenth of a
    # send's CPU: read them once here instead.
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False


def _adapter() -> HTTPAdapter:
    """A pool as large as send_each's thread pool; retries only a failed connect (nothing sent yet)."""
    no_retries = Retry(total=None, connect=2, read=0, status=0, other=0, redirect=0,
                       respect_retry_after_header=False, raise_on_status=False)
    return HTTPAdapter(pool_connections=4, pool_maxsize=SEND_EACH_LIMIT, max_retries=no_retries)
