"""Small helpers shared by the SDK tests."""

from __future__ import annotations

import uuid

#: The mock advertises these models; any other non-fault model name works too.
CHAT_MODEL = "openai/gpt-4o-mini"
EMBEDDING_MODEL = "openai/text-embedding-3-small"
INSTRUCT_MODEL = "openai/gpt-3.5-turbo-instruct"


def unique_word() -> str:
    """A token that appears in exactly one test's request, to find it in the mock's records."""
    return f"tag{uuid.uuid4().hex[:12]}"
