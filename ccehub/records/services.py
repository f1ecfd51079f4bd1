"""Building the person index from agency records, and answering "is this child already known?".

The pure linkage code (:mod:`ccehub.linkage`) does the matching. This module feeds it the stored
agency records, keeps each build as a :class:`LinkModelVersion` with its clusters, and turns a
look-up result into the few facts that may cross an agency boundary: which agencies hold a record,
the home authority, the safeguarding flags and a contact. Every look-up is audited with who asked
and why, in the same transaction.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import AgencyKind
from ccehub.agencies.permissions import IDENTITY_ROLES
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.common.refusals import RefusalRecorded
from ccehub.common.validators import MSG_DOB_FUTURE
from ccehub.records.importer import (
    MSG_POSTCODE,
    authority_text_shown,
    decision_known,
    decision_rank,
    held_record_ids,
    postcode_value,
    sex_error,
)
from ccehub.records.models import AgencyRecord, LinkModelVersion, RecordCluster

MSG_NO_INDEX = "There is no person index yet: import agency records and run `ccehub link build`"
MSG_STALE_INDEX = (
    "The person index was built with a linkage model this version of ccehub no longer uses ({detail}). "
    "Rebuild it with `ccehub link build`"
)
MSG_NO_RECORDS = "There are no agency records to link: import some with `ccehub import children`"
MSG_PURPOSE = "Say why you are looking this child up (the purpose is audited)"
MSG_LOOKUP_ROLE = "Your role cannot look children up"
MSG_EMPTY_QUERY = "Give at least a name or a date of birth"
#: A date exactly as YYYY-MM-DD.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MSG_QUERY_DOB = "date_of_birth: {value!r} is not a date written YYYY-MM-DD"
MSG_THRESHOLD = "The threshold cannot be lower than the configured minimum ({minimum})"
#: At most this many candidates leave the service for one query.
MAX_CANDIDATES = 10
QUERY_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "postcode")

logger = logging.getLogger(__name__)
_cache_lock = threading.Lock()
_cache: dict[str, Any] = {}


def index_root() -> Path:
    return Path(settings.CCEHUB_DATA_DIR) / "person-index"


def records_frame() -> pd.DataFrame:
    rows = AgencyRecord.objects.values_list(
        "record_id", "agency__code", "given_name", "family_name", "date_of_birth", "sex", "postcode"
    ).iterator(chunk_size=20_000)
    frame = pd.DataFrame.from_records(
        rows, columns=["record_id", "agency", "given_name", "family_name", "date_of_birth", "sex", "postcode"]
    )
    frame["date_of_birth"] = frame["date_of_birth"].map(lambda d: d.isoformat() if d else "")
    return frame


def known_different_pairs() -> tuple[list[tuple[str, str]], int]:
    """Pairs of records an agency says are different children (``not_same_child_as``), as the
    index's unique ids; and how many references name no record of that agency (they do nothing)."""
    from ccehub.linkage.standardise import record_unique_id

    rows = list(
        AgencyRecord.objects.exclude(not_same_child_as=[])
        .values_list("agency_id", "agency__code", "record_id", "not_same_child_as")
        .iterator(chunk_size=5_000)
    )
    named: dict[Any, set[str]] = {}
    for agency_id, _, _, others in rows:
        named.setdefault(agency_id, set()).update(others)
    held = {agency_id: held_record_ids(agency_id, ids) for agency_id, ids in named.items()}
    pairs: list[tuple[str, str]] = []
    unresolved = 0
    for agency_id, code, record_id, others in rows:
        for other in others:
            if other in held[agency_id]:
                pairs.append((record_unique_id(code, record_id), record_unique_id(code, other)))
            else:
                unresolved += 1
    return pairs, unresolved


def link_build(*, actor: Actor, backend: str | None = None, progress: Any = False) -> LinkModelVersion:
    """Train the model on all agency records, cluster them into persons, and activate the new index.
    Records an agency says are different children (``not_same_child_as``) are never one person."""
    frame = records_frame()
    if frame.empty:
        raise ValidationError(MSG_NO_RECORDS)
    backend = backend or settings.CCEHUB_LINKAGE_BACKEND
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    apart, unresolved = known_different_pairs()
    try:
        summary = _build(frame, staging, backend=backend, progress=progress, cannot_link=apart)
        # Each build has its own folder: a rebuild with the same model version must not touch the
        # live index's files before the database says the new build is the active one.
        final = root / f"{summary.model_version}--{staging.name.removeprefix('build-')}"
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        version = _record_build(actor, summary, final, unresolved)
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        raise
    return version


