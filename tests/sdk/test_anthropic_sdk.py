"""The official Anthropic Python SDK against the gateway's /anthropic routes.

The client is used unmodified except for ``base_url``; a bare model goes to the ``anthropic``
provider (the mock speaks the Messages API), ``openai/gpt-4o`` reaches OpenAI through the same
route.
"""

from __future__ import annotations

import asyncio
import json

import anthropic
import pytest
from anthropic.types import (
    Message,
    MessageTokensCount,
    ModelInfo,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

from conftest import ANTHROPIC_KEY
from helpers import unique_word

CLAUDE = "claude-haiku-4-5"
CROSS = "openai/gpt-4o"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather of a city",
    "input_schema": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


def _ask(client: anthropic.Anthropic, model: str, text: str, **kwargs) -> Message:
    return client.messages.create(
        model=model, max_tokens=256, messages=[{"role": "user", "content": text}], **kwargs
    )


def _upstream(mock_upstream, word: str) -> dict:
    [seen] = mock_upstream.requests_mentioning(word)
    return seen


def _headers(seen: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in seen["headers"]}


# --- messages.create ---------------------------------------------------------------------------


def test_messages_create(anthropic_client: anthropic.Anthropic, mock_upstream) -> None:
    word = unique_word()
    msg = _ask(anthropic_client, CLAUDE, f"hello {word}")
    assert isinstance(msg, Message)
    assert msg.id.startswith("msg_")
    assert msg.type == "message" and msg.role == "assistant"
    assert msg.model == CLAUDE
    assert len(msg.content) == 1 and isinstance(msg.content[0], TextBlock)
    assert msg.content[0].text == f"Echo: hello {word}"
    assert msg.stop_reason == "end_turn"
    assert msg.stop_sequence is None
    assert msg.usage.input_tokens == 2
    assert msg.usage.output_tokens == 3
    assert msg._request_id
    seen = _upstream(mock_upstream, word)
    assert seen["path"] == "/v1/messages"
    headers = _headers(seen)
    # The gateway's key reaches Anthropic; the SDK's own key never leaves the gateway.
    assert headers["x-api-key"] == ANTHROPIC_KEY
    assert "sk-ant-caller-own-key" not in json.dumps(seen)


def test_system_stop_sequences_and_sampling(anthropic_client: anthropic.Anthropic, mock_upstream) -> None:
    word = unique_word()
    msg = _ask(
        anthropic_client,
        CLAUDE,
        f"one two {word} three",
        system=[{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
        stop_sequences=[word],
        metadata={"user_id": "user-1"},
        # Sampling parameters are not typed arguments of this SDK version: they go as extra body.
        extra_body={"temperature": 0.3, "top_k": 7},
    )
    assert msg.stop_reason == "stop_sequence"
    assert msg.stop_sequence == word
    assert msg.content[0].text == "Echo: one two "
    assert msg.usage.cache_creation_input_tokens == 2
    sent = json.loads(_upstream(mock_upstream, word)["body"])
    assert sent["system"] == [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}]
    assert sent["top_k"] == 7 and sent["temperature"] == 0.3
    assert sent["metadata"] == {"user_id": "user-1"}


def test_max_tokens_truncates(anthropic_client: anthropic.Anthropic) -> None:
    msg = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=2, messages=[{"role": "user", "content": "a b c d e"}]
    )
    assert msg.stop_reason == "max_tokens"
    assert msg.content[0].text == "Echo: a"


# --- streaming ---------------------------------------------------------------------------------


def test_stream_helper(anthropic_client: anthropic.Anthropic) -> None:
    word = unique_word()
    with anthropic_client.messages.stream(
        model=CLAUDE, max_tokens=256, messages=[{"role": "user", "content": f"stream {word} now"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == f"Echo: stream {word} now"
    assert final.content[0].text == text
    assert final.stop_reason == "end_turn"
    # message_delta carries the cumulative usage, input tokens included.
    assert final.usage.input_tokens == 3
    assert final.usage.output_tokens == 4


def test_raw_stream_event_order(anthropic_client: anthropic.Anthropic) -> None:
    events = list(
        anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=256,
            messages=[{"role": "user", "content": "raw events please"}],
            stream=True,
        )
    )
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start"
    assert kinds[1] == "content_block_start"
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(kinds[2:-3]) == {"content_block_delta"}
    assert isinstance(events[0], RawMessageStartEvent)
    assert events[0].message.content == [] and events[0].message.id.startswith("msg_")
    assert isinstance(events[1], RawContentBlockStartEvent)
    assert events[1].content_block.type == "text" and events[1].index == 0
    deltas = [e for e in events if isinstance(e, RawContentBlockDeltaEvent)]
    assert all(d.delta.type == "text_delta" and d.index == 0 for d in deltas)
    assert "".join(d.delta.text for d in deltas) == "Echo: raw events please"
    assert isinstance(events[-3], RawContentBlockStopEvent)
    delta = events[-2]
    assert isinstance(delta, RawMessageDeltaEvent)
    assert delta.delta.stop_reason == "end_turn"
    assert delta.usage.output_tokens == 4
    assert isinstance(events[-1], RawMessageStopEvent)


# --- tools -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [CLAUDE, CROSS])
def test_tool_use_round_trip(anthropic_client: anthropic.Anthropic, model: str) -> None:
    question = {"role": "user", "content": "what is the weather in Paris?"}
    first = anthropic_client.messages.create(
        model=model, max_tokens=256, tools=[WEATHER_TOOL], messages=[question]
    )
    assert first.stop_reason == "tool_use"
    [call] = [b for b in first.content if isinstance(b, ToolUseBlock)]
    assert call.name == "get_weather"
    assert call.input == {"location": "Paris"}
    second = anthropic_client.messages.create(
        model=model,
        max_tokens=256,
        tools=[WEATHER_TOOL],
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18C and sunny"}],
            },
        ],
    )
    assert second.stop_reason == "end_turn"
    assert second.content[0].text == "Tool said: 18C and sunny"


@pytest.mark.parametrize("model", [CLAUDE, CROSS])
def test_streamed_tool_use(anthropic_client: anthropic.Anthropic, model: str) -> None:
    with anthropic_client.messages.stream(
        model=model,
        max_tokens=256,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "tool", "name": "get_weather"},
        messages=[{"role": "user", "content": "forecast please"}],
    ) as stream:
        final = stream.get_final_message()
    [call] = [b for b in final.content if isinstance(b, ToolUseBlock)]
    assert call.name == "get_weather"
    assert call.input == {"location": "Paris"}
    assert final.stop_reason == "tool_use"


