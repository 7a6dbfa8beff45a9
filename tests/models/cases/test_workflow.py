"""The workflow table in action: every allowed step works, every other action and role is refused,
separation of duties holds, assignment is recorded, and a lost concurrent update is undone as 412."""

from __future__ import annotations

import itertools
import re
from collections import deque

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models.accounts.user import Role, User
from models.cases.case import DECIDED_CASES, OPEN_CASES, Case, CaseEvent
from models.cases.casework import (
    allowed_actions,
    assign_case,
    claim_case,
    perform_action,
    resubmit_case,
)
from models.cases.workflow import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    STATES,
    TRANSITIONS,
    Stages,
    Status,
    find_transition,
)
from models.errors import Conflict, Forbidden, InvalidTransition, PreconditionFailed, ValidationFailed
from tests.factories import SINGLE_STAGE, TWO_STAGE, at, new_case, person

ALL_ACTIONS = sorted({t.action for t in TRANSITIONS})


def notes_for(action: str, two_stage: bool, status: Status) -> dict:
    """What an action needs besides its actor: a reason or the missing materials, per the table."""
    transition = find_transition(action, status, two_stage)
    extra = {}
    if transition and transition.needs_reason:
        extra["public_note"] = "理由：材料不符合要求。"
    if transition and transition.needs_missing_materials:
        extra["missing_materials"] = ["经营场所使用证明"]
    return extra


def path_to(status: Status, two_stage: bool) -> list[str]:
    """The shortest sequence of actions from submission to ``status``, found in the table itself."""
    stage = Stages.TWO if two_stage else Stages.SINGLE
    queue, seen = deque([(Status.SUBMITTED, [])]), {Status.SUBMITTED}
    while queue:
        current, actions = queue.popleft()
        if current is status:
            return actions
        for t in TRANSITIONS:
            if t.source is current and t.stages in (Stages.ANY, stage) and t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*actions, t.action]))
    raise LookupError(status)


def reachable(two_stage: bool) -> list[Status]:
    statuses = []
    for status in Status:
        try:
            path_to(status, two_stage)
        except LookupError:
            continue
        statuses.append(status)
    return statuses


class Cast:
    """Everyone who might try an action: the applicant, staff of the department and outsiders."""

    def __init__(self, session):
        self.applicant = person(session, "citizen")
        self.other_citizen = person(session, "citizen")
        self.officer = person(session, "officer")
        self.second_officer = person(session, "officer")
        self.supervisor = person(session, "supervisor")
        self.foreign_officer = person(session, "officer", "JYJ")
        self.foreign_supervisor = person(session, "supervisor", "JYJ")
        self.admin = person(session, "admin", None)

    def actor_for(self, transition) -> User:
        if Role.CITIZEN in transition.roles:
            return self.applicant
        return self.officer if Role.OFFICER in transition.roles else self.supervisor


def case_in(session, calendar, cast: Cast, status: Status, two_stage: bool) -> Case:
    case = new_case(session, calendar, cast.applicant, TWO_STAGE if two_stage else SINGLE_STAGE)
    for action in path_to(status, two_stage):
        current = Status(case.status)
        transition = find_transition(action, current, two_stage)
        perform_action(session, case, cast.actor_for(transition), action, calendar=calendar,
                       **notes_for(action, two_stage, current))
    assert case.status == status.value
    return case


STATUS_STAGE = [(s, two) for two in (False, True) for s in reachable(two)]


def test_every_status_is_reachable_in_some_workflow():
    assert {s for s, _ in STATUS_STAGE} == set(Status)
    assert Status.PENDING_DECISION not in reachable(False)


@pytest.mark.parametrize(("status", "two_stage"), STATUS_STAGE, ids=[f"{s.value}-{'two' if t else 'single'}"
                                                                      for s, t in STATUS_STAGE])
def test_each_action_and_role_is_allowed_exactly_as_the_table_says(session, calendar, status, two_stage):
    cast = Cast(session)
    case = case_in(session, calendar, cast, status, two_stage)
    people = {Role.CITIZEN: cast.applicant, Role.OFFICER: cast.officer, Role.SUPERVISOR: cast.supervisor,
              Role.ADMIN: cast.admin}
    checked = 0
    for action, (role, actor) in itertools.product(ALL_ACTIONS, people.items()):
        transition = find_transition(action, status, two_stage)
        allowed = transition is not None and role in transition.roles
        assert (action in allowed_actions(case, actor)) is allowed, (action, role)
        extra = notes_for(action, two_stage, status)
        if transition is None:
            with pytest.raises(InvalidTransition):
                perform_action(session, case, actor, action, calendar=calendar, **extra)
        elif not allowed:
            with pytest.raises(Forbidden):
                perform_action(session, case, actor, action, calendar=calendar, **extra)
        else:
            with session.begin_nested() as savepoint:
                event = perform_action(session, case, actor, action, calendar=calendar, **extra)
                assert (event.from_status, event.to_status) == (status.value, transition.target.value)
                savepoint.rollback()
        assert case.status == status.value
        checked += 1
    assert checked == len(ALL_ACTIONS) * len(people)
    assert [e.action for e in case.events] == ["submit", *path_to(status, two_stage)]