def _record_build(actor: Actor, summary: Any, final: Path, unresolved: int) -> LinkModelVersion:
    """Make the build in ``final`` the active index, in one transaction.

    Every build it supersedes gives up its identity data: the folder (names, dates of birth and
    postcodes of every record) is removed once the transaction has committed, and its clusters are
    deleted. A build of another model version keeps its row, without a folder, as the history of
    what was built when (records, persons, time, model); one of the same version is replaced.
    Nothing searches a superseded build (:func:`active_index` reads the active one), and keeping
    copies of every extract for as long as the service runs would breach storage limitation.
    """
    from ccehub.linkage import PersonIndex

    clusters = PersonIndex.load(final).clusters()
    with transaction.atomic():
        # Two builds at once (PostgreSQL): the second waits here, then reads the first's folder too.
        list(LinkModelVersion.objects.select_for_update().values_list("pk", flat=True))
        paths = LinkModelVersion.objects.exclude(index_path="").values_list("index_path", flat=True)
        replaced = [Path(p) for p in paths if Path(p) != final]
        transaction.on_commit(lambda: [shutil.rmtree(p, ignore_errors=True) for p in replaced])
        RecordCluster.objects.all().delete()
        LinkModelVersion.objects.filter(version=summary.model_version).delete()
        LinkModelVersion.objects.update(active=False, index_path="")
        version = LinkModelVersion.objects.create(
            version=summary.model_version,
            backend=summary.backend,
            records=summary.records,
            persons=summary.persons,
            build_seconds=summary.seconds,
            model_json={**summary.as_dict(), "cannot_link_unresolved": unresolved},
            index_path=str(final),
            active=True,
        )
        ids = {
            (code, rid): pk
            for pk, code, rid in AgencyRecord.objects.values_list("pk", "agency__code", "record_id")
        }
        RecordCluster.objects.bulk_create(
            [
                RecordCluster(model=version, record_id=ids[(a, r)], person_id=p)
                for a, r, p in clusters.itertuples(index=False)
                if (a, r) in ids
            ],
            batch_size=5000,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type="person_index",
            object_id=version.version,
            detail=f"{summary.records} records → {summary.persons} persons in {summary.seconds:.1f}s ({summary.backend})",
        )
    return version


def _build(
    frame: pd.DataFrame,
    directory: Path,
    *,
    backend: str,
    progress: Any,
    cannot_link: list[tuple[str, str]] | None = None,
) -> Any:
    """Train on the records when there are enough of them; otherwise, or if training fails, link
    them with the shipped model (see :mod:`ccehub.records.default_model`)."""
    from ccehub.linkage import build_index
    from ccehub.records.default_model import MIN_RECORDS_TO_TRAIN, default_model

    if len(frame) >= MIN_RECORDS_TO_TRAIN:
        try:
            return build_index(
                frame, directory, backend=backend, progress=progress, cannot_link=cannot_link or ()
            )
        except Exception:
            logger.warning(
                "training on %s records failed; linking with the shipped model", len(frame), exc_info=True
            )
    return build_index(
        frame,
        directory,
        model=default_model(),
        backend=backend,
        progress=progress,
        cannot_link=cannot_link or (),
    )


MSG_INDEX_BEHIND = (
    "{count} agency record{s} {were} imported or changed after the person index was built on "
    "{built:%-d %B %Y at %H:%M}: a child recorded since then is not found, and changed names or dates "
    "of birth are not searched, until an operator rebuilds the index (ccehub link build)"
)


def index_behind() -> str | None:
    """A warning when agency records changed after the active index was built (else ``None``).

    Flags and contacts are read from the records at look-up time, so they are always current; who
    can be *found* is what the index knew when it was built.
    """
    version = LinkModelVersion.objects.filter(active=True).order_by("-created_at").first()
    if version is None:
        return None
    count = AgencyRecord.objects.filter(updated_at__gt=version.created_at).count()
    if not count:
        return None
    return MSG_INDEX_BEHIND.format(
        count=count,
        s="" if count == 1 else "s",
        were="was" if count == 1 else "were",
        built=timezone.localtime(version.created_at),
    )


def active_index() -> Any:
    """The active person index, loaded once per process and reloaded when a new build is activated."""
    from ccehub.linkage import PersonIndex

    version = LinkModelVersion.objects.filter(active=True).order_by("-created_at").first()
    if version is None or not Path(version.index_path).exists():
        raise LookupError(MSG_NO_INDEX)
    # Keyed by the build, not the model version: a rebuild with the same model (always so for small
    # extracts, linked with the shipped model) has new persons, e.g. twins newly kept apart.
    build = (version.pk, version.version, version.created_at)
    with _cache_lock:
        if _cache.get("version") != build:
            try:
                _cache["index"] = PersonIndex.load(version.index_path)
            except ValueError as exc:  # built with other comparisons: refuse rather than mis-score
                raise LookupError(MSG_STALE_INDEX.format(detail=exc)) from exc
            _cache["version"] = build
        return _cache["index"]


