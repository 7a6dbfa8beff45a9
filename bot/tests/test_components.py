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


def train_svm(tmp_path, name):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from components.seeded_svm import SeededSklearnIntentClassifier

    config = {**SeededSklearnIntentClassifier.get_default_config(), "C": [1, 10], "gamma": [1], "kernels": ["rbf"]}
    (tmp_path / name).mkdir()
    classifier = SeededSklearnIntentClassifier.create(
        config, LocalModelStorage(tmp_path / name), Resource(name), ExecutionContext(GraphSchema({}), name))
    texts = ["你好", "您好", "嗨", "hello", "hi", "再见", "拜拜", "bye", "see you", "回头见",
             "谢谢", "多谢", "thanks", "thank you", "感谢"]
    intents = ["greet"] * 5 + ["goodbye"] * 5 + ["thanks"] * 5
    data = TrainingData([Message(data={TEXT: t, "intent": i}) for t, i in zip(texts, intents, strict=True)])
    E5SentenceFeaturizer("e5", E5SentenceFeaturizer.get_default_config()).process_training_data(data)
    classifier.train(data)
    probe = [Message(data={TEXT: "哈喽"})]
    E5SentenceFeaturizer("e5", E5SentenceFeaturizer.get_default_config()).process(probe)
    classifier.process(probe)
    return probe[0].get("intent_ranking")


def test_the_seeded_svm_gives_the_same_confidences_on_every_training(tmp_path):
    first, second = train_svm(tmp_path, "one"), train_svm(tmp_path, "two")

    assert first == second
    assert first[0]["name"] == "greet"