@pytest.mark.parametrize(("status", "two_stage"), [(s, t) for s, t in STATUS_STAGE if not STATES[s].final])
def test_outsiders_can_never_act(session, calendar, status, two_stage):
    cast = Cast(session)
    case = case_in(session, calendar, cast, status, two_stage)
    for transition in TRANSITIONS:
        if transition.source is not status or transition.stages not in (Stages.ANY, Stages.TWO if two_stage
                                                                          else Stages.SINGLE):
            continue
        for outsider in (cast.other_citizen, cast.foreign_officer, cast.foreign_supervisor):
            assert transition.action not in allowed_actions(case, outsider)
            with pytest.raises(Forbidden):
                perform_action(session, case, outsider, transition.action, calendar=calendar,
                               **notes_for(transition.action, two_stage, status))


def test_an_officer_cannot_act_on_a_colleagues_case(session, calendar):
    cast = Cast(session)
    case = case_in(session, calendar, cast, Status.ACCEPTED, False)
    assert case.assigned_to_id == cast.officer.id  # the officer who accepted it holds it
    assert allowed_actions(case, cast.second_officer) == []
    with pytest.raises(Forbidden):
        perform_action(session, case, cast.second_officer, "approve", calendar=calendar)
    assert "approve" in allowed_actions(case, cast.supervisor)


def test_reasons_and_missing_materials_are_required(session, calendar):
    cast = Cast(session)
    case = case_in(session, calendar, cast, Status.SUBMITTED, False)
    with pytest.raises(ValidationFailed) as refused:
        perform_action(session, case, cast.officer, "not_accept", calendar=calendar, public_note="  ")
    assert set(refused.value.errors) == {"public_note"}
    perform_action(session, case, cast.officer, "accept", calendar=calendar)
    with pytest.raises(ValidationFailed) as refused:
        perform_action(session, case, cast.officer, "request_supplement", calendar=calendar, missing_materials=[])
    assert set(refused.value.errors) == {"missing_materials"}


def test_single_stage_happy_path_keeps_every_step(session, calendar):
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant, now=at(2026, 9, 21, 9))
    perform_action(session, case, cast.officer, "accept", calendar=calendar, now=at(2026, 9, 21, 15),
                   public_note="已受理", internal_note="材料齐全")
    perform_action(session, case, cast.officer, "request_supplement", calendar=calendar, now=at(2026, 9, 22),
                   missing_materials=["经营场所使用证明"], public_note="请补交")
    resubmit_case(session, case, cast.applicant, form={"employee_count": 3}, calendar=calendar,
                  now=at(2026, 9, 24))
    perform_action(session, case, cast.officer, "approve", calendar=calendar, now=at(2026, 9, 28))
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert [(e.action, e.from_status, e.to_status, e.actor_role) for e in events] == [
        ("submit", None, "submitted", "citizen"),
        ("accept", "submitted", "accepted", "officer"),
        ("request_supplement", "accepted", "supplement_requested", "officer"),
        ("resubmit", "supplement_requested", "accepted", "citizen"),
        ("approve", "accepted", "approved", "officer"),
    ]
    assert events[1].internal_note == "材料齐全" and events[2].data == {"missing_materials": ["经营场所使用证明"]}
    assert events[3].data["changes"] == {"employee_count": {"from": 2, "to": 3}}
    assert case.form["employee_count"] == 3 and case.closed_at == at(2026, 9, 28)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]


def test_two_stage_happy_path_with_a_return_for_review(session, calendar):
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant, TWO_STAGE)
    perform_action(session, case, cast.officer, "accept", calendar=calendar)
    assert "approve" not in allowed_actions(case, cast.officer)
    perform_action(session, case, cast.officer, "recommend_approve", calendar=calendar, internal_note="建议准予")
    assert case.status == "pending_decision" and case.recommended_by_id == cast.officer.id
    assert allowed_actions(case, cast.officer) == []
    perform_action(session, case, cast.supervisor, "return_for_review", calendar=calendar,
                   public_note="经营范围表述需规范")
    perform_action(session, case, cast.officer, "recommend_reject", calendar=calendar, public_note="不符合条件")
    perform_action(session, case, cast.supervisor, "reject", calendar=calendar, public_note="不予登记")
    assert [e.action for e in case.events] == [
        "submit", "accept", "recommend_approve", "return_for_review", "recommend_reject", "reject"]
    assert case.status == "rejected"


def test_the_recommender_can_never_decide(session, calendar):
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant, TWO_STAGE)
    perform_action(session, case, cast.supervisor, "accept", calendar=calendar)
    perform_action(session, case, cast.supervisor, "recommend_approve", calendar=calendar)
    assert allowed_actions(case, cast.supervisor) == []
    for action in ("approve", "reject", "return_for_review"):
        with pytest.raises(Forbidden) as refused:
            perform_action(session, case, cast.supervisor, action, calendar=calendar, public_note="理由")
        assert "recommended" in refused.value.message
    other = person(session, "supervisor")
    assert allowed_actions(case, other) == ["approve", "reject", "return_for_review"]
    perform_action(session, case, other, "approve", calendar=calendar)
    assert case.status == "approved"


