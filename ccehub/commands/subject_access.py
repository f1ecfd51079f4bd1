"""``ccehub children subject-access``: compile a draft subject-access response for a child.

A module of its own, added to the ``children`` group that :mod:`ccehub.commands.children` registers
(modules are registered in name order, so that group exists by the time this one runs).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ccehub.commands import fail, setup_django

if TYPE_CHECKING:
    from ccehub.children.subject_access import SubjectAccessResponse

DEFAULT_PURPOSE = "Answer a subject-access request (UK GDPR Article 15)"


def _group(app: typer.Typer, name: str) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    raise RuntimeError(f"the {name!r} command group must be registered before {__name__}")


def _csv(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    from ccehub.common.csvsafe import spreadsheet_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _files(response: SubjectAccessResponse) -> dict[str, str]:
    from django.core.serializers.json import DjangoJSONEncoder

    from ccehub.children.subject_access import (
        AGENCY_COLUMNS,
        AGENCY_RECORD_COLUMNS,
        subject_access_readme,
    )

    return {
        "README.txt": subject_access_readme(response),
        "record.json": json.dumps(response.record, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        + "\n",
        "access-history.csv": _csv(response.history_columns, response.history),
        "agencies.csv": _csv(AGENCY_COLUMNS, response.agencies),
        "agency-records.csv": _csv(AGENCY_RECORD_COLUMNS, response.agency_records),
        "panel.json": json.dumps(response.panel, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n",
    }


def _write(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` into ``folder`` (created, or an existing empty one), owner-only, never over an
    existing file. On failure, what this call wrote is removed and the ``OSError`` raised again."""
    created_folder = not folder.exists()
    written: list[Path] = []
    try:
        if created_folder:
            folder.mkdir(mode=0o700, parents=True)
        os.chmod(folder, 0o700)  # the umask may have taken bits off; an existing folder may be open
        for name, text in files.items():
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(path)
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(text)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        if created_folder and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise


def _check_out(out: Path) -> None:
    """Refuse (exit 2), before any work, a DIR that is a file, a folder that is not empty, or one
    that cannot be made because a file stands in its path."""
    try:
        if out.exists() and not out.is_dir():
            fail(f"--out: {out} is a file; give a new folder, or an empty one")
        if out.is_dir() and any(out.iterdir()):
            fail(f"--out: {out} is not empty; give a new folder, or an empty one (nothing is written over)")
        nearest = next(p for p in (out, *out.parents) if p.exists())
        if not nearest.is_dir():
            fail(f"--out: cannot make {out}: {nearest} is a file")
    except OSError as exc:
        fail(f"--out: cannot use {out} ({exc.strerror or exc})")


def register(app: typer.Typer) -> None:
    children_app = _group(app, "children")

    @children_app.command("subject-access")
    def subject_access(
        pid: Annotated[str, typer.Argument(metavar="PID", help="Pseudonymous ID, e.g. CH-7F3KQ-9Q2MD")],
        out: Annotated[
            Path, typer.Option(metavar="DIR", help="A new or empty folder to write the response into")
        ],
        user: Annotated[
            str | None,
            typer.Option(metavar="NAME", help="Act as this user (who must see the child's identity)"),
        ] = None,
        purpose: Annotated[
            str, typer.Option(help="Why, e.g. the request's reference (audited)")
        ] = DEFAULT_PURPOSE,
        with_staff_names: Annotated[
            bool,
            typer.Option(
                "--with-staff-names",
                help="Name the staff in the access history and panel.json (default: withheld)",
            ),
        ] = False,
    ) -> None:
        """Compile a DRAFT subject-access response for the child PID into DIR (audited as an export).

        Files: README.txt (the cover note, and what the controller must check before release),
        record.json (the full record, as `children export` gives it to someone with full sight),
        access-history.csv (every audit row about the child, oldest first), agencies.csv (holdings,
        panel cases and data-sharing agreements), agency-records.csv (agency records the person
        index links to the child) and panel.json (what the CCE panels hold about the child: cases,
        the sittings that heard them, decisions, information requests, joint plans and Safeguarding
        Orders). The folder is owner-only (0700), each file too (0600).

        Refused (exit 1, audited) for an unknown child, and for a --user who may not export the
        child or does not see its identity. Exit 2 when DIR is a file or a folder that is not empty:
        a response is never written over anything.
        """
        _check_out(out)
        setup_django()
        from django.core.exceptions import PermissionDenied
        from django.db import transaction

        from ccehub.children.selectors import ChildNotFound
        from ccehub.children.subject_access import subject_access_compile
        from ccehub.commands._actor import cli_actor

        actor = cli_actor(user, purpose)
        refused: Exception | None = None
        problem: OSError | None = None
        # The export is audited only if the response is written: a failed write rolls the row back.
        with transaction.atomic():
            try:
                response = subject_access_compile(
                    actor=actor,  # type: ignore[arg-type]
                    pid=pid,
                    with_staff_names=with_staff_names,
                )
            except (ChildNotFound, PermissionDenied) as exc:
                # Caught inside the transaction so the ``denied`` row commits (as `children export`).
                refused = exc
            else:
                try:
                    _write(out, _files(response))
                except OSError as exc:
                    problem = exc
                    transaction.set_rollback(True)
        if refused is not None:
            fail(str(refused), 1)  # the export's status: a refusal does not say whether the child exists
        if problem is not None:
            fail(f"--out: cannot write {out} ({problem.strerror or problem}); nothing was kept", 1)
        names = "staff names included" if with_staff_names else "staff names withheld"
        cases = response.panel_counts["panel_cases"]
        typer.echo(
            f"wrote a DRAFT subject-access response for {response.pseudonymous_id} to {out} "
            f"({len(response.history)} access-history rows, "
            f"{cases} panel case{'' if cases == 1 else 's'}, {names}); read README.txt and check "
            "every file before anything is released",
            err=True,
        )
