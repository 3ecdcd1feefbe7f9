"""The caller's own preferences: channels per category, quiet hours, urgent override."""

from __future__ import annotations

from datetime import time

from fastapi import APIRouter
from warmflow_shared.auth.deps import CurrentPrincipal
from warmflow_shared.errors import FieldError, InvalidInput

from warmflow_notify.domain.preferences import (
    SAME_QUIET_ENDS,
    Preferences,
    QuietHours,
    not_to_groups,
    refused_channels,
)
from warmflow_notify.entrypoints.identity import recipient_of
from warmflow_notify.entrypoints.schemas import PreferencesBody
from warmflow_notify.service_layer.preferences_repo import PreferenceRepository


def _body(prefs: Preferences) -> PreferencesBody:
    return PreferencesBody.model_validate(prefs.to_dict())


def preferences_router(repo: PreferenceRepository) -> APIRouter:
    router = APIRouter(prefix="/preferences", tags=["preferences"])

    @router.get("/me", name="get_my_preferences")
    async def get_mine(principal: CurrentPrincipal) -> PreferencesBody:
        return _body(await repo.get(recipient_of(principal)))

    @router.put("/me", name="put_my_preferences")
    async def put_mine(body: PreferencesBody, principal: CurrentPrincipal) -> PreferencesBody:
        refused = refused_channels(body.channels)
        if refused:
            errors = [FieldError(f"body.channels.{c}", not_to_groups(c)) for c, _ in refused]
            raise InvalidInput(errors=errors)
        quiet = body.quiet_hours
        if quiet and quiet.start == quiet.end:
            raise InvalidInput(errors=[FieldError("body.quiet_hours", SAME_QUIET_ENDS)])
        prefs = Preferences(
            # each channel once, in the order given (a repeated one was stored as sent)
            channels={c: tuple(dict.fromkeys(chans)) for c, chans in body.channels.items()},
            quiet_hours=QuietHours(time.fromisoformat(quiet.start), time.fromisoformat(quiet.end))
            if quiet
            else None,
            urgent_override=body.urgent_override,
        )
        return _body(await repo.put(recipient_of(principal), prefs))

    return router
