"""The case workflow (办件流程) as data: states, actions, who may take them, and the clock.

Everything that decides whether an action is allowed reads these tables; resources and services
never test statuses themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from models.accounts.user import Role


class Status(enum.StrEnum):
    SUBMITTED = "submitted"  # 已提交 (申请)
    ACCEPTED = "accepted"  # 已受理
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补正告知
    PENDING_DECISION = "pending_decision"  # 待决定 (two-stage services)
    APPROVED = "approved"  # 准予
    REJECTED = "rejected"  # 不予
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤回


class Clock(enum.StrEnum):
    """Whether the promised time limit is counting in a state."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    STOPPED = "stopped"  # e.g. waiting for the citizen's supplement
    ENDED = "ended"


@dataclass(frozen=True)
class State:
    clock: Clock
    final: bool
    label: dict[str, str]
    next_step: dict[str, str]


STATES: dict[Status, State] = {
    Status.SUBMITTED: State(
        Clock.NOT_STARTED, False, {"zh": "已提交", "en": "Submitted"},
        {"zh": "等待部门受理，您可以在受理前撤回申请。",
         "en": "Waiting for the department to accept it. You can withdraw it until then."},
    ),
    Status.ACCEPTED: State(
        Clock.RUNNING, False, {"zh": "已受理", "en": "Accepted"},
        {"zh": "部门正在审查，请留意办理进度。", "en": "The department is reviewing it. Watch for updates."},
    ),
    Status.SUPPLEMENT_REQUESTED: State(
        Clock.STOPPED, False, {"zh": "待补正", "en": "More documents needed"},
        {"zh": "请按补正告知补交材料后重新提交，补正期间不计入办理时限。",
         "en": "Send the missing documents and resubmit. The time limit is paused until then."},
    ),
    Status.PENDING_DECISION: State(
        Clock.RUNNING, False, {"zh": "待决定", "en": "Awaiting decision"},
        {"zh": "审查意见已提交，等待负责人决定。", "en": "The review is done; a supervisor will decide."},
    ),
    Status.APPROVED: State(
        Clock.ENDED, True, {"zh": "已办结（准予）", "en": "Approved"},
        {"zh": "办理完成，请按办理结果说明领取或查收，并欢迎评价。",
         "en": "Done. Collect the result as described, and please rate the service."},
    ),
    Status.REJECTED: State(
        Clock.ENDED, True, {"zh": "已办结（不予批准）", "en": "Rejected"},
        {"zh": "申请未获批准，原因见办理意见；如有异议可依法申请复议或咨询。",
         "en": "The application was not approved; see the reason. You may appeal or ask for advice."},
    ),
    Status.NOT_ACCEPTED: State(
        Clock.ENDED, True, {"zh": "不予受理", "en": "Not accepted"},
        {"zh": "申请未被受理，原因见办理意见，您可以修改后重新申请。",
         "en": "The application was not accepted; see the reason. You can apply again."},
    ),
    Status.WITHDRAWN: State(
        Clock.ENDED, True, {"zh": "已撤回", "en": "Withdrawn"},
        {"zh": "申请已撤回。", "en": "You withdrew this application."},
    ),
}

STAFF = frozenset({Role.OFFICER, Role.SUPERVISOR})


class Stages(enum.StrEnum):
    ANY = "any"
    SINGLE = "single"  # the officer decides
    TWO = "two"  # the officer recommends, a supervisor decides


@dataclass(frozen=True)
class Transition:
    action: str
    source: Status
    target: Status
    roles: frozenset[Role]
    stages: Stages = Stages.ANY
    needs_reason: bool = False
    needs_missing_materials: bool = False
    decides_recommendation: bool = False  # separation of duties: not by the recommender


