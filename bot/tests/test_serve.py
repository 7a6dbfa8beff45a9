"""serve.py: the cached validator accepts and rejects exactly what Rasa's own check does."""

import pytest
import rasa
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import serve

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "en"}],
     "responses": [{"text": "hi", "buttons": [{"title": "A", "payload": "/a"}]}]},
    {},
]
INVALID = [
    {"events": [{"name": "language"}]},          # an event without its type
    {"events": "slot"},                          # events must be a list
    {"responses": [{"text": "hi"}], "events": [{"event": 3}]},
]


def test_written_for_this_rasa_release():
    assert rasa.__version__ == serve.RASA_VERSION


@pytest.mark.parametrize("result", VALID)
def test_accepts_what_rasa_accepts(result):
    validate(result, RemoteAction.action_response_format_spec())
    assert serve.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_rejects_what_rasa_rejects(result):
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        serve.validate_action_result(None, result)


def test_install_replaces_rasas_check():
    original = RemoteAction._validate_action_result
    try:
        serve.install()
        assert RemoteAction._validate_action_result is serve.validate_action_result
    finally:
        RemoteAction._validate_action_result = original
