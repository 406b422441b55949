"""Fallbacks (`extra_body={"fallbacks": [...]}`) and retries through the official SDK."""

from __future__ import annotations

import openai
import pytest

from helpers import unique_word


def test_fallback_serves_when_the_primary_fails(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model="openai/error-500",
        messages=[{"role": "user", "content": f"fall back {word}"}],
        extra_body={"fallbacks": ["groq/llama-3.1-8b-instant"]},
    )
    assert resp.choices[0].message.content == f"Echo: fall back {word}"
    assert resp.model == "llama-3.1-8b-instant"
    extra = resp.model_extra["extra_fields"]
    assert extra["provider"] == "groq"
    assert extra["model_requested"] == "openai/error-500"

    seen = mock_upstream.requests_mentioning(word)
    assert [(r["json"]["model"], dict(r["headers"])["authorization"]) for r in seen] == [
        ("error-500", "Bearer sk-openai-good-1"),
        ("llama-3.1-8b-instant", "Bearer sk-groq-good-1"),
    ]
    # `fallbacks` is Bifrost's field: never sent upstream.
    assert all("fallbacks" not in r["json"] for r in seen)


def test_fallback_chain_is_tried_in_order(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model="openai/error-503",
        messages=[{"role": "user", "content": word}],
        extra_body={"fallbacks": ["groq/error-502", "openrouter/gpt-4o-mini", "mistral/mistral-small"]},
    )
    assert resp.model_extra["extra_fields"]["provider"] == "mistral"
    assert resp.model == "mistral-small"
    models = [r["json"]["model"] for r in mock_upstream.requests_mentioning(word)]
    assert models == ["error-503", "error-502", "gpt-4o-mini", "mistral-small"]


def test_fallback_when_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="openai/error-500",
        messages=[{"role": "user", "content": "stream fallback"}],
        stream=True,
        extra_body={"fallbacks": ["groq/llama-3.1-8b-instant"]},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: stream fallback"
    assert {c.model_extra["extra_fields"]["provider"] for c in chunks} == {"groq"}


def test_all_fallbacks_failing_returns_the_primary_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(
            model="openai/error-429",
            messages=[{"role": "user", "content": "nothing works"}],
            extra_body={"fallbacks": ["groq/error-500"]},
        )
    assert info.value.status_code == 429
    assert info.value.body["code"] == "rate_limit_exceeded"


def test_retries_recover_from_flaky_upstream(client: openai.OpenAI, mock_upstream) -> None:
    mock_upstream.reset()
    resp = client.chat.completions.create(
        model="cerebras/flaky-2",
        messages=[{"role": "user", "content": "try again"}],
    )
    assert resp.choices[0].message.content == "Echo: try again"
    # Two failures, then success, all with cerebras's key (max_retries is 2).
    attempts = [r for r in mock_upstream.requests() if r["path"] == "/v1/chat/completions"]
    assert [r["json"]["model"] for r in attempts] == ["flaky-2"] * 3
    assert {dict(r["headers"])["authorization"] for r in attempts} == {"Bearer sk-cerebras-good-1"}


def test_retries_give_up_after_max_retries(client: openai.OpenAI, mock_upstream) -> None:
    mock_upstream.reset()
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(
            model="cerebras/flaky-5-503",
            messages=[{"role": "user", "content": "never"}],
        )
    assert info.value.status_code == 503
    assert len(mock_upstream.requests()) == 3
