"""Answers built once per version and language (api/rendered.py): never stale, per language, ETag and 304
intact, bounded, and a draft never leaks to someone who may not see it."""

from __future__ import annotations

import copy

from sqlalchemy import select

from api.rendered import RenderedCache
from models.accounts.user import Department
from tests.factories import CATALOGUE
from tests.helpers import assert_problem

GUIDE = next(s for s in CATALOGUE["services"] if s["code"] == "YW-SCJG-003")
URL = "/api/v1/services/YW-SCJG-003"


def test_a_guide_is_kept_per_language_and_still_answers_304(client):
    zh, en = client.get(URL, headers={"Accept-Language": "zh-CN"}), client.get(URL, headers={"Accept-Language": "en"})
    assert zh.get_json()["name"] == GUIDE["name"]["zh"] and en.get_json()["name"] == GUIDE["name"]["en"]
    assert zh.headers["ETag"] != en.headers["ETag"]
    again = client.get(URL, headers={"Accept-Language": "en"})
    assert again.get_data() == en.get_data() and again.headers["ETag"] == en.headers["ETag"]
    unchanged = client.get(URL, headers={"Accept-Language": "en", "If-None-Match": en.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    listed = client.get("/api/v1/services", headers={"Accept-Language": "en", "If-None-Match": "x"})
    assert listed.status_code == 200 and listed.headers["ETag"]
    assert client.get("/api/v1/services", headers={"Accept-Language": "en",
                                                    "If-None-Match": listed.headers["ETag"]}).status_code == 304


def test_a_new_guide_version_is_served_at_once(client, accounts):
    admin = accounts.headers(accounts.create("admin"))
    before = client.get(URL).get_json()
    listed_before = client.get("/api/v1/services", query_string={"limit": 100}).get_json()["items"]
    changed = copy.deepcopy(GUIDE)
    changed["promised_days"] = 1
    changed["name"]["zh"] = "新名称"
    assert client.put(URL, json=changed, headers=admin).status_code == 200
    after = client.get(URL).get_json()
    assert (before["version"], after["version"]) == (before["version"], before["version"] + 1)
    assert after["promised_days"] == 1 and after["name"] == "新名称"
    entry = next(s for s in client.get("/api/v1/services", query_string={"limit": 100}).get_json()["items"]
                 if s["code"] == "YW-SCJG-003")
    assert entry["name"] == "新名称" and entry != next(s for s in listed_before if s["code"] == "YW-SCJG-003")
    assert client.put(f"{URL}/active", json={"active": False}, headers=admin).status_code == 200
    assert_problem(client.get(URL), 404)


def test_a_change_made_by_another_process_is_served_at_once(client, session):
    """A department renamed straight in the database (no request of this process saw it happen)."""
    assert client.get(URL).get_json()["department"]["name"] != "改名后的部门"
    department = session.scalar(select(Department).where(Department.code == GUIDE["department"]))
    department.name = {"zh": "改名后的部门", "en": "Renamed department"}
    session.commit()
    assert client.get(URL).get_json()["department"]["name"] == "改名后的部门"
    items = client.get("/api/v1/services", query_string={"limit": 100}).get_json()["items"]
    assert next(s for s in items if s["code"] == "YW-SCJG-003")["department"]["name"] == "改名后的部门"


def test_a_policy_is_rebuilt_after_a_change_and_a_draft_stays_hidden(client, accounts):
    admin = accounts.headers(accounts.create("admin"))
    body = {"title": "示范市关于数据共享的通知", "body": "一、总体要求\n数据共享应当依法进行。", "publish": True}
    policy = client.post("/api/v1/policies", json=body, headers=admin).get_json()
    url = f"/api/v1/policies/{policy['id']}"
    first = client.get(url)
    assert first.get_json()["passages"] and client.get(url).get_data() == first.get_data()
    changed = {"title": body["title"], "body": "一、总体要求\n数据共享应当依法依规进行，保护个人信息。"}
    assert client.put(url, json=changed, headers=admin).status_code == 200
    second = client.get(url)
    assert "保护个人信息" in second.get_json()["body"] and second.headers["ETag"] != first.headers["ETag"]
    assert client.post(f"{url}/repeal", headers=admin).status_code == 200
    assert client.get(url).get_json()["status"] == "repealed"

    draft = client.post("/api/v1/policies", json={**body, "title": "草稿", "publish": False}, headers=admin).get_json()
    draft_url = f"/api/v1/policies/{draft['id']}"
    assert client.get(draft_url, headers=admin).status_code == 200  # built for the admin ...
    assert_problem(client.get(draft_url), 404)  # ... and still hidden from everyone else


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    cache = RenderedCache(max_entries=2)
    assert cache.get("a", lambda: 1) == 1 and cache.get("b", lambda: 2) == 2
    assert cache.get("a", lambda: "rebuilt") == 1  # a is now the most recently used
    cache.get("c", lambda: 3)
    assert len(cache) == 2 and "b" not in cache and "a" in cache and "c" in cache
    assert (cache.hits, cache.misses) == (1, 3)
