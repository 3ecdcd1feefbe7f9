from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from warmflow_shared.auth.jwt import TokenError, Verifier, issue_token
from warmflow_shared.auth.principal import Principal

TokenFactory = Callable[..., str]


def test_valid_token_yields_the_principal(verifier: Verifier, make_token: TokenFactory) -> None:
    principal = verifier.verify(make_token())

    assert principal == Principal(
        subject="u-1", role="county_admin", county="yuhang", organisations=("org-1", "org-2")
    )


@pytest.mark.parametrize(
    ("claim", "name"),
    [(" 汪书记 ", "汪书记"), ("", None), (42, None), (["a"], None), ("长" * 80, "长" * 50)],
)
def test_the_name_claim_is_read_and_an_odd_one_is_ignored(
    verifier: Verifier, make_token: TokenFactory, claim: object, name: str | None
) -> None:
    """OIDC's ``name``: what records people read show; an odd value never refuses the token."""
    principal = verifier.verify(make_token(name=claim))
    assert principal.name == name
    assert Principal.from_claims(principal.to_claims()) == principal


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # times relative to the test's run, not to collection (a parallel run starts it later)
        ({"exp": timedelta(minutes=-5)}, "登录已过期，请重新登录"),
        ({"nbf": timedelta(minutes=5)}, "令牌尚未生效"),
        ({"iat": timedelta(minutes=5)}, "令牌尚未生效"),
        ({"iss": "someone-else"}, "令牌不是为本系统签发的"),
        ({"aud": "another-app"}, "令牌不是为本系统签发的"),
        ({"exp": None}, "令牌无效"),
        ({"aud": None}, "令牌无效"),
        ({"role": "emperor"}, "令牌中的身份信息不完整或无效"),
        ({"county": "Hangzhou City"}, "令牌中的身份信息不完整或无效"),  # not a county slug
        ({"role": "member"}, "令牌中的身份信息不完整或无效"),
    ],
)
def test_bad_claims_are_refused(
    verifier: Verifier, make_token: TokenFactory, changes: dict[str, object], reason: str
) -> None:
    now = datetime.now(UTC)
    claims = {k: now + v if isinstance(v, timedelta) else v for k, v in changes.items()}
    with pytest.raises(TokenError, match=reason):
        verifier.verify(make_token(**claims))


def test_small_clock_skew_is_tolerated(verifier: Verifier, make_token: TokenFactory) -> None:
    token = make_token(exp=datetime.now(UTC) - timedelta(seconds=5))

    assert verifier.verify(token).subject == "u-1"


def test_symmetric_tokens_are_refused(verifier: Verifier, make_token: TokenFactory) -> None:
    token = make_token(key="a-shared-secret-of-reasonable-length!", algorithm="HS256")

    with pytest.raises(TokenError):
        verifier.verify(token)


def unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    _, payload, _ = token.split(".")
    return header.decode().rstrip("=") + "." + payload + "."


def test_unsigned_tokens_are_refused(verifier: Verifier, make_token: TokenFactory) -> None:
    with pytest.raises(TokenError):
        verifier.verify(unsigned(make_token()))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z", "😀.😀.😀"])
def test_garbage_is_refused(verifier: Verifier, garbage: str) -> None:
    with pytest.raises(TokenError):
        verifier.verify(garbage)


def test_tampered_payload_is_refused(verifier: Verifier, make_token: TokenFactory) -> None:
    header, _, signature = make_token().split(".")
    _, payload, _ = make_token(role="ops", county=None).split(".")

    with pytest.raises(TokenError, match="令牌无效"):
        verifier.verify(f"{header}.{payload}.{signature}")


def test_a_token_signed_by_another_key_is_refused(
    verifier: Verifier, make_token: TokenFactory
) -> None:
    with pytest.raises(TokenError):
        verifier.verify(make_token(key=ed25519.Ed25519PrivateKey.generate()))


@pytest.mark.parametrize(
    "key",
    [
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec.generate_private_key(ec.SECP256R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["RS256", "ES256", "EdDSA"],
)
def test_each_asymmetric_algorithm_round_trips(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
) -> None:
    principal = Principal(subject="m-1", role="member", county="yuexi", member_id="m-1")
    token = issue_token(principal, key, issuer="i", audience="a", ttl=timedelta(minutes=1))
    verifier = Verifier.from_public_key(key.public_key(), issuer="i", audience="a")

    assert verifier.verify(token) == principal


def test_the_algorithm_is_pinned_to_the_key_type(make_token: TokenFactory) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = Verifier.from_public_key(
        rsa_key.public_key(), issuer="warmflow", audience="warmflow"
    )
    token = make_token(key=rsa_key, algorithm="PS256")

    with pytest.raises(TokenError):
        verifier.verify(token)
    assert jwt.get_unverified_header(token)["alg"] == "PS256"


def test_a_remembered_token_skips_the_signature_check_until_its_expiry(
    private_key: ed25519.Ed25519PrivateKey,
    make_token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved: list[str] = []

    def resolve(token: str) -> tuple[object, list[str]]:
        resolved.append(token)
        return private_key.public_key(), ["EdDSA"]

    verifier = Verifier(resolve, issuer="warmflow", audience="warmflow", leeway=0)
    token = make_token(exp=datetime.now(UTC) + timedelta(seconds=60))
    first, again = verifier.verify(token), verifier.verify(token)

    assert first == again and len(resolved) == 1
    with pytest.raises(TokenError, match="令牌无效"):  # another text is checked afresh
        verifier.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    resolved.clear()
    later = time.time() + 61  # past the expiry: not answered from memory, checked in full
    monkeypatch.setattr(time, "time", lambda: later)
    verifier.verify(token)  # (the JWT library reads its own clock: to it the token is valid)
    assert len(resolved) == 1
