"""Ratings (好差评): one per decided case by its applicant, poor ones open a rectification due in
15 working days, a supervisor of the department closes it, and the public summary adds up."""

from __future__ import annotations

import datetime as dt

import pytest

from models.cases.casework import perform_action
from models.catalogue.service import fetch_service
from models.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models.rating import close_rectification, rate_case, rating_of, ratings_summary
from tests.factories import at, new_case, person


@pytest.fixture
def people(session):
    return {
        "applicant": person(session, "citizen"),
        "other": person(session, "citizen"),
        "officer": person(session, "officer"),
        "supervisor": person(session, "supervisor"),
        "foreign_supervisor": person(session, "supervisor", "JYJ"),
    }


def decided_case(session, calendar, people, action="approve", now=None):
    case = new_case(session, calendar, people["applicant"], now=now)
    if action == "not_accept":
        perform_action(session, case, people["officer"], "not_accept", calendar=calendar, public_note="不属于受理范围",
                       now=now)
        return case
    perform_action(session, case, people["officer"], "accept", calendar=calendar, now=now)
    perform_action(session, case, people["officer"], action, calendar=calendar, public_note="理由", now=now)
    return case


@pytest.mark.parametrize("action", ["approve", "reject", "not_accept"])
def test_a_decided_case_can_be_rated_once(session, calendar, people, action):
    case = decided_case(session, calendar, people, action)
    rating = rate_case(session, case, people["applicant"], level=5, indicators={"efficiency": 5, "convenience": 4},
                       comment="  办理很快  ", calendar=calendar)
    assert (rating.level, rating.indicators, rating.comment) == (5, {"efficiency": 5, "convenience": 4}, "办理很快")
    assert rating.rectification is None and rating_of(case) is rating
    with pytest.raises(Conflict):
        rate_case(session, case, people["applicant"], level=1, calendar=calendar)


def test_open_and_withdrawn_cases_cannot_be_rated(session, calendar, people):
    case = new_case(session, calendar, people["applicant"])
    with pytest.raises(Conflict):
        rate_case(session, case, people["applicant"], level=4, calendar=calendar)
    perform_action(session, case, people["officer"], "accept", calendar=calendar)
    with pytest.raises(Conflict):
        rate_case(session, case, people["applicant"], level=4, calendar=calendar)
    withdrawn = new_case(session, calendar, people["applicant"])
    perform_action(session, withdrawn, people["applicant"], "withdraw", calendar=calendar)
    with pytest.raises(Conflict):
        rate_case(session, withdrawn, people["applicant"], level=4, calendar=calendar)


def test_only_the_applicant_rates(session, calendar, people):
    case = decided_case(session, calendar, people)
    for someone in (people["other"], people["officer"]):
        with pytest.raises(NotFound):
            rate_case(session, case, someone, level=5, calendar=calendar)


@pytest.mark.parametrize(("level", "indicators", "comment", "fields"), [
    (0, None, "", {"level"}),
    (6, None, "", {"level"}),
    (True, None, "", {"level"}),
    ("5", None, "", {"level"}),
    (5, {"speed": 5}, "", {"indicators.speed"}),
    (5, {"efficiency": 0, "guide_accuracy": 5.5}, "", {"indicators.efficiency", "indicators.guide_accuracy"}),
    (5, None, "很" * 501, {"comment"}),
])
def test_scores_and_comment_are_checked(session, calendar, people, level, indicators, comment, fields):
    case = decided_case(session, calendar, people)
    with pytest.raises(ValidationFailed) as refused:
        rate_case(session, case, people["applicant"], level=level, indicators=indicators, comment=comment,
                  calendar=calendar)
    assert set(refused.value.errors) == fields
    assert rating_of(case) is None


@pytest.mark.parametrize(("level", "opens"), [(1, True), (2, True), (3, False), (4, False), (5, False)])
def test_a_poor_rating_opens_a_rectification_due_in_15_working_days(session, calendar, people, level, opens):
    case = decided_case(session, calendar, people, now=at(2026, 9, 29))
    rating = rate_case(session, case, people["applicant"], level=level, calendar=calendar, now=at(2026, 9, 30, 18))
    assert (rating.rectification is not None) is opens
    if opens:
        item = rating.rectification
        # Golden Week and the adjusted Saturday Oct 10 included: Oct 8 is the 1st, Oct 27 the 15th
        assert (item.status, item.due_date, item.department_id) == ("open", dt.date(2026, 10, 27), case.department_id)


def test_a_supervisor_of_the_department_closes_a_rectification(session, calendar, people):
    case = decided_case(session, calendar, people, "reject")
    item = rate_case(session, case, people["applicant"], level=1, comment="理由不清楚", calendar=calendar).rectification
    with pytest.raises(Forbidden):
        close_rectification(session, item, people["officer"], reply="已整改")
    with pytest.raises(Forbidden):
        close_rectification(session, item, people["foreign_supervisor"], reply="已整改")
    with pytest.raises(ValidationFailed):
        close_rectification(session, item, people["supervisor"], reply="   ")
    closed = close_rectification(session, item, people["supervisor"], reply="已电话回访并说明理由。",
                                 now=at(2026, 10, 9))
    assert (closed.status, closed.reply, closed.closed_by_id) == ("closed", "已电话回访并说明理由。",
                                                                  people["supervisor"].id)
    assert closed.closed_at == at(2026, 10, 9)
    with pytest.raises(Conflict):
        close_rectification(session, item, people["supervisor"], reply="再次回复")


def test_public_summary_adds_up(session, calendar, people):
    scores = [(5, {"efficiency": 5, "guide_accuracy": 4}), (4, {"efficiency": 3}), (2, {}), (5, {})]
    for level, indicators in scores:
        case = decided_case(session, calendar, people)
        rate_case(session, case, people["applicant"], level=level, indicators=indicators, comment="意见",
                  calendar=calendar)
    other_service = new_case(session, calendar, people["applicant"], "YW-SCJG-002")
    perform_action(session, other_service, people["officer"], "not_accept", calendar=calendar, public_note="x")
    rate_case(session, other_service, people["applicant"], level=1, calendar=calendar)

    summary = ratings_summary(session, service=fetch_service(session, "YW-SCJG-003"))
    assert summary == {
        "count": 4,
        "average": 4.0,  # (5 + 4 + 2 + 5) / 4
        "distribution": {1: 0, 2: 1, 3: 0, 4: 1, 5: 2},
        "indicators": {"efficiency": 4.0, "guide_accuracy": 4.0, "convenience": None, "platform_usability": None},
    }
    empty = ratings_summary(session, service=fetch_service(session, "YW-JYJ-001"))
    assert (empty["count"], empty["average"], sum(empty["distribution"].values())) == (0, None, 0)
