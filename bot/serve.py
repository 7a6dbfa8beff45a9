"""The ``rasa`` command for the Rasa server, with one fix: action responses are checked by a cached validator.

Rasa 3.6 checks every answer of the action server with ``jsonschema.validate(result, schema)``, which
re-checks the schema against its meta-schema and builds a new validator on every call. Profiled under ten
concurrent conversations (py-spy, docs/benchmarks.md), that was about 45 % of the Rasa server's CPU: more
than intent classification and dialogue prediction together. Here the schema is checked once and its
validator reused; what is accepted and rejected is unchanged (tests/test_serve.py).

    .venv/bin/python serve.py run --enable-api ...      (the same arguments as ``rasa``)
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

# The Rasa release this fix was written for; tests/test_serve.py fails on another one, so that an
# upgrade looks at whether the fix is still needed (and still fits) instead of silently patching.
RASA_VERSION = "3.6.21"


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with the validator built once."""
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


if __name__ == "__main__":
    install()
    from rasa.__main__ import main

    sys.exit(main())
