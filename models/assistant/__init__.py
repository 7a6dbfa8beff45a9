"""The assistant's retrieval fallback (检索兜底): answering free questions from the catalogue and the policies.

Pure domain code (no Flask): the API exposes it at ``GET /assistant/answer`` and the bot calls that when
its intent classifier is unsure. Also the record of questions it could not answer (misses) and the
retention of stored conversations.
"""

from models.assistant.answering import Answer, Assistant, Outcome, PolicyAnswer, ServiceRef, Thresholds

__all__ = ["Answer", "Assistant", "Outcome", "PolicyAnswer", "ServiceRef", "Thresholds"]
