"""What `make run` shows a newcomer: the console's link with a dispatcher dev token in its fragment,
and a log without readiness polls."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from service.broker import free_port


async def _line(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    return (await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=60)).decode()


async def test_serve_with_dev_tokens_prints_the_console_link_and_no_poll_lines(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with (
        log_path.open("wb") as log,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service",
                "serve",
                "--embedded-broker",
                "--dev-tokens",
                "--port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "CORESPOND_LOG_LEVEL": "INFO"},
        ) as process,
    ):
        try:
            lines = [await _line(process) for _ in range(8)]
            tokens = dict(line.split() for line in lines[1:5])
            assert lines[5].startswith("corespond ready"), lines
            link = lines[6].split()[-1]
            assert link == f"http://127.0.0.1:{port}/console#token={tokens['dispatcher']}"
            assert lines[7].split()[-1].endswith(f"/console#token={tokens['observer']}")
            async with httpx.AsyncClient() as client:
                page = await client.get(link.split("#", 1)[0])
                calls = await client.get(
                    f"http://127.0.0.1:{port}/calls",
                    headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
                )
                for _ in range(3):
                    assert (await client.get(f"http://127.0.0.1:{port}/ready")).status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(asyncio.to_thread(process.wait), timeout=60)
    assert code == 0
    assert page.status_code == 200
    assert "<corespond-console" in page.text
    assert calls.status_code == 200
    text = log_path.read_text()
    assert "GET /calls" in text, "other requests are still logged"
    assert "/ready" not in text, "readiness polls are not"
    assert tokens["dispatcher"] not in text, "the token is in no log line"
