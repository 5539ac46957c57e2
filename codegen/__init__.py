"""sdgen's host side: spec, prompts, LLM client, extraction, audit, validation,
pipeline, store, CLI."""

__version__ = "0.1.0"
