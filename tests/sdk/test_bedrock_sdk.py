"""boto3's ``bedrock-runtime`` client against the gateway's /bedrock routes.

The client is used unmodified except for ``endpoint_url``; it signs with its own AWS key, which
the gateway accepts and never forwards (the gateway signs with its own). A bare model id goes
to the ``bedrock`` provider (the mock verifies the gateway's SigV4 signature); ``openai/gpt-4o``
reaches OpenAI through the same route.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import BEDROCK_ACCESS_KEY_ID, BEDROCK_CALLER_ACCESS_KEY_ID, GOOD_KEY
from helpers import unique_word

CLAUDE = "anthropic.claude-3-5-sonnet-20241022-v2:0"
CROSS = "openai/gpt-4o"
WEATHER_TOOL = {
    "toolSpec": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "inputSchema": {
            "json": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            }
        },
    }
}


def _ask(text: str) -> list[dict]:
    return [{"role": "user", "content": [{"text": text}]}]


def _text(resp: dict) -> str:
    return "".join(b.get("text", "") for b in resp["output"]["message"]["content"])


def _streamed_text(events: list[dict]) -> str:
    deltas = [e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e]
    return "".join(d.get("text", "") for d in deltas)


def _headers(seen: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in seen["headers"]}


def test_converse_reaches_bedrock_signed_by_the_gateway(bedrock_client, mock_upstream) -> None:
    word = unique_word()
    resp = bedrock_client.converse(
        modelId=CLAUDE,
        messages=_ask(f"hello {word}"),
        system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 64, "temperature": 0.2},
    )
    assert _text(resp) == f"Echo: hello {word}"
    assert resp["stopReason"] == "end_turn"
    assert resp["usage"]["outputTokens"] == 3
    assert resp["usage"]["totalTokens"] == resp["usage"]["inputTokens"] + 3
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse"
    auth = _headers(seen)["authorization"]
    assert BEDROCK_ACCESS_KEY_ID in auth
    assert BEDROCK_CALLER_ACCESS_KEY_ID not in json.dumps(seen["headers"])
    sent = json.loads(seen["body"])
    assert sent["system"] == [{"text": "Be brief."}]
    assert sent["inferenceConfig"]["maxTokens"] == 64


def test_converse_stream_yields_bedrock_events(bedrock_client) -> None:
    word = unique_word()
    resp = bedrock_client.converse_stream(modelId=CLAUDE, messages=_ask(f"stream {word} please"))
    events = list(resp["stream"])
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "messageStart"
    assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert _streamed_text(events) == f"Echo: stream {word} please"
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"]["outputTokens"] == 4


def test_a_prefixed_model_id_reaches_openai(bedrock_client, mock_upstream) -> None:
    word = unique_word()
    resp = bedrock_client.converse(modelId=CROSS, messages=_ask(f"cross {word}"))
    assert _text(resp) == f"Echo: cross {word}"
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/chat/completions"
    assert _headers(seen)["authorization"] == f"Bearer {GOOD_KEY}"
    assert json.loads(seen["body"])["model"] == "gpt-4o"

    stream = bedrock_client.converse_stream(modelId=CROSS, messages=_ask(f"streamed {word}"))["stream"]
    events = list(stream)
    assert _streamed_text(events) == f"Echo: streamed {word}"
    assert "metadata" in events[-1]


@pytest.mark.parametrize("model", [CLAUDE, CROSS])
def test_tool_use(bedrock_client, model: str) -> None:
    resp = bedrock_client.converse(
        modelId=model,
        messages=_ask("What is the weather in Paris?"),
        toolConfig={"tools": [WEATHER_TOOL]},
    )
    assert resp["stopReason"] == "tool_use"
    blocks = resp["output"]["message"]["content"]
    tool = next(b["toolUse"] for b in blocks if "toolUse" in b)
    assert tool["name"] == "get_weather"
    assert tool["input"] == {"location": "Paris"}
    follow = bedrock_client.converse(
        modelId=model,
        messages=[
            *_ask("What is the weather in Paris?"),
            {"role": "assistant", "content": blocks},
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": tool["toolUseId"], "content": [{"json": {"temp_c": 21}}]}}
                ],
            },
        ],
        toolConfig={"tools": [WEATHER_TOOL]},
    )
    assert follow["stopReason"] == "end_turn"
    assert "temp_c" in _text(follow)


def test_errors_raise_client_errors_with_bedrock_codes(bedrock_client) -> None:
    with pytest.raises(ClientError) as err:
        bedrock_client.converse(modelId="error-404", messages=_ask("hi"))
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:
        bedrock_client.converse(modelId="openai/error-400", messages=_ask("hi"))
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        bedrock_client.converse(modelId=CLAUDE, messages=[{"role": "assistant", "content": [{"text": "x"}]}])
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_invoke_model_with_an_anthropic_body(bedrock_client) -> None:
    word = unique_word()
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": f"invoke {word}"}],
    }
    resp = bedrock_client.invoke_model(modelId=CLAUDE, body=json.dumps(body))
    answer = json.loads(resp["body"].read())
    assert answer["type"] == "message"
    assert answer["content"][0]["text"] == f"Echo: invoke {word}"
    assert answer["stop_reason"] == "end_turn"


def test_invoke_model_with_a_titan_embedding_body(bedrock_client) -> None:
    resp = bedrock_client.invoke_model(
        modelId="amazon.titan-embed-text-v2:0",
        body=json.dumps({"inputText": "embed me", "dimensions": 256}),
    )
    answer = json.loads(resp["body"].read())
    assert len(answer["embedding"]) == 256


@pytest.mark.parametrize("model", [CLAUDE, CROSS])
def test_invoke_model_with_response_stream(bedrock_client, model: str) -> None:
    word = unique_word()
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": f"stream {word} now"}],
    }
    resp = bedrock_client.invoke_model_with_response_stream(modelId=model, body=json.dumps(body))
    events = [json.loads(e["chunk"]["bytes"]) for e in resp["body"]]
    assert events[0]["type"] == "message_start"
    assert events[-1]["type"] == "message_stop"
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    assert text == f"Echo: stream {word} now"
    assert events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 4
