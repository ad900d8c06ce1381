"""Property-based fuzzing of the HTTP API from its own OpenAPI spec, with schemathesis.

Runs `st run` against a running service (or starts one with an embedded broker) with every check
but `positive_data_acceptance`: the contract has rules JSON Schema cannot state (a shift ends after
it starts, an override names its unit), so some schema-valid bodies are rightly refused with 422.
Any 5xx, any response that breaks the spec, or a wrong status code fails the run.

    python -m benchmarks.fuzz --examples 1000     # the long version (~10,000 cases)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.broker import free_port

__all__ = ["fuzz_api"]

CHECK_EXCLUSIONS = "positive_data_acceptance"
_CONFIG = Path(__file__).with_name("schemathesis.toml")


def fuzz_api(
    base_url: str, token: str, *, examples: int, seed: int, report_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Run schemathesis against `base_url` with an admin token; return the finished process."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(_CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        CHECK_EXCLUSIONS,
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--header",
        f"Authorization: Bearer {token}",
        "--report-dir",
        str(report_dir),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)


async def _serve_and_fuzz(args: argparse.Namespace) -> int:
    token = secrets.token_urlsafe(24)
    port = free_port()
    env = {**os.environ, "CORESPOND_API_KEYS": f"admin:{token}", "CORESPOND_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "serve", "--embedded-broker", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=base) as client:
            while True:
                try:
                    if (await client.get("/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("the service was not ready within 60 s")
                await asyncio.sleep(0.2)
        result = await asyncio.to_thread(
            fuzz_api, base, token, examples=args.examples, seed=args.seed, report_dir=args.report_dir
        )
        print(result.stdout[-4000:])
        return result.returncode
    finally:
        process.terminate()
        await process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="fuzz the HTTP API from its OpenAPI spec")
    parser.add_argument("--examples", type=int, default=1000, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report-dir", type=Path, default=Path("benchmarks/results/fuzz"))
    sys.exit(asyncio.run(_serve_and_fuzz(parser.parse_args())))


if __name__ == "__main__":
    main()
