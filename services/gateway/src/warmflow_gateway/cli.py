"""``warmflow``: run the embedded platform, or mint a demo token.

``warmflow run`` starts every service behind the gateway on http://127.0.0.1:8000 with SQLite
and the in-process bus under ``./var`` (override with ``WARMFLOW_*`` settings).
``warmflow seed`` fills it with demo data (three counties, 48 sites, ~2,000 members).
``warmflow token --demo yuhang-admin`` prints a bearer token signed with the embedded key.
``warmflow dead-letters list|replay|discard`` lists and resolves dead letters through the API.
``warmflow topics`` creates the Kafka topics (deploy step; partitions, replication, min ISR).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from warmflow_shared.auth import cli as token_cli


def run(host: str, port: int) -> int:
    # imported here: `warmflow token` must not pay for building the whole platform
    import uvicorn
    from warmflow_shared.auth.keys import ensure_key_pair
    from warmflow_shared.logging import configure_logging

    from warmflow_gateway.config import GatewaySettings
    from warmflow_gateway.platform import create_platform_app

    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level, json=settings.log_json)
    if not settings.is_production:
        ensure_key_pair(settings.keys_dir)
    app = create_platform_app(settings)
    uvicorn.run(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=20)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except ValidationError as exc:  # settings from the environment: say which, without a trace
        sys.stderr.write(f"warmflow: the settings are not usable ({exc.title}):\n")
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            sys.stderr.write(f"  - {where + ': ' if where else ''}{error['msg']}\n")
        return 2


def _main(args: list[str]) -> int:
    if args[:1] == ["token"]:
        return token_cli.main(args[1:])
    if args[:1] == ["dead-letters"]:
        from warmflow_gateway import deadletters

        return deadletters.main(args[1:])
    parser = argparse.ArgumentParser(prog="warmflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="start the embedded platform")
    run_parser.add_argument("--host", default="127.0.0.1")
    run_parser.add_argument("--port", type=int, default=8000)
    seed_parser = commands.add_parser("seed", help="seed demo data into the embedded default")
    seed_parser.add_argument("--members", type=int, default=2000)
    seed_parser.add_argument(
        "--no-activity",
        action="store_true",
        help="organisations, sites and members only: no demo class, no demo transfer cases",
    )
    commands.add_parser("token", help="mint a token (see `warmflow token --help`)")
    commands.add_parser(
        "dead-letters", help="list, replay or discard dead letters (`warmflow dead-letters -h`)"
    )
    commands.add_parser(
        "reference", help="load the counties' root organisations (reference data), idempotent"
    )
    partner = commands.add_parser(
        "partner", help="add a county that signs 共管共育: its record, org tree and sites (JSON)"
    )
    partner.add_argument("file", type=Path)
    commands.add_parser(
        "topics", help="create every Kafka topic the services use (WARMFLOW_KAFKA_* settings)"
    )
    commands.add_parser("vocabulary", help="print the names the faces show for codes (JSON)")
    parsed = parser.parse_args(args)
    if parsed.command == "partner":
        from warmflow_gateway.seed import run_partner

        return run_partner(parsed.file)
    if parsed.command == "vocabulary":
        from warmflow_gateway.vocabulary import vocabulary_json

        sys.stdout.write(vocabulary_json())
        return 0
    if parsed.command == "topics":
        from warmflow_gateway.topics import run_topics

        return run_topics()
    if parsed.command == "reference":
        from warmflow_gateway.seed import run_reference

        return run_reference()
    if parsed.command == "seed":
        from warmflow_gateway.seed import run_seed

        return run_seed(parsed.members, activity=not parsed.no_activity)
    return run(parsed.host, parsed.port)


if __name__ == "__main__":
    sys.exit(main())
