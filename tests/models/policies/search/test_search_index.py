import json

import numpy as np
import pytest

from models.policies.search import Passage, PassageIndex, StaleIndexError, document_digest
from models.policies.search.analysis import DATA_DIR, TextAnalyzer
from models.policies.search.embedding import DIMENSION
from models.policies.search.snippets import highlight

RESIDENCE = [
    Passage(("第一章 总则", "第一条"), "为了规范居住证管理，保障居住证持有人的合法权益，制定本办法。"),
    Passage(("第二章 申领", "第五条"), "申领居住证应当向居住地公安派出所提交居民身份证、住所证明和近期照片。"),
]
HOUSING = [
    Passage(("一、提取条件",), "职工购买自住住房、退休或者失业的，可以申请提取住房公积金账户内的存储余额。"),
]


@pytest.fixture
def index(seed_index):
    """A small fresh index sharing the session's analyzer and model."""
    return PassageIndex(seed_index.analyzer, seed_index.embedder)


def test_add_search_and_remove(index):
    index.add_document(1, RESIDENCE)
    index.add_document(2, HOUSING)
    result = index.search("办居住证要带什么材料", k=3)
    assert not result.abstained
    assert (result.hits[0].doc_id, result.hits[0].ordinal) == (1, 1)
    assert result.hits[0].heading == "第二章 申领 › 第五条"
    assert index.search("公积金怎么提取").hits[0].doc_id == 2

    assert index.remove_document(2)
    assert not index.remove_document(2)
    assert len(index) == 2
    assert all(hit.doc_id != 2 for hit in index.search("公积金怎么提取", k=5).hits)


def test_replacing_a_document_drops_its_old_text(index):
    index.add_document("p", RESIDENCE)
    changed = [RESIDENCE[0], Passage(RESIDENCE[1].heading_path, "申领居住证需要提交租房合同和户口簿。")]
    index.add_document("p", changed)
    assert len(index) == 2
    hits = index.search("居住证 租房合同", k=5).hits
    assert hits[0].text == changed[1].text
    assert all("近期照片" not in hit.text for hit in hits)


def test_generation_counts_changes_or_follows_the_caller(index):
    assert index.generation == 0
    index.add_document(1, RESIDENCE)
    index.remove_document(1)
    assert index.generation == 2
    index.add_document(1, RESIDENCE, generation=41)
    assert index.generation == 41
    assert index.search("居住证").generation == 41


def test_sync_applies_only_the_differences(index):
    index.add_document(1, RESIDENCE)
    index.add_document(2, HOUSING)
    report = index.sync({1: RESIDENCE, 3: HOUSING}, generation=7)
    assert (report.added, report.updated, report.removed) == ([3], [], [2])
    assert index.documents() == {1: document_digest(RESIDENCE), 3: document_digest(HOUSING)}
    assert index.generation == 7
    report = index.sync({1: RESIDENCE[:1], 3: HOUSING})
    assert (report.added, report.updated, report.removed) == ([], [1], [])


def test_many_updates_compact_the_rows_and_keep_results_right(index):
    index.add_document("keep", HOUSING)
    for round_ in range(6):
        index.add_document("moving", [Passage(("说明",), f"第{round_}版居住证申领说明，提交居民身份证。")])
    assert len(index) == 2
    assert len(index.rows()) <= 4, "tombstones are compacted once they outnumber live rows"
    assert index.search("居住证申领说明").hits[0].text.startswith("第5版")
    assert index.search("住房公积金提取").hits[0].doc_id == "keep"


def test_precomputed_vectors_are_used_and_checked(index):
    vectors = index.embedder.passages([p.search_text for p in HOUSING])
    index.add_document(9, HOUSING, vectors=vectors)
    assert index.search("公积金提取条件").hits[0].doc_id == 9
    with pytest.raises(ValueError):
        index.add_document(10, HOUSING, vectors=np.zeros((2, DIMENSION), np.float32))


def test_snippets_mark_matches_and_escape_html(index):
    index.add_document(1, [Passage(("说明",), "网页中的<script>标签不能执行，营业执照可在线办理。")])
    hit = index.search("营业执照在线办理").hits[0]
    assert "<mark>营业执照</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert hit.text.startswith("网页中的<script>")


def test_save_and_load_round_trip(index, tmp_path):
    index.add_document(1, RESIDENCE, generation=5)
    index.add_document("h", HOUSING, generation=6)
    index.remove_document(1, generation=7)
    index.add_document(1, RESIDENCE, generation=8)
    index.save(tmp_path)
    loaded = PassageIndex.load(tmp_path, index.analyzer, index.embedder)
    assert loaded.generation == 8
    assert loaded.fingerprint == index.fingerprint
    assert loaded.documents() == index.documents()
    for query in ("居住证材料", "公积金提取"):
        expected, got = index.search(query).hits, loaded.search(query).hits
        assert [(h.doc_id, h.ordinal) for h in got] == [(h.doc_id, h.ordinal) for h in expected]
        assert [h.score for h in got] == pytest.approx([h.score for h in expected])
        assert [h.snippet for h in got] == [h.snippet for h in expected]
    loaded.add_document(2, HOUSING)
    assert loaded.fingerprint != index.fingerprint


