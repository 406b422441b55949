"""Non-streaming chat completions through the official SDK."""

from __future__ import annotations

import json

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from helpers import CHAT_MODEL, unique_word


def test_chat_completion_content_usage_and_extra_fields(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": f"hello {word}"},
        ],
    )
    assert isinstance(resp, ChatCompletion)
    assert resp.object == "chat.completion"
    assert resp.id.startswith("chatcmpl-")
    assert resp.model == "gpt-4o-mini"
    assert resp.system_fingerprint == "fp_mock"
    assert len(resp.choices) == 1
    choice = resp.choices[0]
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == f"Echo: hello {word}"
    assert choice.message.tool_calls is None
    # The mock counts whitespace-separated words: 3 + 2 prompt words, 3 completion words.
    assert resp.usage is not None
    assert resp.usage.prompt_tokens == 5
    assert resp.usage.completion_tokens == 3
    assert resp.usage.total_tokens == 8

    # Bifrost's `extra_fields` is not in the SDK's types but stays reachable.
    extra = resp.model_extra["extra_fields"]
    assert extra == resp.to_dict()["extra_fields"]
    assert extra["provider"] == "openai"
    assert extra["request_type"] == "chat_completion"
    assert extra["model_requested"] == CHAT_MODEL
    assert isinstance(extra["latency"], int) and extra["latency"] >= 0

    # The upstream saw the model without the provider prefix, the configured key, and no
    # Bifrost-only fields.
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/chat/completions"
    assert seen["json"]["model"] == "gpt-4o-mini"
    assert seen["json"]["messages"][0] == {"role": "system", "content": "You are terse."}
    headers = dict(seen["headers"])
    assert headers["authorization"] == "Bearer sk-openai-good-1"
    assert "fallbacks" not in seen["json"]


def test_request_id_round_trips(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "id please"}],
        extra_headers={"x-request-id": "sdk-req-42"},
    )
    # The SDK exposes the response's `x-request-id` as `_request_id`.
    assert resp._request_id == "sdk-req-42"

    raw = client.chat.completions.with_raw_response.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "raw"}]
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("application/json")
    generated = raw.headers["x-request-id"]
    assert len(generated) == 36
    parsed = raw.parse()
    assert parsed.choices[0].message.content == "Echo: raw"


def test_sampling_parameters_reach_the_upstream(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"one two three four five {word}"}],
        max_tokens=3,
        n=2,
        temperature=0.25,
        seed=7,
        user="sdk-user",
    )
    # `max_tokens` cuts the echo after three words; `n` repeats the choice.
    assert [c.index for c in resp.choices] == [0, 1]
    for c in resp.choices:
        assert c.finish_reason == "length"
        assert c.message.content == "Echo: one two"
    [seen] = mock_upstream.requests_mentioning(word)
    body = seen["json"]
    assert body["max_tokens"] == 3
    assert body["n"] == 2
    assert body["temperature"] == 0.25
    assert body["seed"] == 7
    assert body["user"] == "sdk-user"


def test_typed_sdk_parameters_reach_the_upstream(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    params = {
        "max_completion_tokens": 64,
        "top_p": 0.5,
        "frequency_penalty": 0.1,
        "presence_penalty": -0.2,
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 2,
        "reasoning_effort": "low",
        "service_tier": "default",
        "store": False,
        "metadata": {"suite": "sdk"},
        "parallel_tool_calls": False,
        "tools": [{"type": "function", "function": {"name": "noop"}}],
        "tool_choice": "none",
        "prediction": {"type": "content", "content": "Echo"},
        "verbosity": "low",
        "prompt_cache_key": "cache-1",
        "safety_identifier": "user-hash",
    }
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "developer", "content": "rules"}, {"role": "user", "content": word}],
        **params,
    )
    assert resp.choices[0].message.content == f"Echo: {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    body = seen["json"]
    for name, value in params.items():
        assert body.get(name) == value, name
    assert body["messages"][0] == {"role": "developer", "content": "rules"}


def test_stop_sequence(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "alpha beta STOP gamma"}],
        stop=["STOP"],
    )
    assert resp.choices[0].message.content == "Echo: alpha beta "
    assert resp.choices[0].finish_reason == "stop"


def test_json_response_format(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "give json"}],
        response_format={"type": "json_object"},
    )
    content = resp.choices[0].message.content
    assert content is not None
    assert json.loads(content) == {"answer": "Echo: give json"}


class Answer(BaseModel):
    answer: str


def test_structured_output_parse(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.chat.completions.parse(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"structured {word}"}],
        response_format=Answer,
    )
    parsed = resp.choices[0].message.parsed
    assert parsed == Answer(answer=f"Echo: structured {word}")
    [seen] = mock_upstream.requests_mentioning(word)
    fmt = seen["json"]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Answer"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["answer"]


def test_multimodal_content_parts(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    parts = [
        {"type": "text", "text": f"describe {word} "},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        {"type": "text", "text": "please"},
    ]
    resp = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": parts}])
    # The mock concatenates the text parts.
    assert resp.choices[0].message.content == f"Echo: describe {word} please"
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["messages"][0]["content"] == parts


def test_extra_body_fields_pass_through(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": word}],
        extra_body={"custom_vendor_flag": {"level": 3}},
    )
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["custom_vendor_flag"] == {"level": 3}


def test_forwarded_extra_headers(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": word}],
        extra_headers={"x-bf-eh-openai-organization": "org-sdk", "x-bf-eh-authorization": "Bearer stolen"},
    )
    [seen] = mock_upstream.requests_mentioning(word)
    headers = dict(seen["headers"])
    assert headers["openai-organization"] == "org-sdk"
    # Credentials stay the gateway's.
    assert headers["authorization"] == "Bearer sk-openai-good-1"
