"""The official Google GenAI Python SDK against the gateway's /genai routes.

The client is used unmodified except for ``http_options.base_url``; a bare model goes to the
``gemini`` provider (the mock speaks the Generative Language API), ``openai/...`` and
``anthropic/...`` reach those providers through the same route.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from conftest import GEMINI_KEY, GENAI_CALLER_KEY
from helpers import unique_word

GEMINI = "gemini-2.5-flash"
CLAUDE = "anthropic/claude-haiku-4-5"
GPT = "openai/gpt-4o-mini"
EVERY_FAMILY = [GEMINI, GPT, CLAUDE]
NO_AFC = types.AutomaticFunctionCallingConfig(disable=True)


def get_weather(location: str) -> str:
    """Current weather of a city."""
    return f"18C and sunny in {location}"


def _upstream(mock_upstream, word: str) -> dict:
    [seen] = mock_upstream.requests_mentioning(word)
    return seen


def _headers(seen: dict) -> dict[str, str]:
    return {k.lower(): v for k, v in seen["headers"]}


# --- generate_content ----------------------------------------------------------------------------


def test_generate_content_reaches_gemini_with_the_gateways_key(
    genai_client: genai.Client, mock_upstream
) -> None:
    word = unique_word()
    resp = genai_client.models.generate_content(model=GEMINI, contents=f"hello {word}")
    assert isinstance(resp, types.GenerateContentResponse)
    assert resp.text == f"Echo: hello {word}"
    [candidate] = resp.candidates
    assert candidate.finish_reason == types.FinishReason.STOP
    assert candidate.content.role == "model"
    assert resp.usage_metadata.prompt_token_count == 2
    assert resp.usage_metadata.candidates_token_count == 3
    assert resp.usage_metadata.total_token_count == 5
    assert resp.model_version == GEMINI
    assert resp.response_id.startswith("mock-resp-")
    seen = _upstream(mock_upstream, word)
    assert seen["path"] == f"/v1beta/models/{GEMINI}:generateContent"
    # The gateway's key reaches Google; the SDK's own key never leaves the gateway.
    assert _headers(seen)["x-goog-api-key"] == GEMINI_KEY
    assert GENAI_CALLER_KEY not in json.dumps(seen)


@pytest.mark.parametrize("model", [GPT, CLAUDE])
def test_generate_content_reaches_other_families(
    genai_client: genai.Client, mock_upstream, model: str
) -> None:
    word = unique_word()
    resp = genai_client.models.generate_content(
        model=model,
        contents=f"hi {word}",
        config=types.GenerateContentConfig(
            system_instruction="be brief", temperature=0.2, max_output_tokens=100
        ),
    )
    assert resp.text == f"Echo: hi {word}"
    assert resp.candidates[0].finish_reason == types.FinishReason.STOP
    assert resp.usage_metadata.candidates_token_count == 3
    seen = _upstream(mock_upstream, word)
    assert seen["path"] == ("/v1/chat/completions" if model == GPT else "/v1/messages")
    sent = json.loads(seen["body"])
    assert sent["temperature"] == 0.2
    assert "gemini" not in seen["body"]
    assert GENAI_CALLER_KEY not in json.dumps(seen)


def test_config_reaches_gemini_and_thoughts_come_back(genai_client: genai.Client, mock_upstream) -> None:
    word = unique_word()
    resp = genai_client.models.generate_content(
        model=GEMINI,
        contents=f"one two {word} three",
        config=types.GenerateContentConfig(
            system_instruction="be brief",
            temperature=0.4,
            top_k=7,
            max_output_tokens=50,
            stop_sequences=["three"],
            safety_settings=[
                types.SafetySetting(
                    category=types.HarmCategory.HARM_CATEGORY_HARASSMENT,
                    threshold=types.HarmBlockThreshold.BLOCK_ONLY_HIGH,
                )
            ],
            thinking_config=types.ThinkingConfig(thinking_budget=1024, include_thoughts=True),
        ),
    )
    parts = resp.candidates[0].content.parts
    assert parts[0].thought is True
    assert parts[0].text.startswith("Considering the request")
    assert resp.text == f"Echo: one two {word} "
    assert resp.usage_metadata.thoughts_token_count > 0
    sent = json.loads(_upstream(mock_upstream, word)["body"])
    assert sent["systemInstruction"]["parts"] == [{"text": "be brief"}]
    config = sent["generationConfig"]
    assert config["temperature"] == 0.4 and config["topK"] == 7
    assert config["maxOutputTokens"] == 50 and config["stopSequences"] == ["three"]
    assert config["thinkingConfig"] == {"thinkingBudget": 1024, "includeThoughts": True}
    assert sent["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}
    ]


class Answer(BaseModel):
    answer: str


@pytest.mark.parametrize("model", [GEMINI, GPT])
def test_structured_output(genai_client: genai.Client, model: str) -> None:
    resp = genai_client.models.generate_content(
        model=model,
        contents="structured please",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=Answer),
    )
    assert isinstance(resp.parsed, Answer)
    assert resp.parsed.answer == "Echo: structured please"


# --- streaming -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", EVERY_FAMILY)
def test_generate_content_stream(genai_client: genai.Client, model: str) -> None:
    chunks = list(genai_client.models.generate_content_stream(model=model, contents="stream these words"))
    assert len(chunks) >= 2
    assert "".join(c.text or "" for c in chunks) == "Echo: stream these words"
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    assert last.usage_metadata.candidates_token_count == 4
    assert len({c.response_id for c in chunks}) == 1


def test_async_generate_and_stream(genai_client: genai.Client) -> None:
    async def run() -> tuple[str, str]:
        whole = await genai_client.aio.models.generate_content(model=GEMINI, contents="async hello")
        pieces = []
        async for chunk in await genai_client.aio.models.generate_content_stream(
            model=CLAUDE, contents="async stream"
        ):
            pieces.append(chunk.text or "")
        return whole.text, "".join(pieces)

    whole, streamed = asyncio.run(run())
    assert whole == "Echo: async hello"
    assert streamed == "Echo: async stream"


# --- function calling ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", EVERY_FAMILY)
def test_function_calling_round_trip_without_afc(
    genai_client: genai.Client, mock_upstream, model: str
) -> None:
    config = types.GenerateContentConfig(tools=[get_weather], automatic_function_calling=NO_AFC)
    question = types.Content(role="user", parts=[types.Part(text="what is the weather in Paris?")])
    first = genai_client.models.generate_content(model=model, contents=[question], config=config)
    [call] = first.function_calls
    assert call.name == "get_weather"
    assert call.args == {"location": "Paris"}
    assert call.id
    if model == GEMINI:
        assert first.candidates[0].content.parts[0].thought_signature
    word = unique_word()
    second = genai_client.models.generate_content(
        model=model,
        contents=[
            question,
            first.candidates[0].content,
            types.Content(
                role="user",
                parts=[
                    types.Part.from_function_response(name="get_weather", response={"result": f"18C {word}"})
                ],
            ),
        ],
        config=config,
    )
    assert second.text.startswith("Tool said: ")
    assert f"18C {word}" in second.text
    if model == GEMINI:
        # The model turn, thought signature included, reaches Gemini as the SDK sent it.
        sent = json.loads(_upstream(mock_upstream, word)["body"])
        replayed = sent["contents"][1]["parts"][0]
        assert replayed["thoughtSignature"]
        assert replayed["functionCall"]["id"] == call.id


@pytest.mark.parametrize("model", [GEMINI, GPT, CLAUDE])
def test_automatic_function_calling(genai_client: genai.Client, model: str) -> None:
    resp = genai_client.models.generate_content(
        model=model,
        contents="what is the weather in Paris?",
        config=types.GenerateContentConfig(tools=[get_weather]),
    )
    assert resp.text.startswith("Tool said: ")
    assert "18C and sunny in Paris" in resp.text
    history = resp.automatic_function_calling_history
    assert [c.role for c in history] == ["user", "model", "user"]
    assert history[1].parts[-1].function_call.name == "get_weather"
    assert history[2].parts[0].function_response.response == {"result": "18C and sunny in Paris"}


def test_forced_function_call(genai_client: genai.Client, mock_upstream) -> None:
    word = unique_word()
    resp = genai_client.models.generate_content(
        model=GEMINI,
        contents=f"anything {word}",
        config=types.GenerateContentConfig(
            tools=[get_weather],
            automatic_function_calling=NO_AFC,
            tool_config=types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode.ANY, allowed_function_names=["get_weather"]
                )
            ),
        ),
    )
    assert resp.function_calls[0].name == "get_weather"
    sent = json.loads(_upstream(mock_upstream, word)["body"])
    assert sent["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
    }


# --- embeddings, tokens, models ------------------------------------------------------------------


def test_embed_content(genai_client: genai.Client, mock_upstream) -> None:
    word = unique_word()
    gemini = genai_client.models.embed_content(model="text-embedding-004", contents=f"embed {word}")
    [embedding] = gemini.embeddings
    assert len(embedding.values) == 8
    seen = _upstream(mock_upstream, word)
    assert seen["path"] == "/v1beta/models/text-embedding-004:embedContent"
    # Both mocks derive vectors from the text: the same text embeds the same through OpenAI.
    openai = genai_client.models.embed_content(
        model="openai/text-embedding-3-small", contents=f"embed {word}"
    )
    assert openai.embeddings[0].values == pytest.approx(embedding.values, abs=1e-6)
    batch = genai_client.models.embed_content(
        model="text-embedding-004",
        contents=["first", "second", "third"],
        config=types.EmbedContentConfig(output_dimensionality=4, task_type="RETRIEVAL_DOCUMENT"),
    )
    assert [len(e.values) for e in batch.embeddings] == [4, 4, 4]
    assert batch.embeddings[0].values != batch.embeddings[1].values


@pytest.mark.parametrize("model", [GEMINI, CLAUDE])
def test_count_tokens(genai_client: genai.Client, model: str) -> None:
    count = genai_client.models.count_tokens(model=model, contents="count these four words")
    assert isinstance(count, types.CountTokensResponse)
    assert count.total_tokens == 4


def test_models_list_and_get(genai_client: genai.Client) -> None:
    models = list(genai_client.models.list())
    names = [m.name for m in models]
    assert len(names) == len(set(names))
    assert "models/gemini-2.5-flash" in names
    assert "models/openai/gpt-4o" in names
    flash = next(m for m in models if m.name == "models/gemini-2.5-flash")
    assert flash.display_name == "Gemini 2.5 Flash"
    assert flash.input_token_limit == 1_048_576
    assert "generateContent" in flash.supported_actions
    # The pager follows nextPageToken.
    paged = [m.name for m in genai_client.models.list(config={"page_size": 2})]
    assert paged == names
    one = genai_client.models.get(model=GEMINI)
    assert one.name == "models/gemini-2.5-flash"
    assert genai_client.models.get(model="openai/gpt-4o").name == "models/openai/gpt-4o"


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "code", "exc", "status"),
    [
        ("error-400", 400, errors.ClientError, "INVALID_ARGUMENT"),
        ("error-404", 404, errors.ClientError, "NOT_FOUND"),
        ("error-429", 429, errors.ClientError, "RESOURCE_EXHAUSTED"),
        ("error-500", 500, errors.ServerError, "INTERNAL"),
        ("error-503", 503, errors.ServerError, "UNAVAILABLE"),
        ("openai/error-429", 429, errors.ClientError, "RESOURCE_EXHAUSTED"),
        ("anthropic/error-500", 500, errors.ServerError, "INTERNAL"),
    ],
)
def test_errors_surface_as_sdk_errors(
    genai_client: genai.Client, model: str, code: int, exc: type, status: str
) -> None:
    with pytest.raises(exc) as info:
        genai_client.models.generate_content(model=model, contents="x")
    assert info.value.code == code
    assert info.value.status == status
    assert info.value.message


def test_unknown_model_is_not_found(genai_client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as info:
        genai_client.models.get(model="gemini-does-not-exist")
    assert info.value.code == 404
    assert info.value.status == "NOT_FOUND"


@pytest.mark.parametrize("model", ["stream-error", "openai/stream-error"])
def test_mid_stream_error_raises(genai_client: genai.Client, model: str) -> None:
    seen: list[str] = []
    with pytest.raises(errors.ServerError) as info:
        for chunk in genai_client.models.generate_content_stream(
            model=model, contents="one two three four five six"
        ):
            seen.append(chunk.text or "")
    assert "".join(seen), "content arrived before the failure"
    assert info.value.code >= 500
    assert info.value.message
