import numpy as np
from conftest import BOT_DIR
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.e5_featurizer import E5SentenceFeaturizer
from components.jieba_tokenizer import CleanJiebaTokenizer


def tokens(text: str) -> list[str]:
    tokenizer = CleanJiebaTokenizer(CleanJiebaTokenizer.get_default_config(), None, None)
    return [token.text for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_whitespace_is_not_a_token():
    assert tokens("how do I renew my ID card") == ["how", "do", "I", "renew", "my", "ID", "card"]
    assert " " not in tokens("我的 ID card 到期了")


def test_the_user_dictionary_keeps_catalogue_names_whole():
    CleanJiebaTokenizer._load_custom_dictionary(str(BOT_DIR / "dictionary"))

    assert "个体工商户设立登记" in tokens("办个体工商户设立登记要多久")
    assert "一网通办" in tokens("一网通办能查进度吗")


def test_e5_adds_one_normalised_sentence_vector_per_message():
    featurizer = E5SentenceFeaturizer("e5", {**E5SentenceFeaturizer.get_default_config(), "batch_size": 2})
    texts = ("营业执照要带什么材料", "办执照需要准备哪些东西", "今天天气怎么样")
    messages = [Message(data={TEXT: text}) for text in texts]

    featurizer.process(messages)

    vectors = []
    for message in messages:
        sequence, sentence = message.get_dense_features(TEXT)
        assert sequence is None
        assert sentence.features.shape == (1, 384)
        vectors.append(sentence.features[0])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Two phrasings of one question are closer to each other than to small talk.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_e5_featurizes_training_examples_but_not_empty_ones():
    featurizer = E5SentenceFeaturizer("e5", E5SentenceFeaturizer.get_default_config())
    data = TrainingData([Message(data={TEXT: "你好", "intent": "greet"}), Message(data={"intent": "greet"})])

    featurizer.process_training_data(data)

    assert data.training_examples[0].get_dense_features(TEXT)[1].features.shape == (1, 384)
    assert data.training_examples[1].features == []
