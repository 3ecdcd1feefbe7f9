"""``warmflow dead-letters list|replay|discard``: the ops routes, from a terminal.

It calls a running platform's HTTP API through the gateway (``--url``, default
``$WARMFLOW_URL`` or http://127.0.0.1:8000) with an ``ops`` bearer token (``--token`` or
``$WARMFLOW_TOKEN``), so the CLI is refused, checked and audited exactly like the API, and works
the same against the embedded default and against Kafka.

    warmflow dead-letters list registry registry.members --page 1 --size 20
    warmflow dead-letters replay registry registry.members LETTER_ID
    warmflow dead-letters discard transfers transfers.registry --all
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

Send = Callable[[str, str, str], tuple[int, Any]]
"""(method, url, token) -> (status, decoded JSON body)."""


def http_send(method: str, url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(prog="warmflow dead-letters", description=__doc__)
    made.add_argument("--url", default=os.environ.get("WARMFLOW_URL", "http://127.0.0.1:8000"))
    made.add_argument("--token", default=os.environ.get("WARMFLOW_TOKEN"))
    commands = made.add_subparsers(dest="command", required=True)
    listing = _scoped(commands.add_parser("list", help="unresolved letters, newest first"))
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--size", type=int, default=50)
    for action in ("replay", "discard"):
        order = _scoped(commands.add_parser(action, help=f"{action} one letter, or --all"))
        which = order.add_mutually_exclusive_group(required=True)
        which.add_argument("letter_id", nargs="?")
        which.add_argument("--all", action="store_true", help="every dead letter of the group")
    return made


def _scoped(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument("service", help="registry, transfers, learning or notify")
    command.add_argument("group", help="the consumer group (GET /ops/consumer-groups)")
    return command


def main(argv: Sequence[str], send: Send | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.token:
        sys.stderr.write("需要 ops 角色的令牌：--token 或环境变量 WARMFLOW_TOKEN\n")
        return 2
    method, path, query = _request(args)
    url = f"{args.url.rstrip('/')}/api/{args.service}/ops/dead-letters{path}?{query}"
    status, body = (send or http_send)(method, url, args.token)
    if status >= 400:
        detail = body.get("detail") or body.get("title") if isinstance(body, dict) else body
        sys.stderr.write(f"{status} {detail}\n")
        return 1
    sys.stdout.write(_render(args.command, body))
    return 0


def _request(args: argparse.Namespace) -> tuple[str, str, str]:
    query = {"group": args.group}
    if args.command == "list":
        return "GET", "", urllib.parse.urlencode({**query, "page": args.page, "size": args.size})
    target = "" if args.all else "/" + urllib.parse.quote(args.letter_id, safe=":")
    return "POST", f"{target}/{args.command}", urllib.parse.urlencode(query)


def _render(command: str, body: dict[str, Any]) -> str:
    if command != "list":
        ids = body["letter_ids"]
        return f"{body['action']}: {len(ids)} 条已受理\n" + "".join(f"{i}\n" for i in ids)
    lines = [f"共 {body['total']} 条，第 {body['page']} 页（每页 {body['size']} 条）"]
    for item in body["items"]:
        lines.append(
            "\t".join(
                [
                    item["failed_at"],
                    item["kind"],
                    item["letter_id"],
                    item["key"] or "-",
                    item["error"],
                ]
            )
        )
    return "\n".join(lines) + "\n"