def test_claim_and_assign_are_recorded_without_a_status_change(session, calendar):
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant)
    event = claim_case(session, case, cast.officer)
    assert (event.action, event.from_status, event.to_status) == ("claim", "submitted", "submitted")
    assert claim_case(session, case, cast.officer) is None  # already mine: nothing new
    with pytest.raises(Conflict):
        claim_case(session, case, cast.second_officer)
    event = assign_case(session, case, cast.supervisor, cast.second_officer, internal_note="就近办理")
    assert event.data == {"assigned_to": cast.second_officer.id, "previous_assignee": cast.officer.id}
    assert event.internal_note == "就近办理" and case.assigned_to_id == cast.second_officer.id
    assert [e.action for e in case.events] == ["submit", "claim", "assign"]
    assert allowed_actions(case, cast.officer) == []
    assert "accept" in allowed_actions(case, cast.second_officer)


def test_assignment_rules(session, calendar):
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant)
    with pytest.raises(Forbidden):
        assign_case(session, case, cast.officer, cast.second_officer)
    with pytest.raises(Forbidden):
        assign_case(session, case, cast.foreign_supervisor, cast.foreign_officer)
    for wrong in (cast.foreign_officer, cast.applicant, cast.admin, None):
        with pytest.raises(ValidationFailed):
            assign_case(session, case, cast.supervisor, wrong)
    for outsider in (cast.foreign_officer, cast.applicant, cast.admin):
        with pytest.raises(Forbidden):
            claim_case(session, case, outsider)
    with pytest.raises(PreconditionFailed):
        claim_case(session, case, cast.officer, expected_version=case.version - 1)
    perform_action(session, case, cast.officer, "not_accept", calendar=calendar, public_note="不属于本部门职责")
    with pytest.raises(Conflict):
        assign_case(session, case, cast.supervisor, cast.second_officer)


def test_resubmission_rules(session, calendar):
    cast = Cast(session)
    case = case_in(session, calendar, cast, Status.ACCEPTED, False)
    with pytest.raises(InvalidTransition):
        resubmit_case(session, case, cast.applicant, form={"employee_count": 3}, calendar=calendar)
    perform_action(session, case, cast.officer, "request_supplement", calendar=calendar, missing_materials=["x"])
    with pytest.raises(ValidationFailed) as refused:
        resubmit_case(session, case, cast.applicant, form={"employee_count": "many", "nope": 1}, calendar=calendar)
    assert set(refused.value.errors) == {"form.employee_count", "form.nope"}
    with pytest.raises(ValidationFailed) as refused:
        resubmit_case(session, case, cast.applicant, form={"employee_count": 2}, calendar=calendar)
    assert set(refused.value.errors) == {"form"}  # nothing changed and no new file
    with pytest.raises(ValidationFailed) as refused:
        resubmit_case(session, case, cast.applicant, attachment_ids=[12345], calendar=calendar)
    assert set(refused.value.errors) == {"attachment_ids"}
    with pytest.raises(Forbidden):
        resubmit_case(session, case, cast.other_citizen, form={"employee_count": 3}, calendar=calendar)
    assert case.status == "supplement_requested" and case.form["employee_count"] == 2


def test_a_lost_concurrent_update_undoes_the_whole_unit_of_work(app, session, calendar):
    """Two sessions read the same version; the second to write finds the version moved on (StaleDataError,
    which the API answers with 412: tests/api/test_conventions.py) and nothing of its step is kept."""
    cast = Cast(session)
    case = new_case(session, calendar, cast.applicant)
    session.commit()
    sessions = app.extensions["yiwang.sessions"]
    with sessions() as late:
        stale = late.get(Case, case.id)
        stale_officer = late.get(User, cast.second_officer.id)
        late.commit()  # ends the read transaction (SQLite would otherwise hold its write lock)
        perform_action(session, case, cast.officer, "accept", calendar=calendar)
        session.commit()
        with pytest.raises(StaleDataError):
            perform_action(late, stale, stale_officer, "not_accept", calendar=calendar, public_note="重复")
        assert not late.in_transaction()
    session.expire_all()
    assert case.status == "accepted"
    assert [e.action for e in case.events] == ["submit", "accept"]


@pytest.mark.parametrize(("predicate", "statuses"), [(OPEN_CASES, OPEN_STATUSES), (DECIDED_CASES, DECIDED_STATUSES)])
def test_partial_indexes_cover_exactly_the_workflows_status_groups(predicate, statuses):
    """ix_cases_open_inbox and ix_cases_decided_by_department name their statuses in SQL; a status added to
    the workflow table must reach them (and a migration), or the inbox and the stats lose their index."""
    assert set(re.findall(r"'([a-z_]+)'", predicate.text)) == {s.value for s in statuses}
