"""The demo service catalogue (办事指南 data in models/demo_data/catalogue.json) keeps its format.

seed-demo loads this file as it is, so any edit that breaks a rule below must fail here first.
"""

import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "models" / "demo_data" / "catalogue.json"
CATALOGUE_TEXT = CATALOGUE_PATH.read_text(encoding="utf-8")
CATALOGUE = json.loads(CATALOGUE_TEXT)
DEPARTMENTS = CATALOGUE["departments"]
SERVICES = CATALOGUE["services"]
DEPARTMENT_CODES = {department["code"] for department in DEPARTMENTS}

DEPARTMENT_KEYS = {"code", "name", "region", "address", "hours", "phone"}
SERVICE_KEYS = {
    "code", "name", "type", "for_whom", "department", "two_stage", "summary", "conditions", "materials", "steps",
    "legal_basis", "statutory_days", "promised_days", "fee", "channels", "visits", "office", "enquiry_phone",
    "complaint_phone", "result", "faq", "keywords", "form_fields",
}
MATERIAL_KEYS = {"name", "required", "form", "copies", "electronic_accepted", "source", "note"}
STEP_KEYS = {"name", "description", "days"}
LEGAL_BASIS_KEYS = {"title", "article", "text"}
FIELD_KEYS = {"name", "label", "type", "required", "pattern", "options", "help"}

SERVICE_TYPES = {"licensing", "payment", "confirmation", "adjudication", "reward", "other_power", "public_service"}
FOR_WHOM = {"natural_person", "legal_person"}
MATERIAL_FORMS = {"original", "copy", "original_and_copy"}
MATERIAL_SOURCES = {"applicant", "government"}
CHANNELS = {"online", "window", "post", "mobile"}
FIELD_TYPES = {"string", "text", "number", "date", "choice", "multichoice", "bool"}
CHOICE_TYPES = {"choice", "multichoice"}

