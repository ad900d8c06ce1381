"""The `corespond` command line: `serve`, `schema`. Parses arguments, builds `Settings`, delegates."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr, ValidationError

from service.access import ApiKey, Role
from service.settings import Settings

__all__ = ["main"]


def _settings(**overrides: object) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]


def _serve(args: argparse.Namespace) -> int:
    from service.server import serve  # noqa: PLC0415 - keep `corespond schema` light

    settings = _settings(host=args.host, port=args.port)
    if args.dev_tokens and not settings.api_keys:
        keys = tuple(ApiKey(role, SecretStr(secrets.token_urlsafe(24))) for role in Role)
        settings = settings.model_copy(update={"api_keys": keys})
        print("corespond dev tokens (this run only):", flush=True)  # noqa: T201 - for the operator
        for key in keys:
            print(f"  {key.role.value:<12} {key.token.get_secret_value()}", flush=True)  # noqa: T201
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    asyncio.run(serve(settings, embedded_broker=args.embedded_broker, demo=args.demo))
    return 0


def _schema(args: argparse.Namespace) -> int:
    from service.contract import write_json_schemas  # noqa: PLC0415

    for path in write_json_schemas(Path(args.out)):
        print(path)  # noqa: T201 - the command's output is the list of files written
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corespond", description="Triage and routing of CAD calls to behavioral-health co-responders."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service (Kafka consumer, REST and WebSocket API)")
    serve.add_argument(
        "--embedded-broker",
        action="store_true",
        help="start a Tansu broker on a free loopback port (memory storage) and stop it on exit",
    )
    serve.add_argument("--demo", action="store_true", help="feed a synthetic Northern Colorado CAD stream")
    serve.add_argument(
        "--dev-tokens",
        action="store_true",
        help="without CORESPOND_API_KEYS: make one bearer token per role for this run and print them",
    )
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1, CORESPOND_HOST)")
    serve.add_argument("--port", type=int, default=None, help="bind port (default 8000, CORESPOND_PORT)")
    serve.set_defaults(func=_serve)

    schema = commands.add_parser("schema", help="write the JSON Schemas of the contract")
    schema.add_argument("--out", default="schemas/json", help="directory to write to (default schemas/json)")
    schema.set_defaults(func=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationError as error:
        print(f"corespond: invalid settings:\n{error}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 130
    return code
