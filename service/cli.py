"""The `corespond` command line: `serve`, `broker`, `schema`, `triage-eval`, `train-text-model`,
`whatif`. Parses arguments, builds `Settings`, delegates. (The benchmark suite is not part of the
service: `python -m benchmarks`, or `make bench`.)
"""

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
from service.access_log import quiet_polls
from service.settings import Settings
from service.whatif_arguments import add_arguments
from triage.errors import RulebookError

__all__ = ["main"]


def _settings(**overrides: object) -> Settings:
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)  # type: ignore[arg-type]


def _serve(args: argparse.Namespace) -> int:
    from service.bootstrap import triager_from  # noqa: PLC0415 - keep `corespond schema` light
    from service.server import serve  # noqa: PLC0415

    settings = _settings(host=args.host, port=args.port)
    if args.demo and not settings.triage_agency_rules:
        from simulator import demo_agency_rules  # noqa: PLC0415 - only the demo needs it

        # The simulated county's agencies (LPD, LCSO, EPPD) come with their own rule files.
        settings = settings.model_copy(update={"triage_agency_rules": demo_agency_rules()})
    triager_from(settings)  # a bad rule file stops the start here, before any broker or port is taken
    console_tokens: dict[str, SecretStr] = {}
    if args.dev_tokens and not settings.api_keys:
        keys = tuple(ApiKey(role, SecretStr(secrets.token_urlsafe(24))) for role in Role)
        settings = settings.model_copy(update={"api_keys": keys})
        print("corespond dev tokens (this run only):", flush=True)  # noqa: T201 - for the operator
        for key in keys:
            print(f"  {key.role.value:<12} {key.token.get_secret_value()}", flush=True)  # noqa: T201
        # Made for this run and printed anyway: the banner may show them in the console's links.
        console_tokens = {k.role.value: k.token for k in keys if k.role in (Role.DISPATCHER, Role.OBSERVER)}
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    quiet_polls()
    asyncio.run(
        serve(settings, embedded_broker=args.embedded_broker, demo=args.demo, console_tokens=console_tokens)
    )
    return 0


