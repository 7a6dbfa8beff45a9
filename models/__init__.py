"""Domain models and rules. Never imports Flask: the API, the CLI, workers and tests call it directly."""

from models.access_log import CaseAccess
from models.base import Base
from models.case import Attachment, Case, CaseEvent, CaseNumberCounter, IdempotencyRecord
from models.notification import Broadcast, Delivery, Device, Notification
from models.policy import Policy, PolicyPassage, SearchGeneration
from models.rating import Rating, Rectification
from models.service import Service, ServiceVersion
from models.user import AuthSession, Department, Role, User

__all__ = [
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
