"""Domain models and rules. Never imports Flask: the API, the CLI, workers and tests call it directly."""

from models.accounts.user import AuthSession, Department, Role, User
from models.assistant.misses import AssistantMiss
from models.base import Base
from models.cases.access_log import CaseAccess
from models.cases.case import Attachment, Case, CaseEvent, CaseNumberCounter, IdempotencyRecord
from models.catalogue.service import Service, ServiceVersion
from models.notification import Broadcast, Delivery, Device, Notification
from models.policies.policy import Policy, PolicyPassage, SearchGeneration
from models.rating import Rating, Rectification

__all__ = [
    "AssistantMiss",
    "Attachment",
    "AuthSession",
    "Base",
    "Broadcast",
    "Case",
    "CaseAccess",
    "CaseEvent",
    "CaseNumberCounter",
    "Delivery",
    "Department",
    "Device",
    "IdempotencyRecord",
    "Notification",
    "Policy",
    "PolicyPassage",
    "Rating",
    "Rectification",
    "Role",
    "SearchGeneration",
    "Service",
    "ServiceVersion",
    "User",
]
