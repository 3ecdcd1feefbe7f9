"""The registry's audit log is the shared trail (``warmflow_shared.audit``), in its own store.

File reads, searches, exports and ID-number reveals are recorded by the service layer with the
fields read and the purpose; state-changing requests by the shared middleware.
"""

from warmflow_shared.audit import AUDIT_COLLECTION, AUDIT_INDEXES
from warmflow_shared.audit import AuditTrail as AuditLog

__all__ = ["AUDIT_COLLECTION", "AUDIT_INDEXES", "AuditLog"]
