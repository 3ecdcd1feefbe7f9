"""Mint tokens with the embedded private key.

``python -m warmflow_shared.auth.cli --demo yuhang-admin``, or ``--role county_admin --county
yuhang``; ``--list-demo`` names the presets.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import timedelta

from pydantic import ValidationError

from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.auth.jwt import issue_token, signing_key
from warmflow_shared.auth.principal import (
    COUNTIES,
    COUNTY_PATTERN,
    ROLES,
    County,
    Principal,
    Role,
)
from warmflow_shared.settings import WarmflowSettings, get_settings

DEFAULT_TTL = timedelta(hours=8)


def mint_token(
    role: Role,
    county: County | None = None,
    orgs: Sequence[str] = (),
    member_id: str | None = None,
    subject: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
    *,
    site_id: str | None = None,
    settings: WarmflowSettings | None = None,
    name: str | None = None,
) -> str:
    principal = Principal(
        subject=subject or f"cli-{role}",
        role=role,
        county=county,
        organisations=tuple(orgs),
        member_id=member_id,
        site_id=site_id,
        name=name,
    )
    return mint_for(principal, ttl=ttl, settings=settings)


def mint_for(
    principal: Principal, *, ttl: timedelta = DEFAULT_TTL, settings: WarmflowSettings | None = None
) -> str:
    settings = settings or get_settings()
    return issue_token(
        principal,
        signing_key(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=ttl,
    )


def _county(text: str) -> str:
    if not re.fullmatch(COUNTY_PATTERN, text):
        raise argparse.ArgumentTypeError("a county is a slug of lower-case letters, digits, '-'")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m warmflow_shared.auth.cli",
        description="Print a warmflow access token signed with the embedded key.",
    )
    parser.add_argument("--list-demo", action="store_true", help="list the demo users")
    parser.add_argument("--demo", choices=sorted(DEMO_USERS), help="a preset demo user")
    parser.add_argument("--role", choices=ROLES)
    parser.add_argument(
        "--county", type=_county, help=f"a county's slug, e.g. {', '.join(COUNTIES)}"
    )
    parser.add_argument("--org", action="append", default=[], help="organisation id (repeat)")
    parser.add_argument("--member-id")
    parser.add_argument("--site-id")
    parser.add_argument("--subject")
    parser.add_argument("--ttl-minutes", type=int, default=int(DEFAULT_TTL.total_seconds() // 60))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    ttl = timedelta(minutes=args.ttl_minutes)
    if args.list_demo:
        for name, user in sorted(DEMO_USERS.items()):
            print(name, user.role, user.county or "-", ",".join(user.organisations) or "-")
        return 0
    if args.demo:
        token = mint_for(DEMO_USERS[args.demo], ttl=ttl)
    elif args.role:
        try:
            token = mint_token(
                args.role,
                args.county,
                args.org,
                args.member_id,
                args.subject,
                ttl,
                site_id=args.site_id,
            )
        except ValidationError as exc:
            parser.error(str(exc.errors()[0]["msg"]))
    else:
        parser.error("give --demo NAME or --role ROLE")
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
