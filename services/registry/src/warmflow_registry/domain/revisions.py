"""A fingerprint of the profile an editor started from, so an edit cannot undo another's."""

from __future__ import annotations

import hashlib

import orjson

from warmflow_registry.domain.model import Profile


def profile_revision(profile: Profile) -> str:
    """Changes whenever any profile field does (the member's own phone, another admin's edit)
    and only then: check-ins and other status changes leave it alone."""
    raw = orjson.dumps(profile.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()[:16]
