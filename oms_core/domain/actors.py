"""Who is acting: a store associate or manager (scoped to one store), or an
integration holding an API key (admin or channel)."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ASSOCIATE = "associate"
    MANAGER = "manager"
    ADMIN = "admin"
    CHANNEL = "channel"
    DEVICE = "device"  # an enrolled store app, syncing for its store


STAFF_ROLES = frozenset({Role.ASSOCIATE, Role.MANAGER})
KEY_ROLES = frozenset({Role.ADMIN, Role.CHANNEL})


@dataclass(frozen=True)
class Actor:
    name: str  # staff code or API key name, as recorded in events
    role: Role
    store: str | None = None  # set for staff: the only store they act for

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_store_bound(self) -> bool:
        """Staff and devices act for one store only."""
        return self.store is not None

    @property
    def label(self) -> str:
        return f"{self.store}/{self.name}" if self.store else self.name


SYSTEM = Actor(name="system", role=Role.ADMIN)
