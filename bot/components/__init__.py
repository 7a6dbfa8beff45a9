"""Custom Rasa graph components for the Chinese-first, bilingual pipeline."""
