"""sdgen: turn a dataset description into an audited, reusable generator program and its data.

    import codegen as sd
    run = sd.generate("examples/housing.yaml", rows=1000)  # spec -> program -> data, saved
    run.tables["housing"]                                  # a pandas DataFrame
    run.rerun(rows=100_000)                                # offline, no LLM
    sd.validate(sd.Spec.from_yaml("examples/housing.yaml"), run.path / "data")
    sd.report(run)                                         # run.path / "report.html"
    sd.probe(run, "bench/realism/housing.yaml")            # realism probes -> the manifest
    text = sd.generate_text("examples/text/product_descriptions.yaml", records=50)
    text.records, text.report["diversity"], text.path / "train.jsonl"   # fine-tuning data

The names below are imported on first use, so ``import codegen`` (and the ``sdgen`` command) stay
fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "generate": "codegen.api",
    "generate_text": "codegen.api",
    "load_text_run": "codegen.api",
    "TextRun": "codegen.text.save",
    "TextSpec": "codegen.spec.text",
    "TextGenerationError": "codegen.errors",
    "EmbeddingError": "codegen.errors",
    "messages": "codegen.api",
    "load_run": "codegen.api",
    "rerun": "codegen.api",
    "read_spec": "codegen.api",
    "report": "codegen.api",
    "probe": "codegen.api",
    "Run": "codegen.runs.run",
    "Manifest": "codegen.runs.manifest",
    "Spec": "codegen.spec.model",
    "validate": "codegen.validation.validator",
    "Report": "codegen.validation.report",
    "ProgramRunner": "codegen.runner",
    "SandboxRunner": "codegen.runner",
    "ChatClient": "codegen.llm.client",
    "OpenAIChatClient": "codegen.llm.client",
    "cache_dir": "codegen.paths",
    "SdgenError": "codegen.errors",
    "SpecError": "codegen.errors",
    "RowsError": "codegen.errors",
    "LLMError": "codegen.errors",
    "ModelError": "codegen.errors",
    "GenerationError": "codegen.errors",
    "RunError": "codegen.errors",
    "RerunError": "codegen.errors",
    "ReportError": "codegen.errors",
    "ProbeError": "codegen.errors",
    "RunIntegrityError": "codegen.errors",
    "RunNotFoundError": "codegen.errors",
    "ValidationInputError": "codegen.errors",
}
__all__ = [
    "__version__",
    "ChatClient",
    "GenerationError",
    "LLMError",
    "Manifest",
    "ModelError",
    "OpenAIChatClient",
    "ProbeError",
    "ProgramRunner",
    "Report",
    "ReportError",
    "RerunError",
    "RowsError",
    "Run",
    "RunError",
    "RunIntegrityError",
    "RunNotFoundError",
    "SandboxRunner",
    "SdgenError",
    "Spec",
    "SpecError",
    "TextGenerationError",
    "TextRun",
    "TextSpec",
    "EmbeddingError",
    "ValidationInputError",
    "cache_dir",
    "generate",
    "generate_text",
    "load_run",
    "load_text_run",
    "messages",
    "probe",
    "read_spec",
    "report",
    "rerun",
    "validate",
]

if TYPE_CHECKING:
    from codegen.api import (
        generate,
        generate_text,
        load_run,
        load_text_run,
        messages,
        probe,
        read_spec,
        report,
        rerun,
    )
    from codegen.errors import (
        EmbeddingError,
        GenerationError,
        LLMError,
        ModelError,
        ProbeError,
        ReportError,
        RerunError,
        RowsError,
        RunError,
        RunIntegrityError,
        RunNotFoundError,
        SdgenError,
        SpecError,
        TextGenerationError,
        ValidationInputError,
    )
    from codegen.llm.client import ChatClient, OpenAIChatClient
    from codegen.paths import cache_dir
    from codegen.runner import ProgramRunner, SandboxRunner
    from codegen.runs.manifest import Manifest
    from codegen.runs.run import Run
    from codegen.spec.model import Spec
    from codegen.spec.text import TextSpec
    from codegen.text.save import TextRun
    from codegen.validation.report import Report
    from codegen.validation.validator import validate


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'codegen' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
