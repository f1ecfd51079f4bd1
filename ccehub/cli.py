"""The ``ccehub`` command. Thin: it parses arguments and calls services.

Each sub-command lives in a module of :mod:`ccehub.commands` that defines ``register(app)``; this
module discovers them so that capabilities can be added without touching a shared file.
Commands that touch the database call :func:`ccehub.commands.setup_django` first; pure commands
(``triage``, ``clocks``) start without Django so they answer in milliseconds.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

import ccehub.commands

app = typer.Typer(
    name="ccehub",
    help="ccehub: the multi-agency response to child criminal exploitation in county lines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """ccehub: the multi-agency response to child criminal exploitation in county lines."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(ccehub.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"ccehub.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("CCEHUB_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
            raise
        sys.stderr.write(
            f"error: ccehub failed unexpectedly ({type(exc).__name__}: {exc}).\n"
            "Nothing was left half-done by this command's own transaction. "
            "Run again with CCEHUB_DEBUG=1 to see the details, and report it.\n"
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
