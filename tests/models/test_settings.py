"""Settings: read from the environment in one place, each documented variable a typed field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from models.settings import NAMES, ConfigError, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_OURS = {"RASA_SERVERS", "REDIS_LOCK_URL", "OMP_NUM_THREADS"}  # read by scripts/run.sh and by the BLAS library


def test_every_variable_of_the_readme_table_is_read():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Configuration"):text.index("## Layout")]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)} - NOT_OURS
    assert len(documented) > 20
    assert documented - NAMES == set()


def test_values_are_typed_and_paths_follow_the_instance_folder(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "PAGE_SIZE": "7", "DEADLINE_SCAN_AT": "07:05"},
                             environ={"NOTIFY_BACKOFF_BASE": "2.5", "LOG_LEVEL": ""})
    assert settings.PAGE_SIZE == 7 and settings.NOTIFY_BACKOFF_BASE == 2.5
    assert dt.time(7, 5) == settings.DEADLINE_SCAN_AT and settings.LOG_LEVEL == "INFO"  # empty counts as unset
    assert f"sqlite:///{tmp_path / 'yiwang.db'}" == settings.DATABASE_URL
    assert str(tmp_path / "uploads") == settings.UPLOAD_FOLDER


@pytest.mark.parametrize(("name", "value"), [("PAGE_SIZE", "twenty"), ("FCM_HTTP_TIMEOUT", "soon"),
                                             ("DEADLINE_SCAN_AT", "half past eight"), ("DISPATCHER", "pigeon")])
def test_a_malformed_value_is_refused_by_name(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={name: value})
