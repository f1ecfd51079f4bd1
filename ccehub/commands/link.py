"""``ccehub link build`` and ``ccehub lookup``: the person index and "is this child already known?"."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from ccehub.commands import check_writable, fail, setup_django, write_csv

BATCH_COLUMNS = ("query_id", "given_name", "family_name", "date_of_birth", "sex", "postcode")


def register(app: typer.Typer) -> None:
    link_app = typer.Typer(
        help="The person index (probabilistic record linkage with Splink).", no_args_is_help=True
    )
    app.add_typer(link_app, name="link")

    @link_app.command("build")
    def build(
        backend: Annotated[str | None, typer.Option(help="duckdb (default) or spark")] = None,
    ) -> None:
        """Train the linkage model on every agency record, cluster into persons, activate the index."""
        if backend is not None and backend not in ("duckdb", "spark"):
            fail("--backend: use duckdb or spark")
        setup_django()
        from django.core.exceptions import ValidationError
        from django.core.management import call_command

        from ccehub.commands._actor import operator_actor
        from ccehub.records.services import link_build

        if backend is None:
            _check_configured_backend()
        call_command("migrate", interactive=False, verbosity=0)
        actor = operator_actor("Build the person index")
        try:
            version = link_build(actor=actor, backend=backend, progress=True)
        except ValidationError as exc:
            fail(" ".join(exc.messages), 1)
        typer.echo(
            f"records: {version.records}\npersons: {version.persons}\ntime: {version.build_seconds:.1f}s\n"
            f"model version: {version.version}\nbackend: {version.backend}"
        )
        built = version.model_json or {}
        if built.get("cannot_link"):
            pairs, split = built["cannot_link"], built.get("separated", 0)
            typer.echo(
                f"known different children: {pairs} pair{'s' if pairs != 1 else ''} of records kept apart "
                f"({split} person{'s' if split != 1 else ''} split off)"
            )
        if built.get("cannot_link_unresolved"):
            typer.echo(
                f"warning: {built['cannot_link_unresolved']} not_same_child_as reference(s) name no record "
                "of that agency; they take effect once those records are imported",
                err=True,
            )

    @link_app.command("review")
    def review(
        min_probability: Annotated[
            float, typer.Option(help="Lowest record-pair probability to list (0 to 1, exclusive)")
        ] = 0.5,
        out: Annotated[
            Path | None, typer.Option(help="Write the CSV here (default: standard output)")
        ] = None,
    ) -> None:
        """List pairs of persons a lower clustering threshold would join, for a data steward to check:
        one child split in two (a mistyped birth date) or two children who look alike."""
        if not 0 < min_probability < 1:
            fail("--min-probability: give a number between 0 and 1, e.g. 0.5")
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            fail(f"--out: cannot write {out} (give a file in an existing folder)")
        if out is not None:
            check_writable(out, "--out")  # before the scoring, which can take minutes
        setup_django()
        from django.core.management import call_command

        from ccehub.commands._actor import operator_actor
        from ccehub.linkage.index import NEAR_JOIN_COLUMNS
        from ccehub.records.services import link_review

        _check_configured_backend()

        call_command("migrate", interactive=False, verbosity=0)
        actor = operator_actor("Review near-joins in the person index")
        try:
            pairs = link_review(actor=actor, min_probability=min_probability, progress=True)
        except LookupError as exc:
            fail(str(exc), 1)
        columns = list(NEAR_JOIN_COLUMNS)
        rows = [
            [
                row.person_a,
                row.person_b,
                f"{row.match_probability:.4f}",
                row.record_pairs,
                "true" if row.kept_apart else "false",
                ";".join(row.records_a),
                ";".join(row.records_b),
            ]
            for row in pairs.itertuples(index=False)
        ]
        write_csv(out, columns, rows, hint="; run the review again")
        kept = sum(1 for row in rows if row[4] == "true")
        typer.echo(
            f"{len(rows)} pair{'s' if len(rows) != 1 else ''} of persons with a record pair at "
            f"{min_probability} or more ({kept} kept apart by not_same_child_as)"
            + (f"; written to {out}" if out is not None else ""),
            err=True,
        )

    @link_app.command("train-default")
    def train_default() -> None:
        """Retrain the shipped model used for small extracts (developers: after changing comparisons)."""
        from ccehub.records.default_model import DEFAULT_MODEL_PATH, train_default_model

        model = train_default_model()
        typer.echo(f"wrote {DEFAULT_MODEL_PATH} (model version {model.version})")

    @app.command()
    def lookup(
        purpose: Annotated[str, typer.Option(help="Why you are looking this child up (audited)")],
        given_name: Annotated[str, typer.Option("--given-name")] = "",
        family_name: Annotated[str, typer.Option("--family-name")] = "",
        dob: Annotated[str, typer.Option("--dob", help="Date of birth YYYY-MM-DD")] = "",
        postcode: Annotated[str, typer.Option()] = "",
        sex: Annotated[str, typer.Option()] = "",
        user: Annotated[str | None, typer.Option(help="Who is asking (audited)")] = None,
        batch: Annotated[
            Path | None,
            typer.Option(
                help="CSV of queries: query_id, given_name, family_name, date_of_birth, sex, postcode"
            ),
        ] = None,
        threshold: Annotated[
            float | None, typer.Option(help="Minimum match probability (default 0.5)")
        ] = None,
    ) -> None:
        """Is this child already known? Prints candidates as JSON (one line per query with --batch)."""
        if threshold is not None and not 0 <= threshold <= 1:
            fail("--threshold: must be between 0 and 1")
        if batch is None and not (given_name or family_name or dob):
            fail("give --given-name, --family-name and --dob (or --batch FILE)")
        if batch is not None and batch.is_dir():
            fail(f"--batch: {batch}: is a folder; give the CSV file of queries")
        if batch is not None and not batch.is_file():
            fail(f"--batch: {batch}: no such file")
        if batch is not None and (
            given := [
                option
                for option, value in (
                    ("--given-name", given_name),
                    ("--family-name", family_name),
                    ("--dob", dob),
                    ("--postcode", postcode),
                    ("--sex", sex),
                )
                if value
            ]
        ):
            fail(f"--batch reads each query from the file: {', '.join(given)} cannot be given with it")
        if dob:
            from datetime import date

            try:
                date.fromisoformat(dob)
            except ValueError:
                fail(f"--dob: {dob!r} is not a date written YYYY-MM-DD")
        setup_django()
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.db import transaction

        from ccehub.audit.models import Action
        from ccehub.audit.services import audit_record
        from ccehub.commands._actor import cli_actor
        from ccehub.commands.children import _errors_text
        from ccehub.records.services import (
            active_index,
            check_can_lookup,
            clean_query,
            index_behind,
            person_lookup,
            public_result,
        )

        def query_problems(query: dict[str, str]) -> str:
            """What the service would refuse in ``query`` (checked before any query runs), or ''."""
            try:
                clean_query(query)
            except ValidationError as exc:
                return "; ".join(exc.messages)
            return ""

        def check_refusal() -> None:
            """Refuse (role, or a threshold below the minimum) before any transaction: the service
            audits the refusal as ``denied``, and that row must commit, not roll back with the
            failed look-up (docs/data-protection.md: every refused read is audited)."""
            try:
                check_can_lookup(actor, purpose, threshold)  # type: ignore[arg-type]
            except (ValidationError, PermissionDenied) as exc:
                fail(_errors_text(exc))

        single = {"given_name": given_name, "family_name": family_name, "date_of_birth": dob}
        if batch is None and (problems := query_problems({**single, "sex": sex, "postcode": postcode})):
            fail(problems)
        actor = cli_actor(user, purpose)
        try:
            index = active_index()
        except LookupError as exc:
            fail(str(exc), 1)
        if behind := index_behind():
            typer.echo(f"warning: {behind}", err=True)
        try:
            if batch is None:
                query = {**single, "sex": sex, "postcode": postcode}
                check_refusal()
                with transaction.atomic():
                    result = person_lookup(
                        actor=actor, query=query, purpose=purpose, threshold=threshold, index=index
                    )  # type: ignore[arg-type]
                typer.echo(json.dumps(public_result(result)))
                return
            try:
                with batch.open(newline="", encoding="utf-8-sig") as handle:
                    reader = csv.DictReader(handle)
                    # Column names in any case, spaces around them ignored (`query_id, given_name`):
                    # a column that is not read would silently answer "not known" for a known child.
                    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
                    reader.fieldnames = header
                    if "query_id" not in header:
                        fail(f"--batch: {batch}: missing column query_id")
                    if not {"given_name", "family_name", "date_of_birth"} & set(header):
                        fail(
                            f"--batch: {batch}: no given_name, family_name or date_of_birth column, so "
                            f"nothing to search on (columns: {', '.join(BATCH_COLUMNS)})"
                        )
                    if ignored := [name for name in header if name not in BATCH_COLUMNS]:
                        typer.echo(
                            f"warning: --batch: column(s) not read: {', '.join(ignored)} "
                            f"(columns: {', '.join(BATCH_COLUMNS)})",
                            err=True,
                        )
                    rows = []
                    for row in reader:
                        row["_line"] = str(reader.line_num)
                        rows.append(row)
            except UnicodeDecodeError:
                fail(f"--batch: {batch}: the file is not UTF-8 text")
            except OSError as exc:  # unreadable (permissions), a failing device
                fail(f"--batch: {batch}: cannot read the file ({exc.strerror or exc})")
            except csv.Error as exc:
                fail(f"--batch: {batch}: not a readable CSV file ({exc})")
            for row in rows:
                n = row.pop("_line")
                if None in row:  # more fields than columns; missing trailing fields are blanks
                    fail(f"--batch: line {n}: more fields than the header has columns (an unquoted comma?)")
                if any("\n" in v or "\r" in v for v in row.values() if v):
                    fail(f"--batch: line {n}: a field runs across lines (an unclosed quotation mark?)")
                if not (row.get("query_id") or "").strip():
                    fail(f"--batch: line {n}: query_id is required")
                query = {k: (row.get(k) or "").strip() for k in BATCH_COLUMNS[1:]}
                empty = not (query["given_name"] or query["family_name"] or query["date_of_birth"])
                if not empty and (problems := query_problems(query)):
                    fail(f"--batch: line {n}: {problems}")
            check_refusal()
            for row in rows:
                query = {k: (row.get(k) or "").strip() for k in BATCH_COLUMNS[1:]}
                with transaction.atomic():
                    if not (query["given_name"] or query["family_name"] or query["date_of_birth"]):
                        # Nothing to search on: answered empty, and still audited.
                        audit_record(
                            actor=actor,
                            action=Action.LOOKUP,
                            object_type="person_lookup",  # type: ignore[arg-type]
                            purpose=purpose,
                            detail="empty query: nothing searched",
                        )
                        out = {"candidates": [], "query_ms": 0.0}
                    else:
                        out = public_result(
                            person_lookup(
                                actor=actor,
                                query=query,
                                purpose=purpose,  # type: ignore[arg-type]
                                threshold=threshold,
                                index=index,
                            )
                        )
                typer.echo(json.dumps({"query_id": row["query_id"].strip(), **out}))
        except (ValidationError, PermissionDenied) as exc:
            fail(_errors_text(exc))


def _check_configured_backend() -> None:
    """Refuse an unknown ``CCEHUB_LINKAGE_BACKEND`` with a message, before any work (not a traceback)."""
    from django.conf import settings

    if settings.CCEHUB_LINKAGE_BACKEND not in ("duckdb", "spark"):
        fail(f"CCEHUB_LINKAGE_BACKEND={settings.CCEHUB_LINKAGE_BACKEND!r}: use duckdb or spark")
