"""Rasa's ``SklearnIntentClassifier`` with a fixed seed.

The SVM's probability estimates (Platt scaling) use an internal cross-validation whose folds come from
a random state that Rasa leaves unset, so two trainings on the same data gave different confidences and
could fall on either side of the fallback threshold.
"""

from __future__ import annotations

from typing import Any, Dict, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.sklearn_intent_classifier import SklearnIntentClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SeededSklearnIntentClassifier(SklearnIntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SklearnIntentClassifier.get_default_config(), "random_seed": 7}

    def _create_classifier(self, num_threads: int, y: np.ndarray) -> Any:
        search = super()._create_classifier(num_threads, y)
        search.estimator.set_params(random_state=self.component_config["random_seed"])
        search.verbose = 0
        return search
