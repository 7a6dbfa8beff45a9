from concurrent.futures import ThreadPoolExecutor

import pytest

from models.policies.search.analysis import (
    DATA_DIR,
    GLOSSARY,
    SYNONYM_WEIGHT,
    TRANSLATION_WEIGHT,
    default_analyzer,
    is_english,
    main_renderings,
    normalize,
    read_list,
)

DOMAIN_TERMS = ["政务外网", "政务内网", "金税工程", "一网通办", "电子政务", "一站式服务", "营业执照",
                "企业设立登记", "政府采购", "电子证照", "好差评", "数字鸿沟", "门户网站"]


@pytest.mark.parametrize("term", DOMAIN_TERMS)
def test_dictionary_terms_stay_whole(analyzer, term):
    assert term in analyzer.terms(f"关于推进{term}工作的通知")


def test_long_words_also_yield_their_parts_but_no_chance_overlaps(analyzer):
    terms = analyzer.terms("国家政务外网")
    assert {"国家政务外网", "政务外网", "国家", "政务"} <= set(terms)
    assert "家政" not in terms


def test_full_width_text_is_folded_to_half_width_and_lower_case(analyzer):
    assert normalize("２４小时ＡＢＣ（一）") == "24小时abc(一)"
    assert analyzer.terms("２４小时在线服务") == analyzer.terms("24小时在线服务")
    assert analyzer.terms("ＥＴＣ Business") == ["etc", "business"]


def test_normalisation_keeps_offsets(analyzer):
    text = "在线服务２４小时：ＯＫ"
    assert len(normalize(text)) == len(text)
    for span in analyzer.spans(text):
        assert normalize(text[span.start : span.end]) == span.term


def test_stop_words_and_punctuation_are_dropped(analyzer):
    assert analyzer.terms("请问，怎么办营业执照呢？") == ["营业", "执照", "营业执照"]
    assert analyzer.terms("What is the goal of the extranet?") == ["goal", "extranet"]


def test_english_plurals_match_singulars(analyzer):
    assert analyzer.terms("Business Licences and policies") == ["business", "licence", "policy"]
    assert analyzer.terms("processes taxes approaches") == ["process", "tax", "approach"]


@pytest.mark.parametrize(
    ("query", "synonym"),
    [
        ("怎么办营业执照", "企业设立登记"),
        ("开公司要什么材料", "营业执照"),
        ("how to get a business licence", "营业执照"),
        ("身份证丢了", "居民身份证"),
        ("lost my ID card", "居民身份证"),
        ("驾照换证", "驾驶证"),
        ("driving licence renewal", "驾驶证"),
        ("社保缴费", "社会保险"),
        ("医保报销", "医疗保险"),
        ("个税申报", "个人所得税"),
    ],
)
def test_synonyms_expand_queries_at_a_lower_weight(analyzer, query, synonym):
    weights = analyzer.query_terms(query)
    assert weights[synonym] == SYNONYM_WEIGHT
    assert max(weights.values()) == 1.0


def test_english_synonyms_match_whole_words_only(analyzer):
    assert "税务" not in analyzer.query_terms("taxi fares")
    assert "税务" in analyzer.query_terms("tax office")


def test_service_names_match_colloquial_queries(analyzer):
    """办营业执照 must find the business establishment registration service (企业设立登记)."""
    service = set(analyzer.terms("企业设立登记"))
    assert "企业设立登记" in service & set(analyzer.query_terms("办营业执照"))


def test_the_default_analyzer_is_loaded_once_even_under_concurrent_first_use():
    with ThreadPoolExecutor(max_workers=4) as pool:
        analyzers = list(pool.map(lambda _: default_analyzer(), range(8)))
    assert all(a is analyzers[0] for a in analyzers)


