"""Sub-commands of ``ccehub``; each module defines ``register(app)``."""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def setup_django(settings_module: str = "config.settings.local") -> None:
    """Configure Django for a command that touches the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code`` (2 = invalid input)."""
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)
