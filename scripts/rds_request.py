"""An RDS database request file, validated with every problem reported at once.

    apiVersion: goldenpath.io/v1
    kind: RdsDatabaseRequest
    id: RDS-0001
    metadata: {environment: dev, owner: team-payments, requester: alice@example.com}
    spec:
      instance: goldenpath-dev-shared        # the RDS instance that hosts the database
      databaseName: payments                 # ^[a-z][a-z0-9_]{2,62}$, not a reserved name
      username: payments_app                 # the owner role; same rule
      size: small                            # small, medium, large
      storageGb: 20                          # 20..1000
      backups: {retentionDays: 7}            # 1..35
      masterSecret: goldenpath/dev/rds/master             # {"username", "password"[, host, port]}
      appSecret: goldenpath/dev/payments/db-credentials  # {"password", ...}
      privileges: [CONNECT, TEMPORARY]       # database privileges of the owner role
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import request_files
from .request_files import Checker

API_VERSION = "goldenpath.io/v1"
KIND = "RdsDatabaseRequest"
IDENTIFIER = r"[a-z][a-z0-9_]{2,62}"
RESERVED = frozenset({"postgres", "template0", "template1", "rdsadmin", "rds_superuser",
                      "public", "pg_database_owner", "current_user", "session_user", "user"})
SIZES = ("small", "medium", "large")
PRIVILEGES = ("CONNECT", "CREATE", "TEMPORARY")
ENVIRONMENTS = ("dev", "staging", "prod")
_SECRET_ID = r"[A-Za-z0-9/_+=.@-]{1,512}"
_INSTANCE = r"[a-z][a-z0-9-]{0,62}"


@dataclass(frozen=True)
class RdsRequest:
    id: str
    environment: str
    owner: str
    requester: str
    instance: str
    database_name: str
    username: str
    size: str
    storage_gb: int
    backup_retention_days: int
    master_secret: str
    app_secret: str
    privileges: tuple[str, ...]

    def plan(self) -> dict[str, Any]:
        return {"instance": self.instance, "database": self.database_name,
                "owner": self.username, "privileges": list(self.privileges),
                "masterSecret": self.master_secret, "appSecret": self.app_secret}


def parse(document: dict[str, Any], source: str) -> RdsRequest:
    check = Checker(document, source)
    check.header(API_VERSION, KIND)
    request_id = check.matching("id", r"RDS-\d{4}", "RDS- and four digits, e.g. RDS-0001")
    environment = check.one_of("metadata.environment", ENVIRONMENTS)
    owner = check.text("metadata.owner")
    requester = check.text("metadata.requester")
    instance = check.matching("spec.instance", _INSTANCE, "an RDS instance identifier")
    names = {}
    for path in ("spec.databaseName", "spec.username"):
        names[path] = check.matching(
            path, IDENTIFIER, "a lower-case identifier: a letter, then 2 to 62 letters, digits "
            "or underscores")
        if names[path] in RESERVED or (names[path] or "").startswith("pg_"):
            check.fail(path, f"{names[path]!r} is reserved in PostgreSQL or RDS")
            names[path] = None
    size = check.one_of("spec.size", SIZES, default="small")
    storage = check.integer("spec.storageGb", 20, 1000, default=20)
    retention = check.integer("spec.backups.retentionDays", 1, 35, default=7)
    master_secret = check.matching("spec.masterSecret", _SECRET_ID, "a Secrets Manager secret id")
    app_secret = check.matching("spec.appSecret", _SECRET_ID, "a Secrets Manager secret id")
    privileges = check.strings("spec.privileges", "|".join(PRIVILEGES),
                               f"one of {', '.join(PRIVILEGES)}") or ["CONNECT", "TEMPORARY"]
    check.done()
    return RdsRequest(request_id, environment, owner, requester, instance,
                      names["spec.databaseName"], names["spec.username"], size, storage,
                      retention, master_secret, app_secret, tuple(dict.fromkeys(privileges)))


def load(path: str | Path) -> RdsRequest:
    return parse(request_files.load(path), str(path))