def link_review(*, actor: Actor, min_probability: float = 0.5, progress: Any = False) -> pd.DataFrame:
    """Pairs of persons in the active index that a lower clustering threshold would join (see
    :func:`ccehub.linkage.near_joins`), for a data steward to check with the agencies: one child split
    in two, or two children who look alike. Audited as an export of the index's record references."""
    from ccehub.linkage import near_joins

    index = active_index()
    review = near_joins(
        index, min_probability=min_probability, backend=settings.CCEHUB_LINKAGE_BACKEND, progress=progress
    )
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type="person_index_review",
        object_id=index.model_version,
        detail=f"{len(review)} pairs of persons at {min_probability} or more "
        f"({int(review['kept_apart'].sum())} kept apart by not_same_child_as)",
    )
    return review


def check_can_lookup(actor: Actor, purpose: str, threshold: float | None = None) -> None:
    """Raise unless ``actor`` may look children up (with ``threshold``, when given).

    Both refusals are access decisions and are audited as ``denied`` (with the actor's purpose): a
    role that may not look children up, and a threshold below the configured minimum, which would
    widen what crosses the agency boundary (only operators may lower it, e.g. to evaluate). Callers
    that run the look-up in a transaction call this first, outside it, so the refusal's row commits.
    """
    if not actor.system and actor.role not in IDENTITY_ROLES:
        audit_record(actor=actor, action=Action.DENIED, object_type="person_lookup", detail=MSG_LOOKUP_ROLE)
        raise RefusalRecorded(MSG_LOOKUP_ROLE)
    if not purpose.strip():
        raise ValidationError({"purpose": [MSG_PURPOSE]})
    minimum = settings.CCEHUB_LOOKUP_THRESHOLD
    if threshold is not None and threshold < minimum and not actor.system:
        message = MSG_THRESHOLD.format(minimum=minimum)
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type="person_lookup",
            detail=f"refused a threshold of {threshold:g}: {message}",
        )
        raise ValidationError({"threshold": [message]})


def _tri_any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if any(v is False for v in values):
        return False
    return None


def _summarise(records: list[AgencyRecord]) -> dict[str, Any]:
    """What may cross the boundary about one person, drawn from every record of them."""
    la_held = [r for r in records if r.agency.kind == AgencyKind.LA_CHILDRENS_SERVICES]
    ordered = la_held + [r for r in records if r not in la_held]
    # Only what names an authority crosses the boundary (the importer refuses anything else; rows
    # imported before it did are filtered here).
    home_texts = [
        r.home_local_authority_text
        for r in ordered
        if r.home_local_authority_text
        and (
            r.home_local_authority is not None
            or authority_text_shown(
                r.home_local_authority_text, given_name=r.given_name, family_name=r.family_name
            )
        )
    ]
    home = (
        Counter(home_texts).most_common(1)[0][0]
        if home_texts
        else (la_held[0].agency.code if la_held else None)
    )
    home_agency = next((r.home_local_authority for r in ordered if r.home_local_authority), None)
    if home_agency is None and la_held:
        home_agency = la_held[0].agency
    decisions = sorted((r.nrm_decision for r in records if decision_known(r.nrm_decision)), key=decision_rank)
    contact = next((r.allocated_worker_contact for r in ordered if r.allocated_worker_contact), "")
    if not contact and home_agency is not None:
        contact = home_agency.out_of_hours_contact
    return {
        "home_local_authority": home,
        "home_local_authority_name": home_agency.name if home_agency else None,
        "flags": {
            "open_nrm": _tri_any([r.open_nrm for r in records]),
            "nrm_decision": decisions[-1] if decisions else None,
            "cp_plan": _tri_any([r.cp_plan for r in records]),
            "cin_plan": _tri_any([r.cin_plan for r in records]),
            "looked_after": _tri_any([r.looked_after for r in records]),
            "missing_now": _tri_any([r.missing_now for r in records]),
        },
        "contact": contact or None,
    }