def test_a_torn_or_tampered_save_is_refused(index, tmp_path):
    index.add_document(1, RESIDENCE)
    index.save(tmp_path)
    vectors = np.load(tmp_path / "vectors.npy")
    np.save(tmp_path / "vectors.npy", vectors[::-1].copy())
    with pytest.raises(StaleIndexError, match="do not match"):
        PassageIndex.load(tmp_path, index.analyzer, index.embedder)

    index.save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    meta["documents"][0]["passages"][0]["text"] = "被改动的文本"
    (tmp_path / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(StaleIndexError):
        PassageIndex.load(tmp_path, index.analyzer, index.embedder)


def test_an_index_built_with_another_dictionary_is_stale(index, tmp_path):
    index.add_document(1, RESIDENCE)
    index.save(tmp_path / "index")
    data = tmp_path / "data"
    data.mkdir()
    for name in ("userdict.txt", "stopwords.txt", "synonyms.txt"):
        (data / name).write_bytes((DATA_DIR / name).read_bytes())
    (data / "userdict.txt").write_text("居住证签注\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="settings"):
        PassageIndex.load(tmp_path / "index", TextAnalyzer(data), index.embedder)
    with pytest.raises(StaleIndexError):
        PassageIndex.load(tmp_path / "missing", index.analyzer, index.embedder)


def test_an_english_query_is_searched_with_its_chinese_translation(seed_index):
    scores = seed_index.scores("How can the digital divide be narrowed?")
    assert scores.translated
    assert not seed_index.scores("如何缩小数字鸿沟").translated
    hit = seed_index.search("How can the digital divide be narrowed?", k=3).hits[0]
    assert "<mark>数字鸿沟</mark>" in hit.snippet


def test_an_empty_index_abstains(index):
    result = index.search("居住证")
    assert result.abstained and result.hits == []


@pytest.mark.parametrize("query", ["今天天气怎么样", "how to cook rice", "推荐几首好听的歌", "best pizza in town"])
def test_off_topic_questions_get_nothing(seed_index, query):
    result = seed_index.search(query)
    assert result.abstained
    assert result.hits == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("国家政务外网建设目标", "力争到2010年底前"),
        ("When should the national government extranet be built?", "国家政务外网"),
        ("金税工程", "增值税的交叉稽核"),
    ],
)
def test_seed_questions_find_their_passage_with_its_heading_path(seed_index, query, expected):
    result = seed_index.search(query, k=3)
    assert not result.abstained
    top = result.hits[0]
    assert expected in top.text
    assert top.heading_path[0].startswith("第")
    assert top.doc_id == "seed-000"
    assert 0 < top.score <= 1


def test_snippets_from_the_indexed_marks_equal_segmenting_the_hit_again(seed_index):
    """Hits are highlighted from the terms found at indexing time: the same marks as analysing them anew."""
    analyzer = seed_index.analyzer
    queries = ["国家政务外网建设目标", "电子政务的概念", "金税工程是什么", "what are the goals of e-government",
               "数字鸿沟怎么解决", "一站式服务门户网站"]
    compared = 0
    for query in queries:
        terms = analyzer.query_terms(query, translations=analyzer.translate(query)).keys()
        for hit in seed_index.search(query, k=5).hits:
            assert hit.snippet == highlight(hit.text, terms, analyzer), (query, hit.heading)
            compared += 1
    assert compared >= 20
    assert sum("<mark>" in hit.snippet for q in queries for hit in seed_index.search(q, k=5).hits) >= 20


def test_marks_follow_their_rows_through_removal_and_compaction(index):
    index.add_document("keep", HOUSING)
    for round_ in range(6):
        index.add_document("moving", [Passage(("说明",), f"第{round_}版居住证申领说明，提交居民身份证。")])
    for query in ("住房公积金提取", "居住证申领说明"):
        terms = index.analyzer.query_terms(query).keys()
        hits = index.search(query).hits
        assert "<mark>" in hits[0].snippet
        assert [hit.snippet for hit in hits] == [highlight(hit.text, terms, index.analyzer) for hit in hits]


def test_a_query_vector_given_by_the_caller_gives_the_same_result(seed_index):
    query = "国家政务外网的建设目标是什么"
    given = seed_index.search(query, 3, vector=seed_index.embedder.query(query))
    assert [(h.doc_id, h.ordinal) for h in given.hits] == [(h.doc_id, h.ordinal) for h in seed_index.search(query, 3).hits]
