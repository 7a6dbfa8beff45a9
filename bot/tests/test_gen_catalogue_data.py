import json

import yaml
from conftest import BOT_DIR

from scripts import gen_catalogue_data as gen

SMALL = {
    "departments": [{"code": "SCJG", "name": {"zh": "示范市市场监督管理局", "en": "Market Regulation"}}],
    "services": [
        {"code": "YW-SCJG-001", "name": {"zh": "企业设立登记", "en": "Business registration"},
         "keywords": {"zh": ["营业执照", "执照"], "en": ["business licence", "Licence"]}},
        {"code": "YW-SCJG-003", "name": {"zh": "个体工商户设立登记", "en": "Sole trader registration"},
         "keywords": {"zh": ["个体户", "执照"], "en": ["licence"]}},
    ],
}


def test_committed_files_match_the_catalogue():
    """Regenerating from models/demo_data/catalogue.json gives exactly the committed files."""
    catalogue = json.loads(gen.DEFAULT_CATALOGUE.read_text(encoding="utf-8"))

    for path, text in gen.outputs(catalogue).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run scripts/gen_catalogue_data.py"


def test_check_mode_reports_up_to_date_files():
    assert gen.main(["--check"]) == 0


def test_lookup_is_longest_first_and_shared_keywords_get_no_synonym():
    nlu = yaml.safe_load(gen.render_nlu(SMALL))["nlu"]

    lookup = nlu[0]["examples"].splitlines()
    assert nlu[0]["lookup"] == "service"
    assert lookup[0] == "- Sole trader registration"
    assert lookup.index("- 个体工商户设立登记") < lookup.index("- 营业执照") < lookup.index("- 执照")
    synonyms = {block["synonym"]: block["examples"].splitlines() for block in nlu[1:]}
    assert synonyms["YW-SCJG-001"] == ["- Business registration", "- business licence", "- 企业设立登记", "- 营业执照"]
    assert synonyms["YW-SCJG-003"] == ["- Sole trader registration", "- 个体工商户设立登记", "- 个体户"]


def test_jieba_dictionary_holds_chinese_names_keywords_and_departments():
    lines = gen.render_dictionary(SMALL).splitlines()

    assert lines == [f"{word} 2000 nz" for word in
                     sorted(["企业设立登记", "营业执照", "执照", "个体工商户设立登记", "个体户", "示范市市场监督管理局"])]


def test_generated_nlu_is_loaded_by_rasa():
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(BOT_DIR / "data" / "nlu" / "generated_services.yml"))

    assert data.entity_synonyms["营业执照"] == "YW-SCJG-001"
    assert data.entity_synonyms["business licence"] == "YW-SCJG-001"
    assert data.lookup_tables[0]["name"] == "service"
