"""Streamed chat and text completions through the official SDK."""

from __future__ import annotations

import openai
from openai.types.chat import ChatCompletionChunk

from helpers import CHAT_MODEL, INSTRUCT_MODEL, unique_word


def test_stream_reassembles_text_and_ends_with_usage(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    stream = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"stream these words {word}"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks: list[ChatCompletionChunk] = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1, "every chunk carries the same id"

    with_choices = [c for c in chunks if c.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in with_choices)
    assert text == f"Echo: stream these words {word}"
    assert with_choices[-1].choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in with_choices[:-1]] == [None] * (len(with_choices) - 1)

    # The usage chunk comes last, with no choices.
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (4, 5, 9)
    assert all(c.usage is None for c in chunks[:-1])

    # Every chunk carries Bifrost's extra_fields with a growing chunk index.
    extras = [c.model_extra["extra_fields"] for c in chunks]
    assert [e["chunk_index"] for e in extras] == list(range(len(chunks)))
    assert {e["provider"] for e in extras} == {"openai"}
    assert {e["request_type"] for e in extras} == {"chat_completion_stream"}

    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["stream"] is True
    assert seen["json"]["stream_options"] == {"include_usage": True}


def test_stream_without_usage_option_has_no_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": "no usage"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: no usage"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stream_context_manager_and_response_headers(client: openai.OpenAI) -> None:
    with client.chat.completions.with_streaming_response.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "headers"}],
        stream=True,
        extra_headers={"x-request-id": "stream-req-7"},
    ) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-request-id"] == "stream-req-7"
        text = "".join(c.choices[0].delta.content or "" for c in resp.parse() if c.choices)
    assert text == "Echo: headers"


def test_stream_max_tokens_finishes_with_length(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "a b c d e f"}],
            max_tokens=2,
            stream=True,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: a"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


def test_stream_helper_accumulates_final_completion(client: openai.OpenAI) -> None:
    # The SDK's higher-level streaming helper builds the final ChatCompletion from the chunks.
    with client.chat.completions.stream(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "helper works"}],
        stream_options={"include_usage": True},
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == "Echo: helper works"
    assert final.choices[0].message.content == "Echo: helper works"
    assert final.choices[0].finish_reason == "stop"
    assert final.usage is not None and final.usage.total_tokens == 5


def test_legacy_completion_stream(client: openai.OpenAI) -> None:
    chunks = list(
        client.completions.create(
            model=INSTRUCT_MODEL,
            prompt="legacy stream",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == "Echo: legacy stream"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = [c.usage for c in chunks if c.usage is not None]
    assert len(usage) == 1 and usage[0].total_tokens == 5


def test_stream_with_several_choices(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "two ways"}], n=2, stream=True
    )
    texts: dict[int, str] = {}
    finish: dict[int, str | None] = {}
    for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            finish[choice.index] = choice.finish_reason
    assert texts == {0: "Echo: two ways", 1: "Echo: two ways"}
    assert finish == {0: "stop", 1: "stop"}


def test_stream_may_outlive_the_request_timeout(client: openai.OpenAI) -> None:
    # xai's default_request_timeout_in_seconds (1 s) bounds the wait for the response, not the
    # length of a stream that keeps producing chunks (every 250 ms here, about 2 s in total).
    chunks = list(
        client.chat.completions.create(
            model="xai/slow-stream-250",
            messages=[{"role": "user", "content": "one two three four"}],
            stream=True,
        )
    )
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: one two three four"
    )
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_closing_a_stream_early_leaves_the_gateway_healthy(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="openai/slow-stream-200",
        messages=[{"role": "user", "content": " ".join(f"w{i}" for i in range(50))}],
        stream=True,
    )
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    stream.close()
    resp = client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "still here"}]
    )
    assert resp.choices[0].message.content == "Echo: still here"


def test_unicode_survives_streaming(client: openai.OpenAI) -> None:
    text = "héllo 世界 🚀 naïve Ω≈ç √∫ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
    chunks = list(
        client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": text}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == f"Echo: {text}"
    resp = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": text}])
    assert resp.choices[0].message.content == f"Echo: {text}"


def test_multiline_content_streams_intact(client: openai.OpenAI) -> None:
    text = "line one\nline two\n\ndata: not an event\r\nend"
    chunks = list(
        client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": text}], stream=True
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    resp = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": text}])
    assert resp.choices[0].message.content == f"Echo: {text}"
    assert streamed == resp.choices[0].message.content