def test_fingerprint_changes_with_the_dictionary(analyzer, tmp_path):
    from models.policies.search.analysis import DATA_DIR, TextAnalyzer

    for name in ("userdict.txt", "stopwords.txt", "synonyms.txt"):
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    assert TextAnalyzer(tmp_path).fingerprint == analyzer.fingerprint
    with open(tmp_path / "userdict.txt", "a", encoding="utf-8") as handle:
        handle.write("跨省通办专窗\n")
    changed = TextAnalyzer(tmp_path)
    assert changed.fingerprint != analyzer.fingerprint
    assert "跨省通办专窗" in changed.terms("设立跨省通办专窗")


# ----- cross-language search: English queries translated with the glossary -----


@pytest.mark.parametrize(
    ("query", "chinese"),
    [
        ("What are the goals of the e-government extranet?", ["电子政务外网", "目标"]),
        ("How can we bridge the digital divide?", ["数字鸿沟"]),
        ("Golden Tax Project", ["金税工程"]),
        ("principles for developing e-public services", ["电子公共服务", "原则"]),
        ("ONE-STOP SERVICES around the clock", ["一站式服务", "24小时"]),
    ],
)
def test_an_english_query_gets_the_chinese_glossary_terms(analyzer, query, chinese):
    weights = analyzer.query_terms(query, translations=analyzer.translate(query))
    for rendering in chinese:
        for term in analyzer.terms(rendering):
            assert weights[term] >= TRANSLATION_WEIGHT, (rendering, term, weights)
    assert all(weights[term] == 1.0 for term in analyzer.terms(query)), "the typed words keep full weight"


def test_translation_weight_stays_below_the_typed_words():
    # own terms (weight 1) decide lexical abstention; translations must not count as typed words
    assert SYNONYM_WEIGHT < TRANSLATION_WEIGHT < 1.0


@pytest.mark.parametrize(
    "query", ["国家政务外网建设目标", "怎么办营业执照", "电子公共服务的特点", "怎么用APP办社保", "数字鸿沟是什么"]
)
def test_a_chinese_query_is_not_translated(analyzer, query):
    assert analyzer.translate(query) == []
    assert main_renderings(analyzer.translate(query)) == ""
    assert analyzer.query_terms(query, translations=analyzer.translate(query)) == analyzer.query_terms(query)


def test_without_translate_english_queries_keep_their_old_terms(analyzer):
    """Service search matches English names directly and does not ask for translations."""
    assert "目标" not in analyzer.query_terms("goals of the extranet")
    assert "目标" in analyzer.query_terms("goals of the extranet", translations=analyzer.translate("goals of the extranet"))


def test_longest_glossary_phrase_wins_and_phrases_do_not_overlap(analyzer):
    found = analyzer.translate("Golden Tax Project and VAT cross-checking")
    assert [t.chinese[0] for t in found] == ["金税工程", "增值税", "交叉稽核"]
    assert found[0].english == ("golden", "tax", "project")
    assert [t.chinese for t in analyzer.translate("Golden Tax Project")] == [("金税工程",)]


def test_e_government_is_not_read_as_government(analyzer):
    assert analyzer.translate("e-government")[0].chinese[0] == "电子政务"
    assert analyzer.translate("eGovernment")[0].chinese[0] == "电子政务"
    assert analyzer.translate("government")[0].chinese[0] == "政府"


def test_main_renderings_are_listed_in_query_order(analyzer):
    assert main_renderings(analyzer.translate("digital divide among older people")) == "数字鸿沟 年龄"


@pytest.mark.parametrize(
    ("text", "english"),
    [("What is e-government?", True), ("how to apply 营业执照", True), ("怎么用APP办社保", False),
     ("电子政务", False), ("12345", False), ("", False)],
)
def test_language_detection(text, english):
    assert is_english(text) is english


def test_every_glossary_entry_parses(analyzer):
    lines = read_list(DATA_DIR / GLOSSARY)
    assert len(lines) >= 300
    for line in lines:
        english, separator, chinese = line.partition(" = ")
        assert separator and english.strip() and chinese.strip(), line
        assert any(analyzer.glossary_words(phrase) for phrase in english.split("|")), line
        assert all(analyzer.terms(term) for term in chinese.split("|")), line
