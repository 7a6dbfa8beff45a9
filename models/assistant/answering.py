"""The assistant's answer to a free question (检索兜底): a service, choices, a life event, a policy passage,
a hand-over, or an honest "I don't know".

Used when the bot's intent classifier is unsure or the question is out of its scope: the catalogue is
searched by meaning and by keywords, the published policies by the hybrid policy search, and the rules
below pick one outcome. A wrong answer costs more than no answer, so every outcome but abstention needs
evidence from both the words (coverage) and the meaning (e5 margin over everyday off-topic texts).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from models.assistant.evidence import Haystack, needles, share_found
from models.assistant.extraction import Extract, Extractor
from models.assistant.life_events import LifeEvent, LifeEvents, load_life_events
from models.assistant.services import ServiceCandidate, ServiceMeaningIndex
from models.catalogue.service import Service, catalogue_query
from models.policies.policy_search import PolicyHit, PolicySearch
from models.policies.search import Embedder, TextAnalyzer, default_analyzer, default_embedder, normalize
from models.policies.search.analysis import read_list

HANDOVER_TERMS = Path(__file__).parent / "data" / "handover_terms.txt"


class Outcome(enum.StrEnum):
    SERVICE = "service"  # one service answers the question
    CHOICES = "choices"  # a few services are about equally likely: the citizen picks
    LIFE_EVENT = "life_event"  # several services, in order
    POLICY = "policy"  # sentences of a published policy, cited
    HANDOVER = "handover"  # a complaint or a request for a person
    ABSTAIN = "abstain"  # nothing reliable: say where to ask instead


@dataclass(frozen=True)
class Thresholds:
    """Set on the bot's held-out messages and a few dev examples (docs/assistant-quality.md), never on the
    evaluation set. Margins are e5 similarity minus the best similarity to everyday off-topic texts."""

    service_margin: float = 0.065  # a service answers alone only this much closer than off-topic texts ...
    service_coverage: float = 0.5  # ... and when its guide holds this share of the question's words
    close_margin: float = 0.012  # another strong service this close in margin ...
    close_coverage: float = 0.35  # ... and in coverage makes it a choice
    unknown_term_margin: float = 0.09  # the bar when the question names something no guide mentions (社保卡)
    life_event_margin: float = 0.06
    life_event_coverage: float = 0.5
    life_event_lead: float = 0.005  # and it must be about as close as the closest single service
    policy_coverage: float = 0.5  # the top passage holds this share of the question's words ...
    policy_margin: float = 0.08  # ... or one of its sentences is this much closer than off-topic texts
    max_choices: int = 3


@dataclass(frozen=True)
class ServiceRef:
    code: str
    name: dict[str, str]


@dataclass(frozen=True)
class LifeEventStep:
    services: list[ServiceRef]
    note: dict[str, str]


@dataclass(frozen=True)
class PolicyAnswer:
    text: str
    more: str
    policy_id: int
    title: str
    heading_path: list[str]

    @property
    def source(self) -> str:
        """"Title › heading › sub-heading", how the answer is cited."""
        return " › ".join([self.title, *self.heading_path])


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    services: list[ServiceRef] = field(default_factory=list)  # SERVICE: one; CHOICES: several
    life_event: dict[str, str] | None = None  # its name
    steps: list[LifeEventStep] = field(default_factory=list)
    policy: PolicyAnswer | None = None


class Assistant:
    """One per process: holds the guide vectors, the life events and the sentence cache."""

    def __init__(self, policy_search: PolicySearch, *, analyzer: TextAnalyzer | None = None,
                 embedder: Embedder | None = None, cache_dir: str | Path | None = None,
                 thresholds: Thresholds = Thresholds(), life_events: list[LifeEvent] | None = None):
        self.policy_search = policy_search
        self.analyzer = analyzer or default_analyzer()
        self.embedder = embedder or default_embedder()
        self.thresholds = thresholds
        self.services = ServiceMeaningIndex(self.analyzer, self.embedder, cache_dir)
        self.life_events = LifeEvents(load_life_events() if life_events is None else life_events,
                                      self.analyzer, self.embedder)
        self.extractor = Extractor(self.analyzer, self.embedder)
        self._handover_terms = tuple(normalize(t) for t in read_list(HANDOVER_TERMS))

    def warm(self, session: Session) -> None:
        self.services.warm(list(session.scalars(catalogue_query()).unique()))

    def answer(self, session: Session, question: str, *, policy_only: bool = False) -> Answer:
        """The outcome for a free question; ``policy_only`` (a question the bot knows is about policy) skips
        the catalogue and the life events."""
        question = " ".join(question.split())
        if self.wants_a_person(question):
            return Answer(Outcome.HANDOVER)
        # Guides and life events are written in both languages: the question as typed. Policies are Chinese:
        # an English question is embedded with its glossary renderings, as policy search does.
        translated = bool(self.analyzer.translate(question))
        vector = None if policy_only else self.embedder.query(question)
        policy_vector = self.extractor.question_vector(question) if translated or vector is None else vector
        if policy_only:
            return self._policy_answer(session, question, policy_vector)
        catalogue = list(session.scalars(catalogue_query()).unique())
        background = self.services.background(vector)
        by_code = {s.code: s for s in catalogue}
        t = self.thresholds
        candidates = self.services.rank(catalogue, question, vector)
        best_service = max((c.similarity for c in candidates), default=-1.0)

        event = self.life_events.best(question, vector)
        if (event and event.similarity - background >= t.life_event_margin and event.coverage >= t.life_event_coverage
                and event.similarity >= best_service - t.life_event_lead):
            steps = [LifeEventStep([_ref(by_code[c]) for c in step.any_of if c in by_code], step.note)
                     for step in event.event.steps]
            if all(step.services for step in steps):
                return Answer(Outcome.LIFE_EVENT, life_event=event.event.name, steps=steps)

        bar = t.unknown_term_margin if self.services.names_unknown_things(catalogue, question) else t.service_margin
        strong = sorted((c for c in candidates if c.margin >= bar and c.coverage >= t.service_coverage),
                        key=lambda c: -c.margin)
        if strong:
            close = [c for c in strong if strong[0].margin - c.margin <= t.close_margin
                     and strong[0].coverage - c.coverage <= t.close_coverage][: t.max_choices]
            if len(close) == 1:
                return Answer(Outcome.SERVICE, services=[_candidate_ref(close[0])])
            return Answer(Outcome.CHOICES, services=[_candidate_ref(c) for c in close])

        return self._policy_answer(session, question, policy_vector)

    def _policy_answer(self, session: Session, question: str, vector: np.ndarray) -> Answer:
        policy = self._policy(session, question, vector, self.services.background(vector))
        return Answer(Outcome.ABSTAIN) if policy is None else Answer(Outcome.POLICY, policy=policy)

    def wants_a_person(self, question: str) -> bool:
        text = normalize(question)
        return any(term in text for term in self._handover_terms)

    def _policy(self, session: Session, question: str, vector: np.ndarray, background: float) -> PolicyAnswer | None:
        results = self.policy_search.search(session, question, 3, vector=vector)  # embedded as policy search would
        if results.abstained or not results.items:
            return None
        top: PolicyHit = results.items[0]
        covered = share_found(needles(self.analyzer, question, translate=True),
                              Haystack.of(self.analyzer, "\n".join([*top.heading_path, top.text])))
        extract: Extract = self.extractor.extract(question, top.text, vector=vector)
        if not extract.text:
            return None
        closest = float((self.extractor.vectors([s.text for s in extract.sentences]) @ vector).max())
        if covered < self.thresholds.policy_coverage and closest - background < self.thresholds.policy_margin:
            return None
        return PolicyAnswer(extract.text, extract.more, top.policy_id, top.title, list(top.heading_path))


def _ref(service: Service) -> ServiceRef:
    return ServiceRef(service.code, dict(service.guide["name"]))


def _candidate_ref(candidate: ServiceCandidate) -> ServiceRef:
    return ServiceRef(candidate.code, candidate.name)
