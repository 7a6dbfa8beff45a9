"""Keyword search over the service catalogue with the same text analysis as policy search.

"办营业执照" finds 企业设立登记 because the analysis segments the query and expands its synonyms;
English queries match the English names and keywords. The catalogue is small (hundreds of services),
so each query scores every matching service's terms, which are computed once per guide version.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from models.catalogue.service import Service
from models.policies.search import TextAnalyzer, default_analyzer

# Where a term occurs says how much it tells: a name outweighs a keyword, which outweighs the summary.
FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.0, "summary": 1.0}
# Results scoring under this share of the best one are noise: "driving licence" should not list every
# service whose keywords mention some licence.
RELATIVE_CUT = 0.5


@lru_cache(maxsize=4096)
def _terms(version_id: int, texts: tuple[tuple[str, str], ...], analyzer: TextAnalyzer) -> dict[str, float]:
    weights: Counter[str] = Counter()
    for field, text in texts:
        for term in set(analyzer.terms(text)):
            weights[term] = max(weights[term], FIELD_WEIGHTS[field])
    return dict(weights)


def _texts(service: Service) -> tuple[tuple[str, str], ...]:
    guide = service.guide
    keywords = guide.get("keywords", {})
    return (
        ("name", guide["name"]["zh"]), ("name", guide["name"].get("en") or ""),
        ("keywords", " ".join(keywords.get("zh", []))), ("keywords", " ".join(keywords.get("en", []))),
        ("summary", guide["summary"]["zh"]), ("summary", guide["summary"].get("en") or ""),
        ("name", service.code),
    )


def rank_services(services: list[Service], query: str, analyzer: TextAnalyzer | None = None) -> list[Service]:
    """The services that match the query, best first (ties by code); none when nothing matches."""
    analyzer = analyzer or default_analyzer()
    wanted = analyzer.query_terms(query)
    if not wanted:
        return []
    scored = []
    for service in services:
        terms = _terms(service.current_version_id, _texts(service), analyzer)
        score = sum(weight * terms.get(term, 0.0) for term, weight in wanted.items())
        if score > 0:
            scored.append((-score, service.code, service))
    if not scored:
        return []
    scored.sort(key=lambda item: item[:2])
    floor = -scored[0][0] * RELATIVE_CUT
    return [service for negative, _, service in scored if -negative >= floor]
