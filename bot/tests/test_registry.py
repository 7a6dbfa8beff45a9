"""The action server can start: every custom action of the domain is registered, and nothing else."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

BOT = Path(__file__).resolve().parent.parent
# In a process of its own: rasa_sdk registers every Action subclass imported, test doubles included.
REGISTER = ("import json; from rasa_sdk.executor import ActionExecutor; e = ActionExecutor(); "
            "e.register_package('actions'); print(json.dumps(sorted(e.actions)))")


def test_the_action_server_registers_exactly_the_domains_custom_actions():
    registered = json.loads(subprocess.run([sys.executable, "-c", REGISTER], cwd=BOT, capture_output=True, text=True,
                                           check=True).stdout.splitlines()[-1])
    declared = {a for f in (BOT / "domain").glob("*.yml") for a in (yaml.safe_load(f.read_text()) or {}).get("actions", [])}
    assert set(registered) == declared | {"validate_application_form"}
