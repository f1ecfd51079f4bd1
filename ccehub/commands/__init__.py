"""Sub-commands of ``ccehub``; each module defines ``register(app)``."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn


def setup_django(settings_module: str = "config.settings.local") -> None:
    """Configure Django for a command that touches the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code`` (2 = invalid input)."""
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


def check_writable(path: Path, option: str) -> None:
    """Refuse an output ``path`` that cannot be written (exit 2), by trying: ``os.access`` says yes to
    root on a read-only or virtual file system. An existing file is not changed; a file created by
    the try is removed. Called before any work whose result would otherwise be lost."""
    existed = path.exists()
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        fail(f"{option}: cannot write {path} ({exc.strerror or exc})")
    if not existed:
        path.unlink(missing_ok=True)


def write_csv(
    out: Path | str | None, header: Sequence[str], rows: Iterable[Sequence[Any]], *, hint: str = ""
) -> None:
    """``header`` and ``rows`` as CSV on standard output, or to ``out``, created owner-only (0600: the
    rows name children by pseudonymous ID, like an import's rejects) and replaced if it exists. A file
    that cannot be written exits 1 with the reason (and ``hint``); the caller's transaction then rolls
    back the export's audit row."""
    if out is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        fail(f"--out: cannot write {out} ({exc.strerror or exc}){hint}", 1)