def clean_query(raw: dict[str, Any]) -> dict[str, str]:
    """The look-up fields, stripped, or ``ValidationError`` naming each field that cannot be one (a
    date that is not a date, a sex or postcode that is not one), as the import refuses them."""
    from datetime import date

    query = {k: str(raw.get(k) or "").strip() for k in QUERY_FIELDS}
    if not (query["given_name"] or query["family_name"] or query["date_of_birth"]):
        raise ValidationError({"given_name": [MSG_EMPTY_QUERY]})
    errors: dict[str, list[str]] = {}
    if query["date_of_birth"]:
        try:
            # fromisoformat alone also reads "2010-W05-3" and "20100203" as days (the message and
            # every other door say YYYY-MM-DD)
            if not ISO_DATE.fullmatch(query["date_of_birth"]):
                raise ValueError(query["date_of_birth"])
            born = date.fromisoformat(query["date_of_birth"])
        except ValueError:
            errors["date_of_birth"] = [MSG_QUERY_DOB.format(value=query["date_of_birth"])]
        else:
            # A typing slip (2035 for 2005) would be answered "not known": refuse it, as the page does.
            if born >= timezone.localdate():
                errors["date_of_birth"] = [MSG_DOB_FUTURE]
    if problem := sex_error(query["sex"]):
        errors["sex"] = [problem]
    if query["postcode"] and postcode_value(query["postcode"]) is None:
        errors["postcode"] = [MSG_POSTCODE.format(value=query["postcode"])]
    if errors:
        raise ValidationError(errors)
    return query


def person_lookup(
    *, actor: Actor, query: dict[str, Any], purpose: str, threshold: float | None = None, index: Any = None
) -> dict[str, Any]:
    """Candidates for ``query`` at or above the threshold, best first, and the look-up time.

    Each candidate carries only ``person_id``, ``match_probability``, ``records`` (agency and record
    id), ``home_local_authority``, ``flags`` and ``contact``. The look-up is audited.
    """
    check_can_lookup(actor, purpose, threshold)
    q = clean_query(query)
    minimum = settings.CCEHUB_LOOKUP_THRESHOLD
    index = index if index is not None else active_index()
    result = index.lookup(q, threshold=minimum if threshold is None else threshold, limit=MAX_CANDIDATES)
    refs = [(r.agency, r.record_id) for c in result.candidates for r in c.records]
    stored: dict[tuple[str, str], AgencyRecord] = {}
    if refs:
        for record in AgencyRecord.objects.select_related("agency", "home_local_authority", "child").filter(
            agency__code__in={a for a, _ in refs}, record_id__in={r for _, r in refs}
        ):
            stored[(record.agency.code, record.record_id)] = record
    candidates = []
    for candidate in result.candidates:
        records = [
            stored[(r.agency, r.record_id)] for r in candidate.records if (r.agency, r.record_id) in stored
        ]
        summary = (
            _summarise(records) if records else {"home_local_authority": None, "flags": {}, "contact": None}
        )
        candidates.append(
            {
                "person_id": candidate.person_id,
                "match_probability": round(candidate.match_probability, 6),
                "records": [r.as_dict() for r in candidate.records],
                "home_local_authority": summary["home_local_authority"],
                "flags": summary["flags"],
                "contact": summary["contact"],
                "_home_local_authority_name": summary.get("home_local_authority_name"),
                "_best_record_unnamed": _matched_without_given_name(q, candidate, stored),
                # The ccehub children its records are linked to: the page offers a way in (the record,
                # or emergency access); public_result drops it, so the JSON contract is unchanged.
                "_child_pids": sorted({r.child.pseudonymous_id for r in records if r.child_id is not None}),
            }
        )
    # A look-up that finds a child with a record here belongs in that child's access history too.
    for pid in sorted({r.child.pseudonymous_id for r in stored.values() if r.child_id is not None}):
        audit_record(
            actor=actor,
            action=Action.LOOKUP,
            object_type="person_lookup",
            child_pid=pid,
            fields=["agency_records", "flags"],
            purpose=purpose,
            detail="found by a look-up",
        )
    audit_record(
        actor=actor,
        action=Action.LOOKUP,
        object_type="person_lookup",
        object_id=getattr(index, "model_version", ""),
        fields=[k for k, v in q.items() if v],
        purpose=purpose,
        detail=f"{len(candidates)} candidate(s)"
        + (": " + ", ".join(c["person_id"] for c in candidates[:10]) if candidates else ""),
    )
    return {"candidates": candidates, "query_ms": round(result.query_ms, 3)}


def _matched_without_given_name(query: dict[str, Any], candidate: Any, stored: dict[Any, Any]) -> bool:
    """The query gave a given name and the record it matched best has none: the same family name,
    birth date and address may be a twin's or a brother's or sister's (linkage.md, known limits)."""
    best = stored.get((candidate.best_record.agency, candidate.best_record.record_id))
    return bool(query.get("given_name")) and best is not None and not (best.given_name or "").strip()


def public_result(result: dict[str, Any]) -> dict[str, Any]:
    """The result as it may leave the service: drop presentation-only keys."""
    return {
        "candidates": [{k: v for k, v in c.items() if not k.startswith("_")} for c in result["candidates"]],
        "query_ms": result["query_ms"],
    }
