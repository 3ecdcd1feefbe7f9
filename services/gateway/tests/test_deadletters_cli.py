"""``warmflow dead-letters``: the requests it makes through the gateway and what it prints."""

from __future__ import annotations

from typing import Any

import pytest
from warmflow_gateway.cli import main

LETTER = "warmflow.registry.members:1:42"
PAGE = {
    "total": 1,
    "page": 1,
    "size": 50,
    "items": [
        {
            "letter_id": LETTER,
            "kind": "dead",
            "failed_at": "2026-01-02T03:04:05.000000Z",
            "key": "m-1",
            "error": "ValueError: bad",
        }
    ],
}


class Gateway:
    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.status, self.body = status, body

    def send(self, method: str, url: str, token: str) -> tuple[int, Any]:
        self.calls.append((method, url, token))
        return self.status, self.body


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch) -> Gateway:
    from warmflow_gateway import deadletters

    gateway = Gateway()
    monkeypatch.setattr(deadletters, "http_send", gateway.send)
    monkeypatch.setenv("WARMFLOW_TOKEN", "tok")
    return gateway


def test_list_pages_through_the_gateway(fake: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    fake.body = PAGE
    assert main(["dead-letters", "list", "registry", "registry.members", "--page", "2"]) == 0
    assert fake.calls == [
        (
            "GET",
            "http://127.0.0.1:8000/api/registry/ops/dead-letters"
            "?group=registry.members&page=2&size=50",
            "tok",
        )
    ]
    out = capsys.readouterr().out
    assert "共 1 条" in out and LETTER in out and "ValueError: bad" in out


def test_replay_one_and_discard_all(fake: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    fake.body = {"group": "g", "action": "replay", "letter_ids": [LETTER]}
    url = "http://gw:9000"
    assert main(["dead-letters", "--url", url, "replay", "registry", "g", LETTER]) == 0
    assert main(["dead-letters", "--url", url, "discard", "transfers", "g", "--all"]) == 0
    assert [call[:2] for call in fake.calls] == [
        ("POST", f"{url}/api/registry/ops/dead-letters/{LETTER}/replay?group=g"),
        ("POST", f"{url}/api/transfers/ops/dead-letters/discard?group=g"),
    ]
    assert LETTER in capsys.readouterr().out


def test_refusals_exit_non_zero_with_the_problem(
    fake: Gateway, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.status, fake.body = 409, {"detail": "该事件排在死信 x 之后"}
    assert main(["dead-letters", "replay", "registry", "g", LETTER]) == 1
    assert "409 该事件排在死信 x 之后" in capsys.readouterr().err
    monkeypatch.delenv("WARMFLOW_TOKEN")
    assert main(["dead-letters", "list", "registry", "g"]) == 2
    assert "WARMFLOW_TOKEN" in capsys.readouterr().err