def test_parallel_tool_use_can_be_disabled(anthropic_client: anthropic.Anthropic) -> None:
    def calls(**choice) -> int:
        msg = anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=256,
            tools=[WEATHER_TOOL],
            messages=[{"role": "user", "content": "weather in parallel for two cities"}],
            **choice,
        )
        return sum(isinstance(b, ToolUseBlock) for b in msg.content)

    assert calls() == 2
    assert calls(tool_choice={"type": "auto", "disable_parallel_tool_use": True}) == 1


# --- thinking ----------------------------------------------------------------------------------


def test_thinking_round_trip(anthropic_client: anthropic.Anthropic, mock_upstream) -> None:
    word = unique_word()
    question = {"role": "user", "content": f"redact and think {word}"}
    thinking = {"type": "enabled", "budget_tokens": 1024}
    first = anthropic_client.messages.create(
        model=CLAUDE, max_tokens=2048, thinking=thinking, messages=[question]
    )
    assert isinstance(first.content[0], ThinkingBlock)
    assert first.content[0].thinking == f"Thinking about: redact and think {word}"
    assert first.content[0].signature.startswith("EqMockSig")
    assert isinstance(first.content[1], RedactedThinkingBlock)
    assert isinstance(first.content[2], TextBlock)
    # The mock verifies signatures and redacted data: the blocks must come back unchanged.
    second = anthropic_client.messages.create(
        model=CLAUDE,
        max_tokens=2048,
        thinking=thinking,
        messages=[
            question,
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": f"more {word}"},
        ],
    )
    assert isinstance(second.content[0], ThinkingBlock)
    replayed = json.loads(_upstream(mock_upstream, f"more {word}")["body"])
    assert replayed["thinking"] == thinking
    assert replayed["messages"][1]["content"][0]["signature"] == first.content[0].signature


def test_streamed_thinking(anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.stream(
        model=CLAUDE,
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "consider this"}],
    ) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_message()
    assert "thinking" in kinds and "signature" in kinds and "text" in kinds
    block = final.content[0]
    assert isinstance(block, ThinkingBlock)
    assert block.thinking == "Thinking about: consider this"
    assert block.signature.startswith("EqMockSig")
    assert final.content[1].text == "Echo: consider this"


# --- count_tokens and models -------------------------------------------------------------------


def test_count_tokens(anthropic_client: anthropic.Anthropic, mock_upstream) -> None:
    word = unique_word()
    count = anthropic_client.messages.count_tokens(
        model=CLAUDE,
        system="be brief",
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": f"count these {word} words"}],
    )
    assert isinstance(count, MessageTokensCount)
    assert count.input_tokens == 6
    assert _upstream(mock_upstream, word)["path"] == "/v1/messages/count_tokens"


def test_models_list_and_retrieve(anthropic_client: anthropic.Anthropic) -> None:
    models = list(anthropic_client.models.list(limit=2))  # auto-paginates with after_id
    assert all(isinstance(m, ModelInfo) and m.type == "model" for m in models)
    ids = [m.id for m in models]
    assert len(ids) == len(set(ids))
    assert "claude-sonnet-4-5-20250929" in ids
    assert "openai/gpt-4o" in ids
    sonnet = next(m for m in models if m.id == "claude-sonnet-4-5-20250929")
    assert sonnet.display_name == "Claude Sonnet 4.5"
    assert sonnet.created_at.year == 2025
    page = anthropic_client.models.list(limit=2)
    assert len(page.data) == 2 and page.has_more
    assert page.last_id == page.data[-1].id
    one = anthropic_client.models.retrieve("claude-haiku-4-5-20251001")
    assert one.display_name == "Claude Haiku 4.5"


