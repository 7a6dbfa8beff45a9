"""The app's shared objects, built once in ``create_app`` and looked up here by every resource."""

from __future__ import annotations

from flask import current_app

from models.cases.deadlines import WorkingCalendar
from models.policies.policy_search import PolicySearch
from models.settings import Settings
from models.storage import LocalStorage
from notifications.senders import Sender


def settings() -> Settings:
    return current_app.extensions["yiwang.settings"]


def calendar() -> WorkingCalendar:
    return current_app.extensions["yiwang.calendar"]


def storage() -> LocalStorage:
    return current_app.extensions["yiwang.storage"]


def policy_search() -> PolicySearch:
    return current_app.extensions["yiwang.policy_search"]


def sender() -> Sender:
    return current_app.extensions["yiwang.sender"]
