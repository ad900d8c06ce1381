"""The `corespond` command line: `serve`, `schema`, `bench`. Parses arguments, builds `Settings`, delegates.

`bench` hands its arguments to the benchmark suite (`benchmarks.suite`), which needs the `bench` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from service.settings import Settings

__all__ = ["main"]


def _settings(**overrides: object) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]


def _serve(args: argparse.Namespace) -> int:
    from service.server import serve  # noqa: PLC0415 - keep `corespond schema` light

    settings = _settings(host=args.host, port=args.port)
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


def _bench(args: argparse.Namespace) -> int:
    try:
        from benchmarks.suite import run  # noqa: PLC0415 - the suite's load-test stack is for `bench` only
    except ImportError as error:
        print(  # noqa: T201 - an operator's error message
            f"corespond bench needs the bench extra (pip install -e '.[bench]'): {error}", file=sys.stderr
        )
        return 2
    return run(args, args.bench_argv)


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
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1, CORESPOND_HOST)")
    serve.add_argument("--port", type=int, default=None, help="bind port (default 8000, CORESPOND_PORT)")
    serve.set_defaults(func=_serve)

    schema = commands.add_parser("schema", help="write the JSON Schemas of the contract")
    schema.add_argument("--out", default="schemas/json", help="directory to write to (default schemas/json)")
    schema.set_defaults(func=_schema)

    bench = commands.add_parser(
        "bench",
        help="load-test the running service end to end beside a no-op pipeline (benchmarks/)",
        description="Open-loop latency, throughput, drain, memory and WebSocket fan-out; writes "
        "benchmarks/results/e2e[-smoke].json, .md and .png.",
    )
    _add_bench_arguments(bench)
    bench.set_defaults(func=_bench)
    return parser


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from benchmarks.bench_arguments import add_arguments  # noqa: PLC0415 - argparse only
    except ImportError as error:  # a deployment without the benchmarks package
        parser.set_defaults(bench_missing=str(error))
        return
    add_arguments(parser)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "bench":
        if getattr(args, "bench_missing", None):
            print(  # noqa: T201 - an operator's error message
                f"corespond bench needs the benchmarks package: {args.bench_missing}",
                file=sys.stderr,
            )
            return 2
        args.bench_argv = list(sys.argv[2:] if argv is None else argv[1:])
    try:
        code: int = args.func(args)
    except ValidationError as error:
        print(f"corespond: invalid settings:\n{error}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 130
    return code