# --- another provider family through the Anthropic SDK -----------------------------------------


def test_openai_through_the_anthropic_sdk(anthropic_client: anthropic.Anthropic, mock_upstream) -> None:
    word = unique_word()
    msg = _ask(anthropic_client, CROSS, f"cross {word}", system="be brief")
    assert msg.model == "gpt-4o"
    assert msg.id.startswith("msg_")
    assert msg.content[0].text == f"Echo: cross {word}"
    assert msg.stop_reason == "end_turn"
    assert msg.usage.output_tokens == 3
    seen = _upstream(mock_upstream, word)
    assert seen["path"] == "/v1/chat/completions"
    sent = json.loads(seen["body"])
    assert sent["messages"][0] == {"role": "system", "content": "be brief"}
    assert sent["max_completion_tokens"] == 256
    assert "x-api-key" not in _headers(seen)


def test_openai_stream_through_the_anthropic_sdk(anthropic_client: anthropic.Anthropic) -> None:
    with anthropic_client.messages.stream(
        model=CROSS, max_tokens=256, messages=[{"role": "user", "content": "stream across"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Echo: stream across"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 3
    assert final.usage.input_tokens > 0


def test_async_client(async_anthropic_client) -> None:
    async def run() -> list[str]:
        async with async_anthropic_client() as client:
            msgs = await asyncio.gather(
                *(
                    client.messages.create(
                        model=CLAUDE, max_tokens=64, messages=[{"role": "user", "content": f"async {i}"}]
                    )
                    for i in range(3)
                )
            )
        return [m.content[0].text for m in msgs]

    assert asyncio.run(run()) == [f"Echo: async {i}" for i in range(3)]


# --- errors --------------------------------------------------------------------------------------


def test_invalid_request_is_bad_request(anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        anthropic_client.messages.create(
            model=CLAUDE,
            max_tokens=1024,
            thinking={"type": "enabled", "budget_tokens": 2048},
            messages=[{"role": "user", "content": "x"}],
        )
    err = info.value
    assert err.status_code == 400
    assert err.body["type"] == "error"
    assert err.body["error"]["type"] == "invalid_request_error"
    assert "thinking budget" in err.body["error"]["message"]
    assert err.request_id


def test_pinned_bad_key_is_authentication_error(anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.AuthenticationError) as info:
        _ask(anthropic_client, CLAUDE, "x", extra_headers={"x-bf-api-key": "anthropic-bad"})
    assert info.value.status_code == 401
    assert info.value.body["error"] == {"type": "authentication_error", "message": "invalid x-api-key"}
    assert "bad-key-anthropic" not in json.dumps(info.value.body)


@pytest.mark.parametrize(
    ("model", "status", "exc", "kind"),
    [
        ("error-400", 400, anthropic.BadRequestError, "invalid_request_error"),
        ("error-404", 404, anthropic.NotFoundError, "not_found_error"),
        ("error-429", 429, anthropic.RateLimitError, "rate_limit_error"),
        ("error-500", 500, anthropic.InternalServerError, "api_error"),
        ("error-529", 529, anthropic.APIStatusError, "overloaded_error"),
        ("openai/error-429", 429, anthropic.RateLimitError, "rate_limit_error"),
        ("openai/error-500", 500, anthropic.InternalServerError, "api_error"),
    ],
)
def test_upstream_errors_keep_status_and_type(
    anthropic_client: anthropic.Anthropic, model: str, status: int, exc: type, kind: str
) -> None:
    with pytest.raises(exc) as info:
        _ask(anthropic_client, model, "x")
    assert info.value.status_code == status
    assert info.value.body["error"]["type"] == kind
    assert info.value.body["error"]["message"]


def test_unknown_model_id_is_not_found(anthropic_client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as info:
        anthropic_client.models.retrieve("claude-does-not-exist")
    assert info.value.body["error"]["type"] == "not_found_error"


@pytest.mark.parametrize(
    ("model", "kind"), [("stream-error", "overloaded_error"), ("openai/stream-error", "api_error")]
)
def test_mid_stream_error_raises(anthropic_client: anthropic.Anthropic, model: str, kind: str) -> None:
    seen: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as info:
        with anthropic_client.messages.stream(
            model=model, max_tokens=256, messages=[{"role": "user", "content": "one two three four"}]
        ) as stream:
            for text in stream.text_stream:
                seen.append(text)
    assert seen, "content arrived before the failure"
    assert info.value.body["type"] == "error"
    assert info.value.body["error"]["type"] == kind
