"""The development secret is accepted only where the environment is explicitly development or test
(issue #12, item 10)."""

from __future__ import annotations

import pytest

from api import create_app
from models.settings import DEFAULT_SECRET, ConfigError, load_settings

STRONG = "s" * 40


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("APP_ENV", "SECRET_KEY", "DATA_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("DISPATCHER", "off")  # no notification thread for these throwaway apps
    return monkeypatch


@pytest.mark.parametrize("app_env", [None, "production", "staging", "Development"])
def test_the_default_secret_is_refused_unless_the_environment_says_development_or_test(clean_env, app_env):
    if app_env is not None:
        clean_env.setenv("APP_ENV", app_env)
    assert (app_env or "production") == load_settings().APP_ENV  # no APP_ENV means production
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    clean_env.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("app_env", ["development", "test"])
def test_development_and_test_accept_the_development_secret(clean_env, app_env):
    clean_env.setenv("APP_ENV", app_env)
    assert create_app().config["SECRET_KEY"] == DEFAULT_SECRET


def test_a_random_secret_in_the_instance_folder_is_used_when_none_is_set(clean_env, tmp_path):
    (tmp_path / "secret_key").write_text(STRONG + "\n")
    clean_env.setenv("DATA_ENCRYPTION_KEY", "k" * 40)
    app = create_app()  # production by default: the instance secret is strong enough
    assert app.config["SECRET_KEY"] == STRONG
    clean_env.setenv("SECRET_KEY", "e" * 40)
    assert create_app().config["SECRET_KEY"] == "e" * 40  # the environment wins
