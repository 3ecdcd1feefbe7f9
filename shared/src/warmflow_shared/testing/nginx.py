"""The production gateway config (deploy/nginx/nginx.conf) run by a local nginx in tests.

The config is used as committed, with only the upstream hosts, the port, the pid file and the
access log moved to this machine. Each upstream's replicas (Docker's DNS answers a service name
with every replica in production) are given as loopback ports; ``resolve`` (nginx >= 1.27.3)
is dropped for older local builds, as there is no Docker DNS here to re-read.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

NGINX_CONF = Path(__file__).resolve().parents[4] / "deploy" / "nginx" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def local_config(
    upstream_ports: int | Sequence[int], port: int, prefix: Path, access_log: str = "off"
) -> str:
    ports = [upstream_ports] if isinstance(upstream_ports, int) else list(upstream_ports)
    servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = re.sub(r"server \w+:8000( resolve)?;", servers, text)
    text = re.sub(r"listen 8000;", f"listen 127.0.0.1:{port};", text)
    text = re.sub(r"pid [^;]+;", f"pid {prefix}/nginx.pid;", text)
    return text.replace("access_log /dev/stdout warmflow;", f"access_log {access_log};")


def wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)  # bounded start-up poll, not a race workaround
    raise TimeoutError(f"nginx did not listen on {port}")


@contextmanager
def running_nginx(config: str, prefix: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground with ``config`` (written under ``prefix``), until the block ends."""
    binary = nginx_binary()
    assert binary is not None, "no nginx binary"
    conf = prefix / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    command = [binary, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        wait_until_listening(port, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)
