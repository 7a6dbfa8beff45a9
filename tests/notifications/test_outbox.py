"""The transactional outbox: a case event that concerns someone brings its inbox row and one delivery per
active device in the same transaction, texted per reader's language; a rolled-back action leaves neither."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from models.cases.case import CaseEvent
from models.cases.casework import assign_case, claim_case, perform_action, resubmit_case
from models.notification import Delivery, Device, Notification, register_device
from models.rating import close_rectification, rate_case
from notifications import outbox
from tests.factories import TWO_STAGE, at, new_case, person


@pytest.fixture
def people(session):
    applicant = person(session, "citizen", name="王小明")
    officer = person(session, "officer")
    supervisor = person(session, "supervisor")
    register_device(session, applicant, token="phone-zh", platform="android", language="zh")
    register_device(session, applicant, token="tablet-en", platform="ios", language="en")
    old, _ = register_device(session, applicant, token="old-web", platform="web", language="zh")
    old.active = False
    session.commit()
    return {"applicant": applicant, "officer": officer, "supervisor": supervisor}


def notifications_of(session, user) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def deliveries_of(session, notification) -> dict[str, Delivery]:
    rows = session.scalars(select(Delivery).where(Delivery.notification_id == notification.id))
    return {delivery.device.token: delivery for delivery in rows}


def test_an_officer_decision_reaches_every_active_device_in_its_language(session, calendar, people):
    case = new_case(session, calendar, people["applicant"])
    perform_action(session, case, people["officer"], "accept", calendar=calendar)
    session.commit()

    submitted, accepted = notifications_of(session, people["applicant"])
    assert (submitted.event, accepted.event) == ("case_submitted", "case_accepted")
    assert accepted.case_no == case.case_no and accepted.status == "accepted"
    assert accepted.title == "申请已受理"  # the inbox row speaks the user's language (zh)
    assert case.service.name_zh in accepted.body and case.case_no in accepted.body
    assert accepted.data == {"event": "case_accepted", "case_no": case.case_no, "status": "accepted"}

    deliveries = deliveries_of(session, accepted)
    assert set(deliveries) == {"phone-zh", "tablet-en"}  # the deactivated device gets nothing
    zh, en = deliveries["phone-zh"], deliveries["tablet-en"]
    assert (zh.title, zh.language) == ("申请已受理", "zh")
    assert (en.title, en.language) == ("Application accepted", "en")
    assert case.service.name_en in en.body and case.case_no in en.body and "My cases" in en.body
    assert zh.collapse_key == en.collapse_key == f"case-{case.case_no}"
    assert {d.status for d in deliveries.values()} == {"pending"}
    assert en.data["case_no"] == case.case_no and en.data["status"] == "accepted"


def test_decisions_carry_what_the_citizen_must_know(session, calendar, people):
    applicant, officer = people["applicant"], people["officer"]
    supplement = new_case(session, calendar, applicant)
    perform_action(session, supplement, officer, "accept", calendar=calendar)
    perform_action(session, supplement, officer, "request_supplement", calendar=calendar,
                   missing_materials=["营业执照副本", "租赁合同"])
    refused = new_case(session, calendar, applicant)
    perform_action(session, refused, officer, "not_accept", calendar=calendar, public_note="不属于本部门职责")
    rejected = new_case(session, calendar, applicant)
    perform_action(session, rejected, officer, "accept", calendar=calendar)
    perform_action(session, rejected, officer, "reject", calendar=calendar, public_note="经营场所不符合要求")
    approved = new_case(session, calendar, applicant)
    perform_action(session, approved, officer, "accept", calendar=calendar)
    perform_action(session, approved, officer, "approve", calendar=calendar)
    session.commit()

    latest = {n.case_no: n for n in notifications_of(session, applicant)}
    assert latest[supplement.case_no].event == "supplement_requested"
    assert "营业执照副本、租赁合同" in latest[supplement.case_no].body
    en = deliveries_of(session, latest[supplement.case_no])["tablet-en"]
    assert "营业执照副本, 租赁合同" in en.body and "submit again" in en.body
    assert latest[refused.case_no].event == "case_not_accepted" and "不属于本部门职责" in latest[refused.case_no].body
    assert latest[rejected.case_no].event == "case_rejected" and "经营场所不符合要求" in latest[rejected.case_no].body
    assert latest[approved.case_no].event == "case_approved" and latest[approved.case_no].status == "approved"


def test_internal_steps_and_the_citizens_own_resubmission_notify_nobody(session, calendar, people):
    applicant, officer, supervisor = people["applicant"], people["officer"], people["supervisor"]
    case = new_case(session, calendar, applicant, service=TWO_STAGE)
    claim_case(session, case, officer)
    perform_action(session, case, officer, "accept", calendar=calendar)
    perform_action(session, case, officer, "request_supplement", calendar=calendar, missing_materials=["身份证"])
    session.commit()
    before = len(notifications_of(session, applicant))
    resubmit_case(session, case, applicant, form={"contact_mobile": "13800000009"}, calendar=calendar)
    perform_action(session, case, officer, "recommend_approve", calendar=calendar)
    perform_action(session, case, supervisor, "return_for_review", calendar=calendar, public_note="补充核查")
    session.commit()
    assert len(notifications_of(session, applicant)) == before
    assert notifications_of(session, officer) == []  # claiming is the officer's own doing


def test_an_assignment_is_pushed_to_the_officer(session, calendar, people):
    officer, supervisor = people["officer"], people["supervisor"]
    register_device(session, officer, token="officer-phone", platform="android", language="en")
    waiting = new_case(session, calendar, people["applicant"], now=at(2026, 12, 1))
    assign_case(session, waiting, supervisor, officer)
    accepted = new_case(session, calendar, people["applicant"], now=at(2026, 12, 1))
    perform_action(session, accepted, supervisor, "accept", calendar=calendar, now=at(2026, 12, 1))
    assign_case(session, accepted, supervisor, officer)
    session.commit()

    to_accept, with_deadline = notifications_of(session, officer)
    assert to_accept.event == "case_assigned_to_accept" and to_accept.case_no == waiting.case_no
    assert with_deadline.event == "case_assigned"
    assert f"{accepted.due_date.year}年{accepted.due_date.month}月{accepted.due_date.day}日" in with_deadline.body
    push = deliveries_of(session, with_deadline)["officer-phone"]
    assert accepted.due_date.isoformat() in push.body and push.title == "New case assigned"


def test_a_rectification_reply_reaches_the_applicant(session, calendar, people):
    case = new_case(session, calendar, people["applicant"])
    perform_action(session, case, people["officer"], "accept", calendar=calendar)
    perform_action(session, case, people["officer"], "approve", calendar=calendar)
    rating = rate_case(session, case, people["applicant"], level=1, comment="等太久", calendar=calendar)
    session.commit()
    close_rectification(session, rating.rectification, people["supervisor"], reply="已优化预约流程，感谢监督。")
    session.commit()

    reply = notifications_of(session, people["applicant"])[-1]
    assert reply.event == "rectification_replied" and "已优化预约流程" in reply.body
    assert "improved" in deliveries_of(session, reply)["tablet-en"].body


def test_a_rolled_back_action_leaves_neither_event_nor_notification(session, calendar, people):
    case = new_case(session, calendar, people["applicant"])
    session.commit()
    events_before = session.scalar(select(func.count(CaseEvent.id)))
    notifications_before = len(notifications_of(session, people["applicant"]))

    session.begin_nested()  # this test owns the unit of work: the action joins it instead of committing
    perform_action(session, case, people["officer"], "accept", calendar=calendar)  # flushed: rows exist now
    assert session.scalar(select(func.count(Delivery.id)).join(Notification)
                          .where(Notification.event == "case_accepted")) == 2
    session.rollback()

    assert session.scalar(select(func.count(CaseEvent.id))) == events_before
    assert len(notifications_of(session, people["applicant"])) == notifications_before
    assert session.scalar(select(func.count(Delivery.id)).join(Notification)
                          .where(Notification.event == "case_accepted")) == 0


def test_every_session_carries_the_outbox_not_only_the_apps(app, session, calendar, people):
    bare = sessionmaker(bind=app.extensions["yiwang.engine"])()  # e.g. a one-off script's own session
    try:
        applicant = bare.get(type(people["applicant"]), people["applicant"].id)
        officer = bare.get(type(people["officer"]), people["officer"].id)
        case = new_case(bare, calendar, applicant)
        perform_action(bare, case, officer, "accept", calendar=calendar)
        bare.commit()
    finally:
        bare.close()
    assert [n.event for n in notifications_of(session, people["applicant"])] == ["case_submitted", "case_accepted"]


def test_commits_that_queue_deliveries_wake_the_dispatcher(session, calendar, people):
    wakes = []

    def wake():
        wakes.append(1)

    outbox.add_wake_hook(wake)
    try:
        case = new_case(session, calendar, people["applicant"])
        session.commit()
        assert wakes == [1]
        session.begin_nested()  # the test owns this unit: the action joins it, then it is rolled back
        perform_action(session, case, people["officer"], "accept", calendar=calendar)
        session.rollback()
        session.commit()  # nothing was queued in this transaction
        assert wakes == [1]
        session.execute(select(Device.id))
        session.commit()
        assert wakes == [1]
    finally:
        outbox.remove_wake_hook(wake)
