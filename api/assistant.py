"""The assistant (Rasa) behind ``POST /api/v1/chat``: the one module that talks to the Rasa servers.

Rasa's REST channel is not protected by its auth token, so Rasa and the action server listen on
127.0.0.1 (or a private network) and only this backend reaches them. A signed-in user's messages
carry a short-lived delegated token (chat scope) in the metadata; the actions call this API with it,
so the bot can never see more than the user could.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import requests
from flask import current_app
from flask_jwt_extended import create_access_token

from models.accounts.identity import mask_text_ids
from models.accounts.user import User

CHAT_SCOPE = "chat"


class AssistantUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


# What kind of reply each message is (docs/api.md); the bot sends it as a custom payload {"kind": ...}.
REPLY_KINDS = frozenset({"answer", "choices", "abstain", "handover", "fallback", "form", "smalltalk", "case"})
DEFAULT_KIND = "answer"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict]
    kind: str = DEFAULT_KIND


def delegated_token(user: User, session_id: str) -> str:
    """A token for the bot's actions: minutes long, chat scope, bound to the user's sign-in."""
    return create_access_token(
        identity=str(user.id),
        additional_claims={"role": user.role.value, "sid": session_id, "scope": CHAT_SCOPE},
        expires_delta=dt.timedelta(minutes=current_app.config["CHAT_TOKEN_MINUTES"]),
    )


def rasa_urls() -> list[str]:
    """The Rasa servers: ``RASA_URL`` holds one base URL or several, comma-separated."""
    return [url.strip().rstrip("/") for url in current_app.config["RASA_URL"].split(",") if url.strip()]


def rasa_url_for(sender: str) -> str:
    """The server that owns this conversation. Each Rasa server keeps its own conversations (its tracker
    store), so a conversation always goes to the same one: a stable hash of the sender id picks it."""
    urls = rasa_urls()
    if not urls:
        raise AssistantUnavailable("RASA_URL names no Rasa server")
    return urls[zlib.crc32(sender.encode("utf-8")) % len(urls)]


def send_message(sender: str, text: str, metadata: dict) -> list[Reply]:
    """Send one user message to Rasa's REST channel and return its replies (maybe none)."""
    config = current_app.config
    try:
        response = requests.post(
            f"{rasa_url_for(sender)}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=config["RASA_TIMEOUT_SECONDS"],
        )
        response.raise_for_status()
        messages = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise AssistantUnavailable(str(exc)) from exc
    if not isinstance(messages, list):
        raise AssistantUnavailable("unexpected answer from Rasa")
    return _replies(messages)


def _replies(messages: list) -> list[Reply]:
    """Text messages as replies. Rasa sends a response's custom payload as a message of its own right after
    the text: its kind is the kind of the text before it (or, if none, of the next one)."""
    replies: list[Reply] = []
    kinds: list[str | None] = []
    pending = None
    for message in messages:
        if not isinstance(message, dict):
            continue
        custom = message.get("custom")
        kind = custom.get("kind") if isinstance(custom, dict) and custom.get("kind") in REPLY_KINDS else None
        if message.get("text"):
            buttons = [
                {"title": mask_text_ids(str(b.get("title", ""))), "payload": str(b.get("payload", ""))}
                for b in message.get("buttons") or [] if isinstance(b, dict)
            ]
            replies.append(Reply(mask_text_ids(str(message["text"])), buttons))
            kinds.append(kind or pending)
            pending = None
        elif kind:
            if kinds and kinds[-1] is None:
                kinds[-1] = kind
            else:
                pending = kind
    return [Reply(r.text, r.buttons, k or DEFAULT_KIND) for r, k in zip(replies, kinds, strict=True)]


def status() -> dict[str, str]:
    """Whether the Rasa server and the action server answer (for /readyz; never raises)."""
    config = current_app.config
    # The assistant is ok only when every Rasa server answers: each one owns a share of the conversations.
    probes = {"assistant": [f"{url}/" for url in rasa_urls()],
              "actions": [f"{config['ACTION_SERVER_URL'].rstrip('/')}/health"]}
    return {name: "ok" if urls and all(_answers(url) for url in urls) else "unavailable"
            for name, urls in probes.items()}


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=0.5).ok
    except requests.RequestException:
        return False
