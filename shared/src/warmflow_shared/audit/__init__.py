"""The append-only audit trail every service keeps in its own store (who, what, whom, why)."""

from warmflow_shared.audit.trail import AUDIT_COLLECTION, AUDIT_INDEXES, AuditTrail

__all__ = ["AUDIT_COLLECTION", "AUDIT_INDEXES", "AuditTrail"]
