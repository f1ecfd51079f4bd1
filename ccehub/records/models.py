"""Agency records (as extracts arrive from police and local authority systems) and the person index.

An :class:`AgencyRecord` is one agency's record of a child, keyed by that agency's own record id.
Record linkage groups records into persons; each build is a :class:`LinkModelVersion` and its
clusters are stored, so a look-up can say which agencies know a child.
"""

from __future__ import annotations

from django.db import models

from ccehub.common.models import BaseModel


class AgencyRecord(BaseModel):
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="records")
    record_id = models.CharField(max_length=64)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    home_local_authority_text = models.CharField(
        max_length=100, blank=True, help_text="As the extract gave it (agency code, ONS code or name)"
    )
    home_local_authority = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency it resolves to, when it does",
    )
    open_nrm = models.BooleanField(null=True, blank=True)
    nrm_decision = models.CharField(
        max_length=40,
        blank=True,
        help_text="As the extract gave it; see ccehub.records.importer.decision_rank",
    )
    cp_plan = models.BooleanField(null=True, blank=True)
    cin_plan = models.BooleanField(null=True, blank=True)
    looked_after = models.BooleanField(null=True, blank=True)
    missing_now = models.BooleanField(null=True, blank=True)
    allocated_worker_contact = models.CharField(max_length=200, blank=True)
    not_same_child_as = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Record ids of this agency's records of a different child whom the model could take for "
            "this one (a twin); the index never puts them in one person"
        ),
    )
    child = models.ForeignKey(
        "children.Child", null=True, blank=True, on_delete=models.SET_NULL, related_name="agency_records"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "record_id"], name="agency_record_unique")]
        indexes = [models.Index(fields=["date_of_birth"]), models.Index(fields=["family_name"])]

    def __str__(self) -> str:
        return f"{self.agency.code}:{self.record_id}"


class LinkModelVersion(BaseModel):
    """One trained linkage model and the clusters it produced."""

    version = models.CharField(max_length=64, unique=True)
    backend = models.CharField(max_length=16, default="duckdb")
    records = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    build_seconds = models.FloatField(default=0)
    model_json = models.JSONField(default=dict)
    index_path = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version


class RecordCluster(models.Model):
    """Which person (cluster) a record belongs to under one model version."""

    id = models.BigAutoField(primary_key=True)
    model = models.ForeignKey(LinkModelVersion, on_delete=models.CASCADE, related_name="clusters")
    record = models.ForeignKey(AgencyRecord, on_delete=models.CASCADE, related_name="clusters")
    person_id = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "record"], name="record_cluster_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.person_id}"
