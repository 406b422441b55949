"""Gateway and upstream failures surfacing as the official SDK's exception types."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from helpers import CHAT_MODEL, unique_word


def _chat(client: openai.OpenAI, model: str, content: str = "hi", **kwargs):
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": content}], **kwargs
    )


# --- requests the gateway refuses -------------------------------------------------------------


def test_missing_messages_is_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=CHAT_MODEL, messages=[])
    err = info.value
    assert err.status_code == 400
    assert "messages is required for chat completion" in err.message
    assert err.body["message"] == "messages is required for chat completion"
    assert err.param == "messages"
    assert err.type == "invalid_request_error"


def test_unknown_provider_is_bad_request(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    with pytest.raises(openai.BadRequestError) as info:
        _chat(client, "nosuchprovider/some-model", word)
    assert info.value.status_code == 400
    assert info.value.param == "model"
    assert "provider" in info.value.body["message"]
    assert mock_upstream.requests_mentioning(word) == []


def test_missing_model_is_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        _chat(client, "")
    assert info.value.status_code == 400
    assert "model" in info.value.body["message"]


def test_invalid_json_is_bad_request(http: httpx.Client) -> None:
    # The SDK always sends valid JSON, so this one goes through httpx.
    resp = http.post(
        "/v1/chat/completions",
        content=b'{"model": "openai/gpt-4o-mini", "messages": [',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("invalid request format")


def test_wrong_field_type_names_the_field(http: httpx.Client) -> None:
    resp = http.post(
        "/v1/chat/completions",
        json={"model": CHAT_MODEL, "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
    )
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["param"] == "temperature"
    assert "temperature" in error["message"]


def test_oversize_body_is_413(http: httpx.Client, client: openai.OpenAI) -> None:
    # `client.max_request_body_size_mb` is 1 in this suite's config.
    big = "x" * (1024 * 1024 + 10)
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": big}]}
    resp = http.post("/v1/chat/completions", json=body)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "request_too_large"

    # The SDK reports it as a plain status error.
    with pytest.raises(openai.APIStatusError) as info:
        _chat(client, CHAT_MODEL, big)
    assert info.value.status_code == 413
    assert info.value.code == "request_too_large"


def test_unsupported_operation_is_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="groq/some-embedder", input="x", encoding_format="float")
    assert info.value.code == "unsupported_operation"
    assert info.value.body["message"] == "embedding is not supported by groq provider"


def test_body_just_under_the_limit_is_served(client: openai.OpenAI) -> None:
    content = "y" * (1024 * 1024 - 4096)
    resp = _chat(client, CHAT_MODEL, content)
    assert resp.choices[0].message.content == f"Echo: {content}"


def test_unknown_route_is_json_404(http: httpx.Client) -> None:
    resp = http.post("/v1/does-not-exist", json={})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["error"]["code"] == "route_not_found"


# --- keys ----------------------------------------------------------------------------------------


def test_pinned_bad_key_is_authentication_error(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    with pytest.raises(openai.AuthenticationError) as info:
        _chat(client, "mistral/mistral-small", word, extra_headers={"x-bf-api-key": "mistral-bad"})
    err = info.value
    assert err.status_code == 401
    assert err.code == "invalid_api_key"
    # The upstream masks the key, and the gateway does not leak it either.
    assert "bad-key-mistral" not in json.dumps(err.body)
    [seen] = mock_upstream.requests_mentioning(word)
    assert dict(seen["headers"])["authorization"] == "Bearer bad-key-mistral"


def test_pinned_good_key_is_used(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = _chat(client, "mistral/mistral-small", word, extra_headers={"x-bf-api-key": "mistral-good"})
    assert resp.choices[0].message.content == f"Echo: {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    assert dict(seen["headers"])["authorization"] == "Bearer sk-mistral-good-1"


def test_pinning_an_unknown_key_is_bad_request(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        _chat(client, "mistral/mistral-small", extra_headers={"x-bf-api-key": "no-such-key"})
    assert "no-such-key" in info.value.body["message"]


def test_all_keys_rejected_is_502(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openrouter/gpt-4o-mini")
    assert info.value.status_code == 502
    assert info.value.type == "upstream_credentials_exhausted"


# --- upstream failures ---------------------------------------------------------------------------


def test_upstream_garbage_is_502(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openai/garbage")
    err = info.value
    assert isinstance(err, openai.APIStatusError)
    assert err.status_code == 502
    assert err.code == "invalid_upstream_response"
    assert err.body["message"]
    assert err.response.json()["extra_fields"]["provider"] == "openai"


def test_upstream_html_error_page_is_502(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openai/html")
    assert info.value.status_code == 502


def test_upstream_empty_body_is_502(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openai/empty")
    assert info.value.status_code == 502


def test_upstream_truncated_body_is_502(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openai/truncated")
    assert info.value.status_code == 502


def test_upstream_429_is_rate_limit_error(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    with pytest.raises(openai.RateLimitError) as info:
        _chat(client, "openai/error-429", word, extra_headers={"x-request-id": "rl-req-1"})
    err = info.value
    assert err.status_code == 429
    assert err.code == "rate_limit_exceeded"
    assert err.request_id == "rl-req-1"
    assert err.response.json()["extra_fields"]["provider"] == "openai"
    # max_retries is 0 for openai: exactly one upstream attempt.
    assert len(mock_upstream.requests_mentioning(word)) == 1


@pytest.mark.parametrize(
    ("status", "exc"),
    [
        (400, openai.BadRequestError),
        (409, openai.ConflictError),
        (404, openai.NotFoundError),
        (422, openai.UnprocessableEntityError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_upstream_status_maps_to_sdk_exception(client: openai.OpenAI, status: int, exc: type) -> None:
    with pytest.raises(exc) as info:
        _chat(client, f"openai/error-{status}")
    assert info.value.status_code == status
    assert info.value.body["message"]


def test_upstream_403_retires_the_key(client: openai.OpenAI) -> None:
    # As in Bifrost, 401/402/403 are per-key failures: with every key of the provider rejected,
    # the gateway answers 502 `upstream_credentials_exhausted`.
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "openai/error-403")
    assert info.value.status_code == 502
    assert info.value.type == "upstream_credentials_exhausted"


def test_upstream_timeout_is_504(client: openai.OpenAI) -> None:
    # xai's default_request_timeout_in_seconds is 1; the mock sleeps 2 s.
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "xai/slow-2000")
    err = info.value
    assert err.status_code == 504
    assert err.code == "request_timed_out"
    assert "timed out" in err.body["message"]


def test_client_side_timeout_then_gateway_still_serves(client: openai.OpenAI) -> None:
    with pytest.raises(openai.APITimeoutError):
        client.with_options(timeout=0.3).chat.completions.create(
            model="openai/slow-1500", messages=[{"role": "user", "content": "too slow"}]
        )
    resp = _chat(client, CHAT_MODEL, "after the timeout")
    assert resp.choices[0].message.content == "Echo: after the timeout"


# --- failures after a stream started ---------------------------------------------------------------


def _collect_until_error(stream) -> tuple[str, openai.APIError]:
    text = ""
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
    return text, info.value


def test_mid_stream_error_raises_api_error(client: openai.OpenAI) -> None:
    stream = _chat(client, "openai/stream-error", "half a sentence", stream=True)
    text, err = _collect_until_error(stream)
    # Two content chunks arrived before the failure.
    assert text == "Echo: half "
    assert not isinstance(err, openai.APIConnectionError), "the gateway reports the error in-band"
    assert err.message == "mock mid-stream failure"


def test_truncated_stream_raises_api_error(client: openai.OpenAI) -> None:
    stream = _chat(client, "openai/truncated", "cut off here", stream=True)
    text, err = _collect_until_error(stream)
    assert text == "Echo: cut "
    assert not isinstance(err, openai.APIConnectionError), "the gateway reports the error in-band"
    assert err.code == "stream_interrupted"
    assert err.type == "upstream_error"


def test_stream_setup_error_is_a_status_error(client: openai.OpenAI) -> None:
    # A failure before the first chunk is a normal HTTP error, not an SSE event.
    with pytest.raises(openai.RateLimitError) as info:
        _chat(client, "openai/error-429", stream=True)
    assert info.value.status_code == 429


def test_stream_idle_timeout_raises_api_error(client: openai.OpenAI) -> None:
    # xai's stream_idle_timeout_in_seconds is 1; the mock pauses 1.5 s between chunks.
    stream = _chat(client, "xai/slow-stream-1500", "slow words here", stream=True)
    text, err = _collect_until_error(stream)
    assert text == ""
    assert err.code == "stream_idle_timeout"


def test_stream_timeout_is_504(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, "xai/slow-2000", stream=True)
    assert info.value.status_code == 504
