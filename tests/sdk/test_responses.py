"""The Responses API through the official SDK: natively to OpenAI, over chat completions to Groq."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseTextDeltaEvent,
)

from helpers import unique_word

#: The same request reaches OpenAI's `/v1/responses` and, translated, Groq's chat completions.
MODELS = {"native": "openai/gpt-4.1-mini", "translated": "groq/llama-3.3-70b-versatile"}

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
    "strict": True,
}


@pytest.fixture(params=sorted(MODELS), ids=sorted(MODELS))
def model(request: pytest.FixtureRequest) -> str:
    return MODELS[request.param]


def test_create_returns_a_response_object(client: openai.OpenAI, model: str, mock_upstream) -> None:
    word = unique_word()
    response = client.responses.create(model=model, instructions="Be brief.", input=f"Say {word}")
    assert isinstance(response, Response)
    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.output_text == f"Echo: Say {word}"
    [message] = response.output
    assert isinstance(message, ResponseOutputMessage)
    assert message.role == "assistant"
    assert message.content[0].type == "output_text"
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.output_tokens == 3
    assert response.model_extra["extra_fields"]["request_type"] == "responses"

    [seen] = mock_upstream.requests_mentioning(word)
    if model.startswith("openai/"):
        assert seen["path"] == "/v1/responses"
        assert seen["json"]["instructions"] == "Be brief."
    else:
        assert seen["path"] == "/v1/chat/completions"
        assert seen["json"]["messages"][0] == {"role": "system", "content": "Be brief."}


def test_input_items_and_content_parts(client: openai.OpenAI, model: str) -> None:
    response = client.responses.create(
        model=model,
        input=[
            {"role": "developer", "content": "Answer plainly."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "first answer"},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "describe "},
                    {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
                    {"type": "input_text", "text": "this"},
                ],
            },
        ],
    )
    assert response.output_text == "Echo: describe this"


def test_stream_events_are_ordered_and_end_with_usage(client: openai.OpenAI, model: str) -> None:
    stream = client.responses.create(model=model, input="stream these words please", stream=True)
    events = list(stream)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created"
    assert events[1].type == "response.in_progress"
    assert isinstance(events[-1], ResponseCompletedEvent)
    deltas = [e for e in events if isinstance(e, ResponseTextDeltaEvent)]
    assert "".join(d.delta for d in deltas) == "Echo: stream these words please"
    assert len({(d.item_id, d.output_index, d.content_index) for d in deltas}) == 1
    types = [e.type for e in events]
    assert types.index("response.output_item.added") < types.index("response.content_part.added")
    assert types.index("response.output_text.done") < types.index("response.output_item.done")

    final = events[-1].response
    assert final.status == "completed"
    assert final.output_text == "Echo: stream these words please"
    whole = client.responses.create(model=model, input="stream these words please")
    assert final.usage == whole.usage, "usage is the same streamed or not"


def test_stream_helper_accumulates_the_final_response(client: openai.OpenAI, model: str) -> None:
    with client.responses.stream(model=model, input="helper stream") as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == "Echo: helper stream"
    assert final.output_text == "Echo: helper stream"
    assert final.usage is not None and final.usage.output_tokens == 3


def test_function_calling_round_trip(client: openai.OpenAI, model: str) -> None:
    ask = {"role": "user", "content": "What is the weather in Paris and London, in parallel?"}
    first = client.responses.create(model=model, input=[ask], tools=[WEATHER_TOOL])
    calls = [item for item in first.output if isinstance(item, ResponseFunctionToolCall)]
    assert [c.name for c in calls] == ["get_weather", "get_weather"]
    assert [json.loads(c.arguments)["location"] for c in calls] == ["Paris", "London"]
    assert len({c.call_id for c in calls}) == 2

    follow_up = [ask, *first.output]
    for call, temperature in zip(calls, ["18C", "15C"], strict=True):
        follow_up.append({"type": "function_call_output", "call_id": call.call_id, "output": temperature})
    second = client.responses.create(model=model, input=follow_up, tools=[WEATHER_TOOL])
    assert second.output_text == "Tool said: 15C"


def test_streamed_function_call_arguments(client: openai.OpenAI, model: str) -> None:
    with client.responses.stream(
        model=model, input="weather please", tools=[WEATHER_TOOL], tool_choice="required"
    ) as stream:
        argument_deltas = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()
    [call] = final.output
    assert isinstance(call, ResponseFunctionToolCall)
    assert "".join(argument_deltas) == call.arguments == '{"location":"Paris"}'


def test_structured_output_with_text_format(client: openai.OpenAI, model: str) -> None:
    response = client.responses.create(
        model=model,
        input="structured",
        text={
            "format": {
                "type": "json_schema",
                "name": "answer",
                "schema": {"type": "object", "properties": {"answer": {"type": "string"}}},
                "strict": True,
            }
        },
    )
    assert json.loads(response.output_text) == {"answer": "Echo: structured"}


def test_max_output_tokens_makes_the_response_incomplete(client: openai.OpenAI, model: str) -> None:
    response = client.responses.create(model=model, input="one two three four five", max_output_tokens=2)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Echo: one"


def test_native_reasoning_items(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model=MODELS["native"],
        input="think first",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    reasoning = response.output[0]
    assert reasoning.type == "reasoning"
    assert reasoning.summary[0].text == "Reasoning about: think first"
    assert reasoning.encrypted_content
    assert response.usage.output_tokens_details.reasoning_tokens == 4


def test_unknown_fields_reach_openai_unchanged(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    client.responses.create(
        model=MODELS["native"],
        input=word,
        store=False,
        metadata={"trace": word},
        extra_body={"custom_knob": {"depth": 2}},
    )
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["custom_knob"] == {"depth": 2}
    assert seen["json"]["store"] is False
    assert seen["json"]["model"] == "gpt-4.1-mini"


def test_openai_drop_in_base_url(gateway) -> None:
    with openai.OpenAI(base_url=f"{gateway.url}/openai/v1", api_key="sk-anything", max_retries=0) as c:
        response = c.responses.create(model="gpt-4.1-mini", input="drop in")
    assert response.output_text == "Echo: drop in"
    assert response.model_extra["extra_fields"]["provider"] == "openai"


def test_errors_raise_the_sdks_exceptions(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.responses.create(model=MODELS["native"], input=[])
    assert "input is required for responses" in str(bad.value)
    with pytest.raises(openai.BadRequestError) as chained:
        client.responses.create(model=MODELS["translated"], input="x", previous_response_id="resp_1")
    assert "previous_response_id" in str(chained.value)
    with pytest.raises(openai.InternalServerError):
        client.responses.create(model="openai/error-503", input="x")


def test_mid_stream_failure_raises(client: openai.OpenAI, model: str) -> None:
    provider = model.split("/")[0]
    stream = client.responses.create(model=f"{provider}/stream-error", input="a b c d e f", stream=True)
    seen: list[str] = []
    with pytest.raises(openai.APIError) as failure:
        for event in stream:
            seen.append(event.type)
    assert "mock mid-stream failure" in str(failure.value)
    assert seen[0] == "response.created"
    assert "response.completed" not in seen


def test_async_client_streams(async_client) -> None:
    async def run() -> list:
        async with async_client() as client:
            stream = await client.responses.create(
                model=MODELS["translated"], input="async stream", stream=True
            )
            return [event async for event in stream]

    events = asyncio.run(run())
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "Echo: async stream"
