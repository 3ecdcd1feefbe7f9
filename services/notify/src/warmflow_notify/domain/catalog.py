"""The template book notify renders from: every template, every version."""

from __future__ import annotations

from warmflow_notify.domain.templates import TemplateBook
from warmflow_notify.domain.texts_registry import REGISTRY_TEMPLATES
from warmflow_notify.domain.texts_support import SUPPORT_TEMPLATES
from warmflow_notify.domain.texts_transfers import (
    BATCH_TEMPLATES,
    DIGEST_TEMPLATE,
    LEARNING_TEMPLATES,
    TRANSFER_TEMPLATES,
)

TEMPLATES = TemplateBook(
    [
        *REGISTRY_TEMPLATES,
        *TRANSFER_TEMPLATES,
        *LEARNING_TEMPLATES,
        *SUPPORT_TEMPLATES,
        DIGEST_TEMPLATE,
        *BATCH_TEMPLATES,
    ]
)