def _broker(args: argparse.Namespace) -> int:
    """The embedded broker alone, in the foreground, until Ctrl-C or SIGTERM: several instances
    (`corespond serve` with CORESPOND_KAFKA_BOOTSTRAP) can then share it."""
    import signal  # noqa: PLC0415 - only this command needs it
    import threading  # noqa: PLC0415

    from service.broker import BrokerError, EmbeddedBroker  # noqa: PLC0415

    logging.basicConfig(
        level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    broker = EmbeddedBroker(port=args.port)
    try:
        broker.start()
    except BrokerError as error:
        print(f"corespond broker: {error}", file=sys.stderr)  # noqa: T201
        return 1
    try:
        print(  # noqa: T201 - the operator's first line of output
            f"corespond broker ready: {broker.bootstrap} (in memory: everything is lost when it stops)\n"
            f"  export CORESPOND_KAFKA_BOOTSTRAP={broker.bootstrap}",
            flush=True,
        )
        while not done.wait(0.5):
            if not broker.running:
                print("corespond broker: the broker exited", file=sys.stderr)  # noqa: T201
                return 1
    finally:
        broker.stop()
    return 0


def _schema(args: argparse.Namespace) -> int:
    from service.contract import write_json_schemas  # noqa: PLC0415

    for path in write_json_schemas(Path(args.out)):
        print(path)  # noqa: T201 - the command's output is the list of files written
    return 0


def _triage_eval(args: argparse.Namespace) -> int:
    from service.bootstrap import triager_from  # noqa: PLC0415 - only this command needs it
    from service.triage_eval import (  # noqa: PLC0415
        TriageEvalError,
        evaluate,
        read_labeled_csv,
        render,
        write_json,
    )

    settings = _settings()
    triager = triager_from(settings)
    threshold = args.threshold if args.threshold is not None else triager.default.thresholds.medium
    try:
        calls = read_labeled_csv(Path(args.file))
    except (TriageEvalError, OSError) as error:
        print(f"corespond triage-eval: {error}", file=sys.stderr)  # noqa: T201
        return 2
    report = evaluate(args.file, calls, triager, threshold)
    print(render(report, show_misses=args.show_misses))  # noqa: T201 - the command's output is the report
    if args.json is not None:
        write_json(report, Path(args.json))
    return 0


def _train_text_model(args: argparse.Namespace) -> int:
    from service.text_model_training import train_files  # noqa: PLC0415 - needs scikit-learn (dev extra)
    from service.triage_eval import TriageEvalError  # noqa: PLC0415

    try:
        document = train_files([Path(f) for f in args.files], Path(args.out), args.c)
    except ImportError as error:
        print(  # noqa: T201
            f"corespond train-text-model: needs scikit-learn (pip install -e '.[dev]'): {error}",
            file=sys.stderr,
        )
        return 2
    except (TriageEvalError, OSError, ValueError) as error:
        print(f"corespond train-text-model: {error}", file=sys.stderr)  # noqa: T201
        return 2
    trained = document["trained_on"]
    print(  # noqa: T201 - the command's output
        f"wrote {args.out}: {len(document['terms'])} terms from {trained['cases']} calls"
        f" ({trained['crises']} crises) in {len(trained['files'])} files"
    )
    return 0


def _whatif(args: argparse.Namespace) -> int:
    from service.whatif_command import run  # noqa: PLC0415 - only this command needs it

    return run(args, _settings())


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

    broker = commands.add_parser(
        "broker",
        help="run the embedded Kafka-protocol broker (Tansu, in memory) alone, for several local instances",
    )
    broker.add_argument("--port", type=int, default=9092, help="loopback port to listen on (default 9092)")
    broker.set_defaults(func=_broker)

    schema = commands.add_parser("schema", help="write the JSON Schemas of the contract")
    schema.add_argument("--out", default="schemas/json", help="directory to write to (default schemas/json)")
    schema.set_defaults(func=_schema)

    evaluation = commands.add_parser(
        "triage-eval",
        help="score a labeled CSV of calls: precision, recall, F1, PR curve, AP, calibration, naive baseline",
        description="Columns: nature_code and label (required); priority, origin, narrative, agency, "
        "flags (semicolon-separated), caller_type, bh_calls_12m, appends (' || '-separated, joined after the "
        "narrative as the service joins them), officer_required (1/0: counts safety-gate breaches), "
        "expected_needs (e.g. ems), city and volume (a list of call types weighed by published call volume) "
        "(optional). Outcome columns are never read. Prints figures only unless --show-misses.",
    )
    evaluation.add_argument("file", help="labeled CSV file")
    evaluation.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="flag calls scoring at least this (default: the medium band)",
    )
    evaluation.add_argument(
        "--json", default=None, metavar="OUT", help="also write the metrics as JSON to OUT"
    )
    evaluation.add_argument(
        "--show-misses",
        action="store_true",
        help="list every miss (missed crisis, false alarm, safety-gate breach, ems need missed) with its "
        "text and reasons; never on a sealed blind file",
    )
    evaluation.set_defaults(func=_triage_eval)

    training = commands.add_parser(
        "train-text-model",
        help="train the statistical reader on labelled call files (development cases only)",
        description="Fits the statistical reader (logistic regression over word n-grams, scikit-learn) "
        "on labelled CSV files in triage-eval's format and writes the JSON the rules file names. Never "
        "train on a blind file before its first-look score is logged.",
    )
    training.add_argument("files", nargs="+", metavar="FILE.csv", help="labelled call files")
    training.add_argument("--out", required=True, metavar="MODEL.json", help="where to write the model")
    training.add_argument(
        "--c", type=float, default=10.0, help="inverse regularization strength (default 10)"
    )
    training.set_defaults(func=_train_text_model)

    whatif = commands.add_parser(
        "whatif",
        help="replay a call history through the core under roster scenarios: coverage, waits, unserved",
        description="Replays calls (a CSV or a synthetic county) through the same triage and assignment "
        "code with a simulated clock, dispatcher and teams; writes whatif.json, whatif.md and whatif.png.",
    )
    add_arguments(whatif)
    whatif.set_defaults(func=_whatif)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationError as error:
        print(f"corespond: invalid settings:\n{error}", file=sys.stderr)  # noqa: T201
        return 2
    except RulebookError as error:
        print(f"corespond: invalid triage rules:\n{error}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 130
    return code
