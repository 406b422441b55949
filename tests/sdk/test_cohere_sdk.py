"""Cohere's ``ClientV2`` against the gateway's /cohere routes.

The client is used unmodified except for ``base_url``; a bare model goes to the ``cohere``
provider (the mock speaks Cohere's API v2), ``openai/gpt-4o`` reaches OpenAI through the same
route. The SDK's own key is accepted and never forwarded.
"""

from __future__ import annotations

import json

import cohere
import pytest

from conftest import COHERE_CALLER_KEY, COHERE_KEY, GOOD_KEY
from helpers import unique_word

COMMAND = "command-a-03-2025"
CROSS = "openai/gpt-4o"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


def _text(resp) -> str:
    return "".join(c.text for c in resp.message.content or [] if c.type == "text")


def _headers(seen: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in seen["headers"]}


def test_chat_reaches_cohere_with_the_gateways_key(cohere_client, mock_upstream) -> None:
    word = unique_word()
    resp = cohere_client.chat(model=COMMAND, messages=[{"role": "user", "content": f"hello {word}"}])
    assert _text(resp) == f"Echo: hello {word}"
    assert resp.finish_reason == "COMPLETE"
    assert resp.usage.tokens.output_tokens == 3
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/cohere/v2/chat"
    assert _headers(seen)["authorization"] == f"Bearer {COHERE_KEY}"
    assert COHERE_CALLER_KEY not in json.dumps(seen["headers"])


@pytest.mark.parametrize("model", [COMMAND, CROSS])
def test_chat_stream(cohere_client, model: str) -> None:
    word = unique_word()
    messages = [{"role": "user", "content": f"stream {word} now"}]
    events = list(cohere_client.chat_stream(model=model, messages=messages))
    kinds = [e.type for e in events]
    assert kinds[0] == "message-start"
    assert kinds[-1] == "message-end"
    assert "content-start" in kinds and "content-end" in kinds
    text = "".join(e.delta.message.content.text for e in events if e.type == "content-delta")
    assert text == f"Echo: stream {word} now"
    assert events[-1].delta.finish_reason == "COMPLETE"
    assert events[-1].delta.usage.tokens.output_tokens == 4


def test_a_prefixed_model_reaches_openai(cohere_client, mock_upstream) -> None:
    word = unique_word()
    resp = cohere_client.chat(model=CROSS, messages=[{"role": "user", "content": f"cross {word}"}])
    assert _text(resp) == f"Echo: cross {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/chat/completions"
    assert _headers(seen)["authorization"] == f"Bearer {GOOD_KEY}"


@pytest.mark.parametrize("model", [COMMAND, CROSS])
def test_tool_calls(cohere_client, model: str) -> None:
    resp = cohere_client.chat(
        model=model,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[WEATHER_TOOL],
    )
    assert resp.finish_reason == "TOOL_CALL"
    [call] = resp.message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}
    events = list(
        cohere_client.chat_stream(
            model=model, messages=[{"role": "user", "content": "weather in Paris"}], tools=[WEATHER_TOOL]
        )
    )
    kinds = [e.type for e in events]
    assert "tool-call-start" in kinds and "tool-call-end" in kinds
    deltas = [e for e in events if e.type == "tool-call-delta"]
    args = "".join(e.delta.message.tool_calls.function.arguments or "" for e in deltas)
    assert json.loads(args) == {"location": "Paris"}


@pytest.mark.parametrize("model", ["embed-v4.0", "openai/text-embedding-3-small"])
def test_embed(cohere_client, model: str) -> None:
    resp = cohere_client.embed(
        model=model, texts=["alpha", "beta"], input_type="search_document", embedding_types=["float"]
    )
    floats = resp.embeddings.float_
    assert len(floats) == 2
    assert len(floats[0]) > 0
    assert floats[0] != floats[1]


def test_rerank(cohere_client) -> None:
    resp = cohere_client.rerank(
        model="rerank-v3.5", query="green tea", documents=["black coffee", "green tea leaves", "tea"], top_n=2
    )
    assert [r.index for r in resp.results][0] == 1
    assert len(resp.results) == 2


def test_errors_raise_the_sdks_exceptions(cohere_client) -> None:
    with pytest.raises(cohere.errors.TooManyRequestsError):
        cohere_client.chat(model="error-429", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(cohere.errors.BadRequestError) as err:
        cohere_client.chat(model=COMMAND, messages=[])
    assert "message" in err.value.body


def test_models_list(cohere_client) -> None:
    names = [m.name for m in cohere_client.models.list().models]
    assert COMMAND in names
    assert "openai/gpt-4o" in names
