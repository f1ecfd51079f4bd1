"""Scratch databases for tests that run the real ``ccehub`` command or server in a subprocess.

They get a database of their own, of the same kind as the suite's (PostgreSQL in CI, SQLite
otherwise), so a subprocess never shares state with the test transaction.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
CCEHUB = str(Path(sys.executable).with_name("ccehub"))


def base_url() -> str:
    return os.environ.get("DATABASE_URL", "")


@contextlib.contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """Yield a DATABASE_URL for a new empty database; drop it afterwards."""
    url = base_url()
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parsed = urlparse(url)
        name = f"ccehub_scratch_{secrets.token_hex(4)}"
        admin = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunparse(parsed._replace(path=f"/{name}"))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


def run_ccehub(
    args: list[str],
    database_url: str,
    *,
    input: str | None = None,
    timeout: int = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    return subprocess.run(
        [CCEHUB, *args], input=input, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=ROOT
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")
