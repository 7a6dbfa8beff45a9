"""Policies (政务公开): admin publishing, reading, search with cited passages, and index consistency."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.demo import DATA
from models.policies.policy import import_policy_file
from models.policies.policy_search import PolicySearch
from tests.helpers import assert_problem

SEED = DATA / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt"

SOCIAL_POLICY = {
    "title": "示范市关于推进社会保险业务“一网通办”的通知",
    "issuer": "示范市人力资源和社会保障局",
    "doc_number": "示人社发〔2026〕12号",
    "publish_date": "2026-03-01",
    "category": "社会保障",
    "body": "一、总体要求\n"
            "到2026年底，社会保险参保登记、缴费基数申报和待遇领取资格认证全部实现网上办理，群众办事不再需要到窗口提交纸质材料。\n"
            "二、主要措施\n"
            "（一）推行告知承诺制\n"
            "对参保登记所需的户籍证明、婚姻证明等材料，改为申请人书面承诺，由经办机构事后核查，核查发现不实的依法处理。\n"
            "（二）养老金领取资格认证\n"
            "退休人员可以通过手机人脸识别完成每年一次的领取资格认证，行动不便的老人可预约工作人员上门认证。",
}


@pytest.fixture
def admin(accounts):
    return accounts.headers(accounts.create("admin"))


def create(client, admin, publish=True, **changes):
    response = client.post("/api/v1/policies", json={**SOCIAL_POLICY, **changes, "publish": publish}, headers=admin)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def search(client, q, **extra):
    response = client.get("/api/v1/policies/search", query_string={"q": q, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_published_policy_is_split_along_its_structure_and_searchable(client, admin):
    policy = create(client, admin)
    assert policy["status"] == "published" and policy["doc_number"] == "示人社发〔2026〕12号"
    headings = [p["heading"] for p in policy["passages"]]
    assert "二、主要措施 › （一）推行告知承诺制" in headings
    assert "二、主要措施 › （二）养老金领取资格认证" in headings
    result = search(client, "退休老人怎么做养老金资格认证")
    assert result["abstained"] is False
    best = result["items"][0]
    assert best["policy_id"] == policy["id"] and best["title"] == SOCIAL_POLICY["title"]
    assert "资格认证" in best["text"] and "<mark>" in best["snippet"]
    assert best["heading_path"] == ["二、主要措施", "（二）养老金领取资格认证"]


def test_drafts_are_invisible_until_published(client, admin):
    draft = create(client, admin, publish=False)
    assert draft["status"] == "draft"
    assert search(client, "养老金领取资格认证")["items"] == []
    assert_problem(client.get(f"/api/v1/policies/{draft['id']}"), 404)
    assert client.get(f"/api/v1/policies/{draft['id']}", headers=admin).status_code == 200
    assert [p["id"] for p in client.get("/api/v1/policies").get_json()["items"]] == []
    assert [p["id"] for p in client.get("/api/v1/policies", headers=admin).get_json()["items"]] == [draft["id"]]

    published = client.post(f"/api/v1/policies/{draft['id']}/publish", headers=admin)
    assert published.status_code == 200
    assert search(client, "养老金领取资格认证")["items"][0]["policy_id"] == draft["id"]
    assert_problem(client.post(f"/api/v1/policies/{draft['id']}/publish", headers=admin), 409)


def test_repealed_policies_leave_search_but_stay_readable(client, admin):
    policy = create(client, admin)
    assert search(client, "告知承诺制")["items"]
    assert client.post(f"/api/v1/policies/{policy['id']}/repeal", headers=admin).status_code == 200
    assert all(hit["policy_id"] != policy["id"] for hit in search(client, "告知承诺制")["items"])
    readable = client.get(f"/api/v1/policies/{policy['id']}").get_json()
    assert readable["status"] == "repealed" and readable["repealed_at"]
    listed = client.get("/api/v1/policies?status=repealed").get_json()["items"]
    assert [p["id"] for p in listed] == [policy["id"]]


def test_an_update_is_searched_at_once(client, admin):
    policy = create(client, admin)
    changed = {**SOCIAL_POLICY, "body": SOCIAL_POLICY["body"] + "\n三、工作要求\n各区要在每个街道设立社保自助服务终端，方便老年人就近办理。"}
    assert client.put(f"/api/v1/policies/{policy['id']}", json=changed, headers=admin).status_code == 200
    hit = search(client, "街道社保自助服务终端")["items"][0]
    assert hit["policy_id"] == policy["id"] and "自助服务终端" in hit["text"]


def test_off_topic_questions_are_abstained(client, admin):
    create(client, admin)
    for question in ("今天天气怎么样", "how do I cook rice"):
        result = search(client, question)
        assert result == {"query": question, "abstained": True, "items": []}


def test_search_arguments_are_checked(client):
    assert set(assert_problem(client.get("/api/v1/policies/search"), 422)["errors"]) == {"q"}
    assert_problem(client.get("/api/v1/policies/search?q=x&k=0"), 422)
    assert_problem(client.get("/api/v1/policies/search?q=" + "长" * 201), 422)


def test_only_admins_write_policies(client, accounts, admin):
    policy = create(client, admin)
    _, citizen = accounts.citizen()
    assert_problem(client.post("/api/v1/policies", json=SOCIAL_POLICY, headers=citizen), 403)
    assert_problem(client.put(f"/api/v1/policies/{policy['id']}", json=SOCIAL_POLICY, headers=citizen), 403)
    assert_problem(client.post(f"/api/v1/policies/{policy['id']}/repeal"), 401)
    body = assert_problem(client.post("/api/v1/policies", json={"title": ""}, headers=admin), 422)
    assert set(body["errors"]) == {"title", "body"}
    assert_problem(client.get("/api/v1/policies/999999"), 404)


def test_the_seed_text_answers_with_its_heading_path(client, session):
    outcome, policy = import_policy_file(session, SEED)
    session.commit()
    assert outcome == "created" and policy.title == "电子政务与公共服务"
    zh = search(client, "国家政务外网建设目标", k=3)
    assert zh["items"][0]["heading"] == "第六节我国电子公共服务的现状和发展 › 三、电子公共服务的发展 › （一）、发展目标"
    assert "政务外网" in zh["items"][0]["text"]
    en = search(client, "What is the goal of building the national e-government extranet?", k=3)
    assert "政务外网" in en["items"][0]["text"]


def test_another_process_sees_changes_made_elsewhere(app, client, admin, session, tmp_path):
    """Two indexes (two API processes) over one database stay consistent through the generation token."""
    other_process = PolicySearch(tmp_path / "other")
    assert other_process.search(session, "养老金领取资格认证").items == []
    session.rollback()
    policy = create(client, admin)
    assert other_process.search(session, "养老金领取资格认证").items[0].policy_id == policy["id"]
    session.rollback()
    client.post(f"/api/v1/policies/{policy['id']}/repeal", headers=admin)
    assert other_process.search(session, "养老金领取资格认证").items == []


def test_the_index_is_persisted_and_reloaded(app, client, admin, session, tmp_path):
    policy = create(client, admin)
    first = PolicySearch(tmp_path / "index")
    first.index(session)
    restarted = PolicySearch(tmp_path / "index")
    loaded = restarted._load()
    assert set(loaded.documents()) == {policy["id"]}  # no database read needed to get the passages back
    assert restarted.search(session, "告知承诺制").items[0].policy_id == policy["id"]


def test_import_command_creates_and_skips(app, tmp_path, session):
    markdown = tmp_path / "notice.md"
    markdown.write_text("---\ndoc_number: 示政办〔2026〕3号\nissuer: 示范市人民政府办公室\n"
                        "publish_date: 2026-05-20\n---\n# 关于优化营业执照办理的通知\n\n"
                        "## 一、办理时限\n企业设立登记一个工作日内办结，全程网上办理，不见面审批。\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["policies", "import", str(markdown), str(SEED)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 skipped" in result.output
    again = runner.invoke(args=["policies", "import", str(markdown)])
    assert "0 created, 1 skipped" in again.output
    session.rollback()
    from sqlalchemy import select

    from models.policies.policy import Policy

    notice = session.scalar(select(Policy).where(Policy.doc_number == "示政办〔2026〕3号"))
    assert notice.title == "关于优化营业执照办理的通知" and notice.body_format == "markdown"
    assert str(notice.publish_date) == "2026-05-20" and notice.status == "published"
    missing = runner.invoke(args=["policies", "import", str(Path(tmp_path / "nope.txt"))])
    assert missing.exit_code != 0
