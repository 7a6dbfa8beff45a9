"""Admin-written form patterns run in linear time, and values are measured before any pattern (issue #12, item 5)."""

from __future__ import annotations

import copy
import time

import pytest

from models.cases.forms import UnsafePattern, compile_pattern, validate_form
from models.errors import ValidationFailed
from tests.factories import CATALOGUE
from tests.helpers import assert_problem

EVIL = "^(a+)+$"  # Python's re doubles its time with each extra "a" before a mismatch


def _guide_with_pattern(pattern: str, code: str = "YW-TEST-RE2") -> dict:
    guide = copy.deepcopy(next(s for s in CATALOGUE["services"] if s["code"] == "YW-SCJG-003"))
    guide["code"] = code
    guide["form_fields"].append({"name": "code_word", "label": {"zh": "暗号", "en": "Code word"}, "type": "string",
                                 "required": False, "pattern": pattern, "options": None, "help": None})
    return guide


def test_a_catastrophic_pattern_runs_in_linear_time():
    fields = [{"name": "code_word", "type": "string", "pattern": EVIL}]
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as failed:
        validate_form(fields, {"code_word": "a" * 199 + "!"})
    assert time.perf_counter() - started < 0.5  # Python's re would take longer than the universe's age
    assert failed.value.errors == {"form.code_word": ["The value does not have the expected format."]}
    assert validate_form(fields, {"code_word": "a" * 200}) == {"code_word": "a" * 200}


def test_the_length_is_checked_before_the_pattern():
    fields = [{"name": "code_word", "type": "string", "pattern": EVIL}]
    with pytest.raises(ValidationFailed) as failed:
        validate_form(fields, {"code_word": "a" * 100_000 + "!"})
    assert failed.value.errors == {"form.code_word": ["The text is too long."]}  # and no pattern message


def test_the_catalogue_patterns_still_work_on_the_linear_engine():
    name = compile_pattern("^[\\u4e00-\\u9fa5（）()·]{2,40}$")
    assert name.fullmatch("示范云帆（上海）") and not name.fullmatch("Acme Ltd")
    assert compile_pattern("^1[3-9]\\d{9}$").fullmatch("13800000001")
    for unsafe in ("(a)\\1", "(?=a)a", "(?<!x)y", "[unclosed"):
        with pytest.raises(UnsafePattern):
            compile_pattern(unsafe)


def test_the_anonymous_validate_endpoint_is_not_frozen_by_an_admins_pattern(client, accounts):
    admin = accounts.headers(accounts.create("admin"))
    assert client.post("/api/v1/services", json=_guide_with_pattern(EVIL), headers=admin).status_code == 201
    started = time.perf_counter()
    response = client.post("/api/v1/services/YW-TEST-RE2/validate", json={"form": {"code_word": "a" * 199 + "!"}})
    assert time.perf_counter() - started < 2
    assert assert_problem(response, 422)["errors"] == {"form.code_word": ["填写格式不正确。"]}
    too_long = client.post("/api/v1/services/YW-TEST-RE2/validate", json={"form": {"code_word": "a" * 5000}},
                           headers={"Accept-Language": "en"})
    assert assert_problem(too_long, 422)["errors"] == {"form.code_word": ["The text is too long."]}


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=a)a"])
def test_patterns_the_linear_engine_cannot_run_are_refused_when_a_guide_is_published(client, accounts, pattern):
    admin = accounts.headers(accounts.create("admin"))
    body = assert_problem(client.post("/api/v1/services", json=_guide_with_pattern(pattern), headers=admin),
                          422, "validation-error")
    field = len(_guide_with_pattern(pattern)["form_fields"]) - 1
    assert list(body["errors"]) == [f"form_fields.{field}.pattern"]
