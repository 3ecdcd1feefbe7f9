from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from warmflow_shared.auth.cli import main, mint_for, mint_token
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.auth.jwt import Verifier
from warmflow_shared.auth.keys import (
    ensure_key_pair,
    load_private_key,
    load_public_key,
    public_jwk,
)
from warmflow_shared.settings import WarmflowSettings


def test_key_pair_is_made_once_with_a_private_mode(tmp_path: Path) -> None:
    first = ensure_key_pair(tmp_path / "keys")
    private_pem = first.private_path.read_bytes()
    second = ensure_key_pair(tmp_path / "keys")

    assert second.private_path.read_bytes() == private_pem
    assert stat.S_IMODE(first.private_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    leftovers = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert leftovers == ["jwt-signing.pem", "jwt-signing.pub.pem"]


def test_racing_starts_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        pairs = list(pool.map(lambda _: ensure_key_pair(tmp_path), range(16)))

    assert len({p.private_path.read_bytes() for p in pairs}) == 1
    assert len(list(tmp_path.iterdir())) == 2


def test_public_key_matches_the_private_key(tmp_path: Path) -> None:
    pair = ensure_key_pair(tmp_path)

    derived = load_private_key(pair.private_path).public_key()
    assert public_jwk(load_public_key(pair.public_path)) == public_jwk(derived)


def test_a_restart_verifies_tokens_minted_before_it(tmp_path: Path) -> None:
    settings = WarmflowSettings(data_dir=tmp_path)
    token = mint_token("county_admin", "yuexi", ["org-1"], settings=settings)

    restarted = Verifier.from_settings(WarmflowSettings(data_dir=tmp_path))

    assert restarted.verify(token).county == "yuexi"


def test_configured_private_key_path_is_used(tmp_path: Path) -> None:
    pair = ensure_key_pair(tmp_path / "elsewhere")
    settings = WarmflowSettings(
        data_dir=tmp_path / "data",
        jwt_private_key_path=pair.private_path,
        jwt_public_key_path=pair.public_path,
    )

    token = mint_token("ops", settings=settings)

    assert Verifier.from_settings(settings).verify(token).role == "ops"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("name", sorted(DEMO_USERS))
def test_every_demo_user_mints_a_valid_token(tmp_path: Path, name: str) -> None:
    settings = WarmflowSettings(data_dir=tmp_path)
    token = mint_for(DEMO_USERS[name], ttl=timedelta(minutes=1), settings=settings)

    assert Verifier.from_settings(settings).verify(token) == DEMO_USERS[name]


def test_cli_prints_a_token_for_a_demo_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARMFLOW_DATA_DIR", str(tmp_path))

    assert main(["--demo", "yuhang-admin"]) == 0

    token = capsys.readouterr().out.strip()
    principal = Verifier.from_settings(WarmflowSettings()).verify(token)
    assert (principal.role, principal.county) == ("county_admin", "yuhang")


def test_cli_builds_a_principal_from_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARMFLOW_DATA_DIR", str(tmp_path))
    argv = ["--role", "site_staff", "--county", "yuhang", "--site-id", "s-1", "--org", "o-1"]

    main([*argv, "--org", "o-2", "--ttl-minutes", "5"])

    principal = Verifier.from_settings(WarmflowSettings()).verify(capsys.readouterr().out.strip())
    assert principal.organisations == ("o-1", "o-2")
    assert principal.site_id == "s-1"


def test_cli_refuses_an_incomplete_principal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARMFLOW_DATA_DIR", str(tmp_path))

    with pytest.raises(SystemExit) as exit_info:
        main(["--role", "member", "--county", "yuexi"])

    assert exit_info.value.code == 2
    assert "member_id" in capsys.readouterr().err
