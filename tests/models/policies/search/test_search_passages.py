from models.policies.search.passages import MAX_CHARS, MIN_CHARS, split_document

GOALS = ("第六节我国电子公共服务的现状和发展", "三、电子公共服务的发展", "（一）、发展目标")


def _passage_with(passages, text):
    found = [p for p in passages if text in p.text]
    assert len(found) == 1, f"{text!r} in {len(found)} passages"
    return found[0]


def test_seed_passages_keep_their_heading_paths(seed_passages):
    goals = _passage_with(seed_passages, "力争到2010年底前")
    assert goals.heading_path == GOALS
    assert goals.heading == "第六节我国电子公共服务的现状和发展 › 三、电子公共服务的发展 › （一）、发展目标"
    assert _passage_with(seed_passages, "金税工程首先做出").heading_path[:2] == (
        "第一节电子政务概述",
        "二、电子政务的产生和发展",
    )
    assert _passage_with(seed_passages, "公众满意为决策").heading_path == (
        "第三节政府管理",
        "二、电子政务对政府管理的影响",
        "1、电子政务对政府决策的影响",
    )


def test_short_title_lines_become_soft_headings(seed_passages):
    layers = _passage_with(seed_passages, "第一层，它必须利用信息技术")
    assert layers.heading_path == ("第一节电子政务概述", "一、概念", "电子政务的三层基本含义")


def test_numbered_list_items_are_content_not_headings(seed_passages):
    business = _passage_with(seed_passages, "2.电子税务")
    assert business.heading_path[-1] == "(二)政府对企业的电子政务"
    assert "1.电子采购与招标" in business.text and "5.中小企业电子服务" in business.text
    services = _passage_with(seed_passages, "（7）呼叫中心")
    assert services.heading_path[-1] == "3、开展了种类繁多的电子公共服务"


def test_every_line_of_the_seed_is_in_exactly_one_passage_or_heading(seed_text, seed_passages):
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()][1:]
    texts = "\n".join(p.text for p in seed_passages)
    headings = {h for p in seed_passages for h in p.heading_path}
    for line in lines:
        assert line in headings or texts.count(line) >= 1, line
    assert sum(len(p.text) for p in seed_passages) <= sum(len(line) + 1 for line in lines)


def test_passage_sizes(seed_passages):
    assert all(len(p.text) <= MAX_CHARS for p in seed_passages)
    for short in (p for p in seed_passages if len(p.text) < MIN_CHARS):
        same_heading = [p for p in seed_passages if p.heading_path == short.heading_path]
        assert same_heading == [short], "a short passage is merged when it has a neighbour"


def test_title_line_is_dropped(seed_passages):
    assert all(p.text != "电子政务与公共服务" for p in seed_passages)
    assert seed_passages[0].text.startswith("电子政务是在引进国外政府信息化概念")


def test_markdown_headings_and_articles():
    body = "\n".join([
        "# 某市居住证管理办法",
        "## 第一章 总则",
        "第一条 为了规范居住证管理，制定本办法。",
        "第二条 本办法适用于本市行政区域内居住证的申领、签注和管理工作。",
        "## 第二章 申领",
        "申领居住证应当提交下列材料：",
        "- 居民身份证；",
        "- 住所证明。",
    ])
    passages = split_document(body, title="某市居住证管理办法")
    assert [p.heading_path for p in passages] == [
        ("第一章 总则", "第一条"),
        ("第一章 总则", "第二条"),
        ("第二章 申领",),
    ]
    assert passages[0].text == "为了规范居住证管理，制定本办法。"
    assert "住所证明" in passages[2].text


def test_long_paragraphs_are_cut_at_sentence_ends_into_even_pieces():
    sentence = "政务服务事项应当在政务服务平台公开办事指南并及时更新相关内容。"
    body = "一、总体要求\n" + sentence * 50
    passages = split_document(body)
    assert len(passages) == 3
    assert all(p.text.endswith("。") and len(p.text) <= MAX_CHARS for p in passages)
    assert max(len(p.text) for p in passages) - min(len(p.text) for p in passages) <= len(sentence)
    assert "".join(p.text for p in passages) == sentence * 50
    assert all(p.heading_path == ("一、总体要求",) for p in passages)
