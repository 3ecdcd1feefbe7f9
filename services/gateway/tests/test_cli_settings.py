"""A setting the platform cannot start with is named on stderr, without a Python traceback."""

from __future__ import annotations

import pytest
from warmflow_gateway.cli import main


def test_production_without_its_secrets_says_which_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("WARMFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WARMFLOW_ENVIRONMENT", "production")
    monkeypatch.delenv("WARMFLOW_PII_KEY", raising=False)
    assert main(["run", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "WARMFLOW_PII_KEY" in err and "Traceback" not in err


def test_an_out_of_range_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("WARMFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WARMFLOW_RATE_LIMIT_BURST", "0")
    assert main(["run", "--port", "1"]) == 2
    assert "rate_limit_burst" in capsys.readouterr().err
