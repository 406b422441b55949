"""Embeddings (float and base64) through the official SDK."""

from __future__ import annotations

import base64
import math
import struct

import openai
import pytest

from helpers import EMBEDDING_MODEL, unique_word

#: The mock's default vector size.
MOCK_DEFAULT_DIMENSIONS = 8


def _norm(v: list[float]) -> float:
    return math.sqrt(sum(x * x for x in v))


def test_float_embeddings(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    resp = client.embeddings.create(
        model=EMBEDDING_MODEL, input=[f"first {word}", "second text"], encoding_format="float"
    )
    assert resp.object == "list"
    assert resp.model == "text-embedding-3-small"
    assert [d.index for d in resp.data] == [0, 1]
    for d in resp.data:
        assert d.object == "embedding"
        assert len(d.embedding) == MOCK_DEFAULT_DIMENSIONS
        assert all(isinstance(x, float) and -1.0 <= x <= 1.0 for x in d.embedding)
        assert _norm(d.embedding) == pytest.approx(1.0, abs=1e-5)
    assert resp.data[0].embedding != resp.data[1].embedding
    assert resp.usage.prompt_tokens == 4
    assert resp.usage.total_tokens == 4
    assert resp.model_extra["extra_fields"]["request_type"] == "embedding"
    assert resp.model_extra["extra_fields"]["provider"] == "openai"

    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["path"] == "/v1/embeddings"
    assert seen["json"]["encoding_format"] == "float"
    assert seen["json"]["model"] == "text-embedding-3-small"


def test_embeddings_are_deterministic(client: openai.OpenAI) -> None:
    a = client.embeddings.create(model=EMBEDDING_MODEL, input="same text", encoding_format="float")
    b = client.embeddings.create(model=EMBEDDING_MODEL, input="same text", encoding_format="float")
    assert a.data[0].embedding == b.data[0].embedding


def test_sdk_default_base64_is_decoded_by_the_sdk(client: openai.OpenAI, mock_upstream) -> None:
    word = unique_word()
    text = f"decode me {word}"
    # Without `encoding_format` the SDK asks for base64 and decodes the vectors itself.
    decoded = client.embeddings.create(model=EMBEDDING_MODEL, input=text)
    [seen] = mock_upstream.requests_mentioning(word)
    assert seen["json"]["encoding_format"] == "base64"

    floats = client.embeddings.create(model=EMBEDDING_MODEL, input=text, encoding_format="float")
    assert len(decoded.data[0].embedding) == MOCK_DEFAULT_DIMENSIONS
    assert decoded.data[0].embedding == pytest.approx(floats.data[0].embedding, rel=1e-6, abs=1e-7)


def test_explicit_base64_is_returned_as_little_endian_f32(client: openai.OpenAI) -> None:
    text = "explicit base64"
    resp = client.embeddings.create(model=EMBEDDING_MODEL, input=text, encoding_format="base64")
    encoded = resp.data[0].embedding
    assert isinstance(encoded, str), "an explicit base64 request gets the string back"
    raw = base64.b64decode(encoded)
    assert len(raw) == 4 * MOCK_DEFAULT_DIMENSIONS
    vector = list(struct.unpack(f"<{MOCK_DEFAULT_DIMENSIONS}f", raw))

    floats = client.embeddings.create(model=EMBEDDING_MODEL, input=text, encoding_format="float")
    assert vector == pytest.approx(floats.data[0].embedding, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("dimensions", [3, 64])
def test_dimensions(client: openai.OpenAI, dimensions: int) -> None:
    resp = client.embeddings.create(
        model=EMBEDDING_MODEL, input="sized", dimensions=dimensions, encoding_format="float"
    )
    assert len(resp.data[0].embedding) == dimensions
    assert _norm(resp.data[0].embedding) == pytest.approx(1.0, abs=1e-5)
    # The same with the SDK's default base64 transport.
    resp = client.embeddings.create(model=EMBEDDING_MODEL, input="sized", dimensions=dimensions)
    assert len(resp.data[0].embedding) == dimensions


def test_batch_keeps_input_order(client: openai.OpenAI) -> None:
    inputs = [f"item number {i}" for i in range(40)]
    batch = client.embeddings.create(model=EMBEDDING_MODEL, input=inputs, encoding_format="float")
    assert [d.index for d in batch.data] == list(range(40))
    for i in (0, 17, 39):
        single = client.embeddings.create(model=EMBEDDING_MODEL, input=inputs[i], encoding_format="float")
        assert batch.data[i].embedding == single.data[0].embedding


def test_token_id_input(client: openai.OpenAI) -> None:
    resp = client.embeddings.create(model=EMBEDDING_MODEL, input=[[1, 2, 3], [4, 5]], encoding_format="float")
    assert [d.index for d in resp.data] == [0, 1]
    assert resp.usage.prompt_tokens == 5


def test_invalid_dimensions_surface_the_upstream_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model=EMBEDDING_MODEL, input="x", dimensions=0, encoding_format="float")
    assert info.value.status_code == 400
    assert "dimensions" in info.value.message