TRANSITIONS: tuple[Transition, ...] = (
    Transition("accept", Status.SUBMITTED, Status.ACCEPTED, STAFF),
    Transition("not_accept", Status.SUBMITTED, Status.NOT_ACCEPTED, STAFF, needs_reason=True),
    Transition("withdraw", Status.SUBMITTED, Status.WITHDRAWN, frozenset({Role.CITIZEN})),
    Transition(
        "request_supplement", Status.ACCEPTED, Status.SUPPLEMENT_REQUESTED, STAFF, needs_missing_materials=True
    ),
    Transition("resubmit", Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED, frozenset({Role.CITIZEN})),
    Transition("approve", Status.ACCEPTED, Status.APPROVED, STAFF, Stages.SINGLE),
    Transition("reject", Status.ACCEPTED, Status.REJECTED, STAFF, Stages.SINGLE, needs_reason=True),
    Transition("recommend_approve", Status.ACCEPTED, Status.PENDING_DECISION, STAFF, Stages.TWO),
    Transition("recommend_reject", Status.ACCEPTED, Status.PENDING_DECISION, STAFF, Stages.TWO, needs_reason=True),
    Transition(
        "approve", Status.PENDING_DECISION, Status.APPROVED, frozenset({Role.SUPERVISOR}), Stages.TWO,
        decides_recommendation=True,
    ),
    Transition(
        "reject", Status.PENDING_DECISION, Status.REJECTED, frozenset({Role.SUPERVISOR}), Stages.TWO,
        needs_reason=True, decides_recommendation=True,
    ),
    Transition(
        "return_for_review", Status.PENDING_DECISION, Status.ACCEPTED, frozenset({Role.SUPERVISOR}), Stages.TWO,
        needs_reason=True, decides_recommendation=True,
    ),
)

ACTION_LABELS: dict[str, dict[str, str]] = {
    "submit": {"zh": "提交申请", "en": "Application submitted"},
    "accept": {"zh": "受理", "en": "Accepted"},
    "not_accept": {"zh": "不予受理", "en": "Not accepted"},
    "withdraw": {"zh": "撤回申请", "en": "Withdrawn"},
    "request_supplement": {"zh": "补正告知", "en": "More documents requested"},
    "resubmit": {"zh": "补正后重新提交", "en": "Resubmitted with documents"},
    "approve": {"zh": "准予许可/办结", "en": "Approved"},
    "reject": {"zh": "不予许可", "en": "Rejected"},
    "recommend_approve": {"zh": "审查意见：建议准予", "en": "Recommended for approval"},
    "recommend_reject": {"zh": "审查意见：建议不予", "en": "Recommended for rejection"},
    "return_for_review": {"zh": "退回重新审查", "en": "Returned for another review"},
}

OPEN_STATUSES = frozenset(s for s, state in STATES.items() if not state.final)
FINAL_STATUSES = frozenset(s for s, state in STATES.items() if state.final)
RUNNING_STATUSES = frozenset(s for s, state in STATES.items() if state.clock is Clock.RUNNING)
# Closed by the department's decision (准予, 不予, 不予受理), not by the citizen: rated, counted as closed.
DECIDED_STATUSES = frozenset(t.target for t in TRANSITIONS if STATES[t.target].final and t.roles & STAFF)
STATUS_FILTERS = {"open": OPEN_STATUSES, "closed": FINAL_STATUSES, "all": frozenset(Status)}


def statuses_matching(name: str) -> list[str]:
    """The status values a list filter names: ``open``, ``closed``, ``all`` or a status of its own."""
    group = STATUS_FILTERS[name] if name in STATUS_FILTERS else {Status(name)}
    return sorted(s.value for s in group)


def find_transition(action: str, status: Status, two_stage: bool) -> Transition | None:
    stage = Stages.TWO if two_stage else Stages.SINGLE
    for transition in TRANSITIONS:
        if transition.action == action and transition.source == status and transition.stages in (Stages.ANY, stage):
            return transition
    return None


def transitions_from(status: Status, two_stage: bool) -> list[Transition]:
    stage = Stages.TWO if two_stage else Stages.SINGLE
    return [t for t in TRANSITIONS if t.source == status and t.stages in (Stages.ANY, stage)]