SERVICE_CODE = re.compile(r"YW-([A-Z]+)-\d{3}")
DEPARTMENT_CODE = re.compile(r"[A-Z]+")
REGION_CODE = re.compile(r"\d{6}")
# A city number (021-12345678) or a five-digit national hotline (12345, 12366, ...).
PHONE = re.compile(r"0\d{2,3}-\d{7,8}|\d{5}")
ARTICLE = re.compile(r"第[一二三四五六七八九十百零]+条")
AMOUNT = re.compile(r"\d+\.\d{2}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
OPTION_VALUE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
HAN = re.compile(r"[\u3400-\u9fff]")
# Han characters or full-width punctuation: a sign that Chinese text slipped into an English one.
NOT_ENGLISH = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# The account holds the resident ID number; forms must never ask for it again.
ID_NUMBER_FIELD = re.compile(r"id_?card|id_?number|identity|身份证号")

# The topics the demo must cover: code -> (department, for whom, a term of the Chinese name).
REQUIRED_TOPICS = {
    "YW-JYJ-001": ("JYJ", "natural_person", "入学登记"),
    "YW-RSJ-001": ("RSJ", "natural_person", "就业登记"),
    "YW-YBJ-001": ("YBJ", "natural_person", "报销"),
    "YW-RSJ-002": ("RSJ", "natural_person", "养老保险"),
    "YW-GAJ-001": ("GAJ", "natural_person", "居民身份证"),
    "YW-JJZD-001": ("JJZD", "natural_person", "驾驶证"),
    "YW-SWJ-001": ("SWJ", "natural_person", "个人所得税"),
    "YW-SCJG-001": ("SCJG", "legal_person", "企业设立登记"),
    "YW-SWJ-002": ("SWJ", "legal_person", "税务登记"),
    "YW-CZJ-001": ("CZJ", "legal_person", "政府采购供应商"),
    "YW-GXJ-001": ("GXJ", "legal_person", "中小企业发展专项资金"),
    "YW-ZWFW-001": ("ZWFW", "legal_person", "电子证照"),
}
# Services decided by a supervisor after an officer's review.
TWO_STAGE_REQUIRED = {"YW-SCJG-001", "YW-GXJ-001"}
# The demo officer and supervisor accounts belong to the market-regulation department.
OFFICER_DEPARTMENT = "SCJG"


def assert_text(value, where):
    """A bilingual text: Chinese (authoritative) and its English rendering, both non-empty."""
    assert isinstance(value, dict) and set(value) == {"zh", "en"}, f"{where}: expected {{zh, en}}, got {value!r}"
    zh, en = value["zh"], value["en"]
    assert isinstance(zh, str) and zh.strip(), f"{where}.zh is empty"
    assert isinstance(en, str) and en.strip(), f"{where}.en is empty"
    assert HAN.search(zh), f"{where}.zh has no Chinese: {zh!r}"
    assert not NOT_ENGLISH.search(en), f"{where}.en contains Chinese characters: {en!r}"


def assert_optional_text(value, where):
    if value is not None:
        assert_text(value, where)


def assert_count(items, low, high, where):
    assert isinstance(items, list), f"{where} must be a list"
    assert low <= len(items) <= high, f"{where} has {len(items)} items, expected {low}-{high}"


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def by_service(test):
    return pytest.mark.parametrize("service", SERVICES, ids=[service.get("code", "?") for service in SERVICES])(test)


def test_file_is_written_canonically():
    expected = json.dumps(CATALOGUE, ensure_ascii=False, indent=2) + "\n"
    assert expected == CATALOGUE_TEXT, "rewrite with json.dumps(data, ensure_ascii=False, indent=2) plus a newline"


def test_top_level_holds_departments_and_services():
    assert set(CATALOGUE) == {"departments", "services"}
    assert DEPARTMENTS and SERVICES


@pytest.mark.parametrize("department", DEPARTMENTS, ids=[d.get("code", "?") for d in DEPARTMENTS])
def test_department_format(department):
    code = department.get("code")
    assert set(department) == DEPARTMENT_KEYS, code
    assert isinstance(code, str) and DEPARTMENT_CODE.fullmatch(code), code
    for key in ("name", "address", "hours"):
        assert_text(department[key], f"{code}.{key}")
    assert REGION_CODE.fullmatch(department["region"]), f"{code}.region"
    assert PHONE.fullmatch(department["phone"]), f"{code}.phone"


def test_department_codes_are_unique():
    codes = [department["code"] for department in DEPARTMENTS]
    assert len(codes) == len(set(codes)), [code for code, n in Counter(codes).items() if n > 1]


def test_every_department_offers_a_service():
    used = {service["department"] for service in SERVICES}
    assert used >= DEPARTMENT_CODES, sorted(DEPARTMENT_CODES - used)


def test_service_codes_are_unique():
    codes = [service["code"] for service in SERVICES]
    assert len(codes) == len(set(codes)), [code for code, n in Counter(codes).items() if n > 1]


@by_service
def test_service_identity(service):
    code = service["code"]
    assert set(service) == SERVICE_KEYS, f"{code}: {sorted(set(service) ^ SERVICE_KEYS)}"
    match = SERVICE_CODE.fullmatch(code)
    assert match, f"{code} does not match YW-<DEPARTMENT>-<3 digits>"
    assert service["department"] in DEPARTMENT_CODES, f"{code}: unknown department {service['department']}"
    assert match.group(1) == service["department"], f"{code}: the code names another department"
    assert service["type"] in SERVICE_TYPES, f"{code}.type"
    assert service["for_whom"] in FOR_WHOM, f"{code}.for_whom"
    assert isinstance(service["two_stage"], bool), f"{code}.two_stage"
    for key in ("name", "summary", "result"):
        assert_text(service[key], f"{code}.{key}")


@by_service
def test_service_conditions(service):
    code = service["code"]
    assert_count(service["conditions"], 2, 4, f"{code}.conditions")
    for i, condition in enumerate(service["conditions"]):
        assert_text(condition, f"{code}.conditions[{i}]")


@by_service
def test_service_materials(service):
    code = service["code"]
    assert_count(service["materials"], 2, 6, f"{code}.materials")
    for i, material in enumerate(service["materials"]):
        where = f"{code}.materials[{i}]"
        assert set(material) == MATERIAL_KEYS, where
        assert_text(material["name"], f"{where}.name")
        assert isinstance(material["required"], bool), f"{where}.required"
        assert material["form"] in MATERIAL_FORMS, f"{where}.form"
        assert is_int(material["copies"]) and material["copies"] >= 1, f"{where}.copies"
        assert isinstance(material["electronic_accepted"], bool), f"{where}.electronic_accepted"
        assert material["source"] in MATERIAL_SOURCES, f"{where}.source"
        assert_optional_text(material["note"], f"{where}.note")


@by_service
def test_service_time_limits_and_steps(service):
    code = service["code"]
    statutory, promised = service["statutory_days"], service["promised_days"]
    assert is_int(statutory) and is_int(promised), f"{code}: time limits are whole working days"
    assert 0 < promised <= statutory, f"{code}: promised {promised} must be in 1..statutory {statutory}"
    assert_count(service["steps"], 3, 5, f"{code}.steps")
    for i, step in enumerate(service["steps"]):
        where = f"{code}.steps[{i}]"
        assert set(step) == STEP_KEYS, where
        assert_text(step["name"], f"{where}.name")
        assert_text(step["description"], f"{where}.description")
        assert is_int(step["days"]) and step["days"] >= 0, f"{where}.days"
    total = sum(step["days"] for step in service["steps"])
    assert total <= promised, f"{code}: the steps take {total} days, more than the promised {promised}"


@by_service
def test_service_legal_basis(service):
    code = service["code"]
    assert_count(service["legal_basis"], 1, 3, f"{code}.legal_basis")
    for i, basis in enumerate(service["legal_basis"]):
        where = f"{code}.legal_basis[{i}]"
        assert set(basis) == LEGAL_BASIS_KEYS, where
        assert_text(basis["title"], f"{where}.title")
        assert basis["title"]["zh"].startswith("《") and basis["title"]["zh"].endswith("》"), f"{where}.title"
        assert ARTICLE.fullmatch(basis["article"]), f"{where}.article {basis['article']!r}"
        assert_text(basis["text"], f"{where}.text")


@by_service
def test_service_fee(service):
    code, fee = service["code"], service["fee"]
    assert set(fee) == {"free", "amount", "basis"}, f"{code}.fee"
    assert isinstance(fee["free"], bool), f"{code}.fee.free"
    if fee["free"]:
        assert fee["amount"] is None and fee["basis"] is None, f"{code}: a free service has no amount or basis"
        return
    assert isinstance(fee["amount"], str) and AMOUNT.fullmatch(fee["amount"]), f"{code}.fee.amount"
    try:
        amount = Decimal(fee["amount"])
    except InvalidOperation:
        pytest.fail(f"{code}.fee.amount is not a decimal")
    assert amount > 0, f"{code}: a paid service costs more than 0"
    assert_text(fee["basis"], f"{code}.fee.basis")


@by_service
def test_service_channels_and_office(service):
    code = service["code"]
    channels = service["channels"]
    assert isinstance(channels, list) and channels, f"{code}.channels is empty"
    assert len(channels) == len(set(channels)), f"{code}.channels has duplicates"
    assert set(channels) <= CHANNELS, f"{code}.channels: {sorted(set(channels) - CHANNELS)}"
    assert "online" in channels, f"{code}: every demo service can be applied for online"
    assert service["visits"] in (0, 1, 2) and is_int(service["visits"]), f"{code}.visits"
    assert set(service["office"]) == {"address", "hours"}, f"{code}.office"
    assert_text(service["office"]["address"], f"{code}.office.address")
    assert_text(service["office"]["hours"], f"{code}.office.hours")
    for key in ("enquiry_phone", "complaint_phone"):
        assert isinstance(service[key], str) and PHONE.fullmatch(service[key]), f"{code}.{key}"


@by_service
def test_service_faq_and_keywords(service):
    code = service["code"]
    assert_count(service["faq"], 2, 4, f"{code}.faq")
    for i, item in enumerate(service["faq"]):
        assert set(item) == {"q", "a"}, f"{code}.faq[{i}]"
        assert_text(item["q"], f"{code}.faq[{i}].q")
        assert_text(item["a"], f"{code}.faq[{i}].a")
    keywords = service["keywords"]
    assert set(keywords) == {"zh", "en"}, f"{code}.keywords"
    for language in ("zh", "en"):
        words = keywords[language]
        assert_count(words, 3, 8, f"{code}.keywords.{language}")
        assert all(isinstance(word, str) and word.strip() for word in words), f"{code}.keywords.{language}"
        assert len(words) == len(set(words)), f"{code}.keywords.{language} has duplicates"
    assert all(HAN.search(word) for word in keywords["zh"]), f"{code}.keywords.zh"
    assert not any(NOT_ENGLISH.search(word) for word in keywords["en"]), f"{code}.keywords.en"


@by_service
def test_service_form_fields(service):
    code = service["code"]
    form_fields = service["form_fields"]
    assert_count(form_fields, 3, 8, f"{code}.form_fields")
    names = [field.get("name") for field in form_fields]
    assert len(names) == len(set(names)), f"{code}: duplicate field names {names}"
    for field in form_fields:
        where = f"{code}.form_fields.{field.get('name')}"
        assert set(field) == FIELD_KEYS, where
        assert isinstance(field["name"], str) and FIELD_NAME.fullmatch(field["name"]), f"{where}: not snake_case"
        assert_text(field["label"], f"{where}.label")
        assert not ID_NUMBER_FIELD.search(field["name"] + field["label"]["zh"]), f"{where} asks for an ID number"
        assert field["type"] in FIELD_TYPES, f"{where}.type"
        assert isinstance(field["required"], bool), f"{where}.required"
        assert_optional_text(field["help"], f"{where}.help")
        check_pattern(field, where)
        check_options(field, where)


def check_pattern(field, where):
    pattern = field["pattern"]
    if field["type"] != "string":
        assert pattern is None, f"{where}: only string fields have a pattern"
        return
    if pattern is None:
        return
    assert isinstance(pattern, str) and pattern, f"{where}.pattern"
    try:
        re.compile(pattern)
    except re.error as error:
        pytest.fail(f"{where}.pattern does not compile: {error}")


def check_options(field, where):
    options = field["options"]
    if field["type"] not in CHOICE_TYPES:
        assert options is None, f"{where}: only choice and multichoice fields have options"
        return
    assert isinstance(options, list) and len(options) >= 2, f"{where}: needs at least two options"
    values = [option.get("value") for option in options]
    assert len(values) == len(set(values)), f"{where}: duplicate option values {values}"
    for option in options:
        assert set(option) == {"value", "label"}, f"{where}.options"
        assert isinstance(option["value"], str) and OPTION_VALUE.fullmatch(option["value"]), f"{where}: {option}"
        assert_text(option["label"], f"{where}.options.{option['value']}")


def test_every_field_type_is_used_at_least_twice():
    used = Counter(field["type"] for service in SERVICES for field in service["form_fields"])
    assert {kind: used[kind] for kind in FIELD_TYPES if used[kind] < 2} == {}


def test_required_topics_are_present():
    services = {service["code"]: service for service in SERVICES}
    missing = sorted(set(REQUIRED_TOPICS) - set(services))
    assert missing == [], f"missing topics: {missing}"
    for code, (department, for_whom, term) in REQUIRED_TOPICS.items():
        service = services[code]
        assert service["department"] == department, f"{code}.department"
        assert service["for_whom"] == for_whom, f"{code}.for_whom"
        assert term in service["name"]["zh"], f"{code} is no longer about {term}"


def test_officer_department_has_an_inbox_with_variety():
    offered = [service for service in SERVICES if service["department"] == OFFICER_DEPARTMENT]
    assert len(offered) >= 3
    # Both flows reach the demo officer: cases the officer decides and cases a supervisor decides.
    assert {service["two_stage"] for service in offered} == {True, False}


def test_two_stage_services():
    two_stage = {service["code"] for service in SERVICES if service["two_stage"]}
    assert two_stage >= TWO_STAGE_REQUIRED
    assert 2 <= len(two_stage) <= 3, sorted(two_stage)
