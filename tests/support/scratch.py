"""Scratch databases for tests that run the real ``ccehub`` command or server in a subprocess.

They get a database of their own, of the same kind as the suite's (PostgreSQL in CI, SQLite
otherwise), so a subprocess never shares state with the test transaction.

Migrating an empty database runs every migration (about ten seconds of CPU, mostly Django rendering
model states). A test that is not about migrating asks for ``scratch_database(tmp, migrated=True)``:
a copy of one database migrated once per test process (PostgreSQL's ``CREATE DATABASE ... TEMPLATE``,
or a copy of the SQLite file). Tests of the empty-database path (``make run`` on a fresh machine,
the data migrations) keep ``migrated=False``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
CCEHUB = str(Path(sys.executable).with_name("ccehub"))


def base_url() -> str:
    return os.environ.get("DATABASE_URL", "")


#: The migrated databases this process copies, by kind: a PostgreSQL database name, a SQLite path.
_templates: dict[str, str] = {}


def _admin_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _database_url(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _migrated_template(url: str) -> str:
    """Migrate one database of ``url``'s kind for this process (once); drop it when the process ends."""
    kind = "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if kind in _templates:
        return _templates[kind]
    if kind == "postgres":
        import psycopg

        name = f"ccehub_scratch_template_{secrets.token_hex(4)}"
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(_admin_url(url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
        migrated = run_ccehub(["migrate"], _database_url(url, name))
        template = name
    else:
        folder = tempfile.mkdtemp(prefix="ccehub-template-")
        atexit.register(shutil.rmtree, folder, True)
        template = os.path.join(folder, "migrated.sqlite3")
        migrated = run_ccehub(["migrate"], f"sqlite:///{template}")
    if migrated.returncode != 0:
        raise RuntimeError(f"could not migrate the scratch template: {migrated.stderr}")
    _templates[kind] = template
    return template


def migrated_sqlite_copy(path: Path) -> Path:
    """Write a migrated SQLite database to ``path`` (for tests that always run the CLI on SQLite)."""
    shutil.copyfile(_migrated_template("sqlite://"), path)
    return path


@contextlib.contextmanager
def scratch_database(tmp_path: Path, *, migrated: bool = False) -> Iterator[str]:
    """Yield a DATABASE_URL for a new database, empty or (``migrated=True``) migrated; drop it
    afterwards."""
    url = base_url()
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        template = _migrated_template(url) if migrated else None
        name = f"ccehub_scratch_{secrets.token_hex(4)}"
        create = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(create)
        try:
            yield _database_url(url, name)
        finally:
            with psycopg.connect(_admin_url(url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "scratch.sqlite3"
        if migrated:
            shutil.copyfile(_migrated_template(url), path)
        yield f"sqlite:///{path}"


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
