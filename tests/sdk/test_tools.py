"""Tool calling, unary and streamed, through the official SDK."""

from __future__ import annotations

import json
from typing import Any

import openai
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from helpers import CHAT_MODEL, unique_word

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
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def test_tool_call_parses_into_sdk_types(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"What is the weather in Paris? {word}"}],
        tools=[WEATHER_TOOL],
    )
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.id == "call_mock_0"
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}

    # The tool definition reached the upstream intact.
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["tools"] == [WEATHER_TOOL]


def test_parallel_tool_calls(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "weather in parallel for Paris and London"}],
        tools=[WEATHER_TOOL],
        parallel_tool_calls=True,
    )
    calls = resp.choices[0].message.tool_calls or []
    assert [c.id for c in calls] == ["call_mock_0", "call_mock_1"]
    assert [c.function.name for c in calls] == ["get_weather", "get_weather"]
    assert [json.loads(c.function.arguments) for c in calls] == [
        {"location": "Paris"},
        {"location": "London"},
    ]


def test_named_tool_choice_and_tool_result_round_trip(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    first = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"what time is it {word}"}],
        tools=[WEATHER_TOOL, TIME_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    [call] = first.choices[0].message.tool_calls or []
    assert call.function.name == "get_time"

    second = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[
            {"role": "user", "content": f"what time is it {word}"},
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "noon"},
        ],
        tools=[WEATHER_TOOL, TIME_TOOL],
    )
    assert second.choices[0].message.content == "Tool said: noon"
    assert second.choices[0].finish_reason == "stop"

    # The assistant's tool call and the tool result were forwarded as OpenAI shapes.
    seen = mock_upstream.requests_mentioning(word)
    assert len(seen) == 2
    messages = seen[1]["json"]["messages"]
    assert messages[1]["role"] == "assistant"
    assert messages[1]["tool_calls"][0]["id"] == call.id
    assert messages[1]["tool_calls"][0]["function"]["name"] == "get_time"
    assert messages[2] == {"role": "tool", "tool_call_id": call.id, "content": "noon"}
    assert seen[0]["json"]["tool_choice"] == {"type": "function", "function": {"name": "get_time"}}


def test_tool_choice_none_answers_with_text(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "weather but no tools"}],
        tools=[WEATHER_TOOL],
        tool_choice="none",
    )
    assert resp.choices[0].message.tool_calls is None
    assert resp.choices[0].message.content == "Echo: weather but no tools"


def _reassemble(stream) -> tuple[dict[int, dict[str, str]], list[str | None]]:
    """Merges streamed tool-call deltas by index, the way OpenAI documents it."""
    calls: dict[int, dict[str, str]] = {}
    finish: list[str | None] = []
    for chunk in stream:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        finish.append(choice.finish_reason)
        for delta in choice.delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            if delta.id:
                entry["id"] = delta.id
            if delta.function is not None:
                entry["name"] += delta.function.name or ""
                entry["arguments"] += delta.function.arguments or ""
    return calls, finish


def test_streamed_tool_call_deltas_reassemble(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "weather in Paris"}],
        tools=[WEATHER_TOOL],
        stream=True,
    )
    calls, finish = _reassemble(stream)
    assert calls == {0: {"id": "call_mock_0", "name": "get_weather", "arguments": '{"location":"Paris"}'}}
    assert finish[-1] == "tool_calls"


def test_streamed_parallel_tool_calls_reassemble(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "weather in parallel please"}],
        tools=[WEATHER_TOOL],
        stream=True,
        stream_options={"include_usage": True},
    )
    calls, finish = _reassemble(stream)
    assert sorted(calls) == [0, 1]
    assert calls[0]["id"] == "call_mock_0" and calls[1]["id"] == "call_mock_1"
    assert {c["name"] for c in calls.values()} == {"get_weather"}
    assert json.loads(calls[0]["arguments"]) == {"location": "Paris"}
    assert json.loads(calls[1]["arguments"]) == {"location": "London"}
    assert finish[-1] == "tool_calls"


def test_stream_helper_parses_tool_calls(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "weather in parallel now"}],
        tools=[WEATHER_TOOL],
    ) as stream:
        done = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()
    assert [e.name for e in done] == ["get_weather", "get_weather"]
    assert [e.arguments for e in done] == ['{"location":"Paris"}', '{"location":"London"}']
    calls = final.choices[0].message.tool_calls or []
    assert [c.function.arguments for c in calls] == ['{"location":"Paris"}', '{"location":"London"}']
