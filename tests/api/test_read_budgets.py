"""Statement budgets of the read paths a phone or an officer uses most (docs/benchmarks.md, the API).

Each path is requested on the demo data and the SQL statements it sends are counted, so a lazy load that
creeps back into a view fails here rather than in a benchmark. Detail paths are checked for every item
the demo has (cases with long timelines, files, ratings and rectifications included).
"""

from __future__ import annotations

import pytest

from models.demo import DEMO_ACCOUNTS, seed_demo
from tests.helpers import counted_statements

CITIZEN, OFFICER = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[2]
API = "/api/v1"


@pytest.fixture
def demo(app, client, session, calendar):
    seed_demo(session, passwords=app.extensions["yiwang.passwords"], vault=app.extensions["yiwang.vault"],
              calendar=calendar)

    def headers(account):
        login = client.post(f"{API}/auth/login", json={"phone": account["phone"], "password": account["password"]})
        assert login.status_code == 200, login.get_json()
        return {"Authorization": f"Bearer {login.get_json()['access_token']}", "Accept-Language": "zh-CN"}

    return {"citizen": headers(CITIZEN), "officer": headers(OFFICER), "anonymous": {"Accept-Language": "zh-CN"}}


def _urls(client, headers, list_url, key, template, **args):
    items = client.get(list_url, headers=headers, query_string={"limit": 100, **args}).get_json()["items"]
    assert items, f"the demo has nothing at {list_url}"
    return [template.format(item[key]) for item in items]


PATHS = {
    # path: (who, budget (cold, warm), the URLs to request). The office paths count one more statement: the
    # staff access log's single INSERT for the page (issue #12), written in its own transaction.
    "GET /cases": ("citizen", (2, 2), lambda c, h: [f"{API}/cases"]),
    "GET /cases/{no}": ("citizen", (3, 3), lambda c, h: _urls(c, h, f"{API}/cases", "case_no", API + "/cases/{}")),
    "GET /services": ("anonymous", (2, 1), lambda c, h: [f"{API}/services"]),
    "GET /services/{code}": ("anonymous", (2, 1),
                             lambda c, h: _urls(c, h, f"{API}/services", "code", API + "/services/{}")),
    "GET /notifications": ("citizen", (3, 3), lambda c, h: [f"{API}/notifications"]),
    "GET /office/cases": ("officer", (3, 3), lambda c, h: [f"{API}/office/cases"]),
    "GET /office/cases/{no}": ("officer", (4, 4), lambda c, h: _urls(c, h, f"{API}/office/cases", "case_no",
                                                                API + "/office/cases/{}", status="all")),
    "GET /policies/{id}": ("anonymous", (3, 1), lambda c, h: _urls(c, h, f"{API}/policies", "id", API + "/policies/{}")),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_read_path_stays_within_its_statement_budget(app, client, demo, path):
    who, budgets, urls = PATHS[path]
    headers = demo[who]
    engine = app.extensions["yiwang.engine"]
    app.extensions["yiwang.rendered"].clear()
    for url in urls(client, headers):
        # cold: what is the same for everyone is built (and kept); warm: the kept answer is used
        for attempt, budget in zip(("cold", "warm"), budgets, strict=True):
            with counted_statements(engine) as statements:
                response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.get_json())
            assert 1 <= len(statements) <= budget, (url, attempt, len(statements), statements)
