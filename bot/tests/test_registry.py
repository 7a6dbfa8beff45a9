"""The action server can start: every custom action of the domain is registered, and nothing else."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

DOMAIN = Path(__file__).resolve().parent.parent / "domain"


def test_the_action_server_registers_exactly_the_domains_custom_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    declared = {a for f in DOMAIN.glob("*.yml") for a in (yaml.safe_load(f.read_text()) or {}).get("actions", [])}
    assert set(executor.actions) == declared | {"validate_application_form"}
