"""Every message the API can show has a Chinese translation, and the caller's language is honoured."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.helpers import assert_problem

ROOT = Path(__file__).resolve().parents[2]


def _catalogue() -> dict[str, str]:
    with (ROOT / "api/translations/zh/LC_MESSAGES/messages.po").open("rb") as po_file:
        return {m.id: m.string for m in read_po(po_file) if m.id}


def test_every_marked_message_has_a_chinese_translation():
    catalogue = _catalogue()
    marked = set()
    for package in ("api", "models"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords={"N_": None}, method_map=[("**.py", "python")]
        ):
            marked.add(message)
    missing = sorted(m for m in marked if not catalogue.get(m))
    assert not missing, f"add these to messages.po: {missing}"
    assert len(marked) > 50


def test_validation_errors_in_chinese_and_english(client, accounts):
    _, headers = accounts.citizen()
    body = {"service_code": "YW-SCJG-003", "form": {"organization_form": "corporation", "capital_amount": "many"}}
    zh = assert_problem(client.post("/api/v1/cases", json=body, headers=headers), 422, "validation-error")
    assert zh["title"] == "填写有误"
    assert zh["errors"]["form.organization_form"] == ["请从列出的选项中选择。"]
    assert zh["errors"]["form.capital_amount"] == ["不是有效的数字。"]
    assert zh["errors"]["form.contact_mobile"] == ["此项为必填项。"]

    en = assert_problem(client.post("/api/v1/cases", json=body, headers={**headers, "Accept-Language": "en"}), 422)
    assert en["title"] == "Invalid input"
    assert en["errors"]["form.contact_mobile"] == ["This field is required."]


def test_formatted_validator_messages_are_translated(client):
    response = client.get("/api/v1/services?limit=500", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    body = assert_problem(response, 422)
    assert body["errors"]["limit"] == ["请填写 1 至 100 之间的数字。"]


def test_chinese_is_the_default_language(client):
    body = assert_problem(client.get("/api/v1/services/NO-SUCH-CODE"), 404)
    assert body["detail"] == "没有编码为“NO-SUCH-CODE”的事项。"
    body = assert_problem(client.get("/api/v1/services/NO-SUCH-CODE", headers={"Accept-Language": "en-GB"}), 404)
    assert body["detail"] == "There is no service with the code 'NO-SUCH-CODE'."
