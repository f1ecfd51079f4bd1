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


MSG_INTERRUPTED = (
    "interrupted (Ctrl-C): stopped. Work in this command's open transaction was rolled back; "
    "anything it reported as finished before the interruption is kept.\n"
)
MSG_NOT_MIGRATED = (
    "error: the database named by DATABASE_URL is not set up ({pending} migration(s) not applied): "
    "run `ccehub migrate` first.\n"
)
MSG_NO_DATABASE = "error: cannot use the database named by DATABASE_URL ({problem}).\n"


def _database_problem(exc: Exception) -> str | None:
    """A clear message when ``exc`` comes from a database that cannot be used as it is: not migrated
    (every command but those that migrate first), or not reachable. ``None`` for anything else."""
    if "django" not in sys.modules:
        return None
    from django.db.utils import DatabaseError

    if not isinstance(exc, DatabaseError):
        return None
    try:
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as unusable:
        return MSG_NO_DATABASE.format(problem=str(unusable).strip().splitlines()[0])
    except Exception:  # pragma: no cover - the original error is the one to report
        return None
    if pending:
        return MSG_NOT_MIGRATED.format(pending=len(pending))
    return None


def main() -> None:
    """Console-script entry point."""
    import signal

    interrupted = False

    def on_interrupt(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    # Typer turns Ctrl-C into a silent exit 130; note it so the user is told what became of the work.
    # A SIGINT the shell set to be ignored (a background job) stays ignored.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        app()
    except SystemExit:
        if interrupted:
            sys.stderr.write(MSG_INTERRUPTED)
        raise
    except KeyboardInterrupt:
        sys.stderr.write(MSG_INTERRUPTED)
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("CCEHUB_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
            raise
        problem = _database_problem(exc)
        if problem is not None:
            sys.stderr.write(problem)
            raise SystemExit(1) from None
        sys.stderr.write(
            f"error: ccehub failed unexpectedly ({type(exc).__name__}: {exc}).\n"
            "Nothing was left half-done by this command's own transaction. "
            "Run again with CCEHUB_DEBUG=1 to see the details, and report it.\n"
        )
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
