"""Custom actions of the Yiwang assistant, served by ``rasa run actions`` (one class per action)."""
