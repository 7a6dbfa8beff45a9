"""Jieba tokenizer without whitespace tokens (分词).

Rasa 3.6's ``JiebaTokenizer`` keeps spaces as tokens in English and mixed text (rasa#7910), which adds
noise to the word n-grams and makes English sentences look twice as long as they are.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class CleanJiebaTokenizer(JiebaTokenizer):
    """``JiebaTokenizer`` that drops whitespace-only tokens; the user dictionary handling is inherited."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        return [token for token in super().tokenize(message, attribute) if token.text.strip()]
