"""The official OpenAI SDK reaching every native provider through the OpenAI-compatible `/v1`
routes: the gateway translates to Anthropic Messages, Gemini and Vertex generateContent, Bedrock
Converse, Azure OpenAI and Cohere v2 chat, and back, with nothing lost on the way.

Every provider answers from the same mock upstream, which speaks each provider's own wire format
(and checks each provider's own authentication: API key headers, SigV4, OAuth tokens).
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from helpers import unique_word

#: One model per native provider, as a caller names it.
NATIVE_MODELS = [
    pytest.param("anthropic/claude-haiku-4-5", "/v1/messages", id="anthropic"),
    pytest.param("gemini/gemini-2.0-flash", ":generateContent", id="gemini"),
    pytest.param("vertex/gemini-2.0-flash", ":generateContent", id="vertex"),
    pytest.param(
        "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0", "/converse", id="bedrock"
    ),
    pytest.param("azure/gpt-4o", "/chat/completions", id="azure"),
    pytest.param("cohere/command-r-plus", "/v2/chat", id="cohere"),
]

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


def _upstream_call(mock_upstream, word: str, path_part: str) -> dict[str, Any]:
    """The single upstream request that carried `word`, checked to be the provider's native one."""
    [seen] = mock_upstream.requests_mentioning(word)
    assert path_part in seen["path"], seen["path"]
    return seen


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_chat_reaches_native_provider(
    client: openai.OpenAI, mock_upstream, model: str, native_path: str
) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": f"hello {word}"},
        ],
        max_tokens=64,
    )
    [choice] = resp.choices
    assert choice.message.role == "assistant"
    assert choice.message.content == f"Echo: hello {word}"
    assert choice.finish_reason == "stop"
    assert resp.model
    assert resp.usage is not None
    assert resp.usage.prompt_tokens > 0
    assert resp.usage.completion_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens

    seen = _upstream_call(mock_upstream, word, native_path)
    # The caller's own key never reaches the upstream.
    assert "sk-anything" not in json.dumps(seen["headers"])
    # The system prompt travelled in the provider's own field.
    assert "You are terse." in seen["body"]


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_stream_matches_unary(
    client: openai.OpenAI, mock_upstream, model: str, native_path: str
) -> None:
    word = unique_word()
    messages = [{"role": "user", "content": f"tell me about {word} please"}]
    unary = client.chat.completions.create(model=model, messages=messages)

    stream = client.chat.completions.create(
        model=model,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    text = []
    finish = None
    usage = None
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
        if chunk.usage is not None:
            usage = chunk.usage
    assert "".join(text) == unary.choices[0].message.content == f"Echo: tell me about {word} please"
    assert finish == unary.choices[0].finish_reason == "stop"
    # Usage parity: the streamed exchange reports the same token counts as the unary one.
    assert usage is not None
    assert unary.usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (
        unary.usage.prompt_tokens,
        unary.usage.completion_tokens,
    )
    assert len(mock_upstream.requests_mentioning(word)) == 2


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_tool_call_round_trip(
    client: openai.OpenAI, mock_upstream, model: str, native_path: str
) -> None:
    word = unique_word()
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": f"What is the weather in Paris? {word}"}
    ]
    first = client.chat.completions.create(
        model=model,
        messages=messages,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}
    assert call.id

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"})
    second = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content

    calls = mock_upstream.requests_mentioning(word)
    assert len(calls) == 2
    # The tool definition and, in the second call, the tool result reached the provider.
    assert "get_weather" in calls[0]["body"]
    assert "sunny, 21C" in calls[1]["body"]
    assert call.id in calls[1]["body"]


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_streamed_tool_call(
    client: openai.OpenAI, model: str, native_path: str
) -> None:
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": f"What is the weather in Paris? {unique_word()}"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stream=True,
    )
    names: dict[int, str] = {}
    args: dict[int, str] = {}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            for tc in choice.delta.tool_calls or []:
                if tc.function and tc.function.name:
                    names[tc.index] = names.get(tc.index, "") + tc.function.name
                if tc.function and tc.function.arguments:
                    args[tc.index] = args.get(tc.index, "") + tc.function.arguments
            if choice.finish_reason:
                finish = choice.finish_reason
    assert finish == "tool_calls"
    assert names == {0: "get_weather"}
    assert json.loads(args[0]) == {"location": "Paris"}


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_max_tokens_cut_off_is_length(
    client: openai.OpenAI, model: str, native_path: str
) -> None:
    resp = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "one two three four five six seven eight"}],
        max_tokens=2,
    )
    assert resp.choices[0].finish_reason == "length"
    content = resp.choices[0].message.content or ""
    assert "Echo: one two three four five six seven eight".startswith(content)
    assert content != "Echo: one two three four five six seven eight"


@pytest.mark.parametrize(("model", "native_path"), NATIVE_MODELS)
def test_responses_api_reaches_native_provider(
    client: openai.OpenAI, mock_upstream, model: str, native_path: str
) -> None:
    word = unique_word()
    resp = client.responses.create(model=model, input=f"hi {word}", instructions="Be brief.")
    assert resp.status == "completed"
    assert resp.output_text == f"Echo: hi {word}"
    assert resp.usage is not None and resp.usage.input_tokens > 0
    # Azure serves the Responses API natively; the others through their chat endpoint.
    path = "/openai/v1/responses" if model.startswith("azure/") else native_path
    _upstream_call(mock_upstream, word, path)

    stream = client.responses.create(model=model, input=f"again {word}", stream=True)
    events = [event.type for event in stream]
    assert events[0] == "response.created"
    assert events[-1] == "response.completed"
    assert "response.output_text.delta" in events
