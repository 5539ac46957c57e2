"""Errors of the host side.

Every error sdgen raises on purpose derives from ``SdgenError``; the CLI turns it into one
``error: ...`` line and exit code 1. The sandbox package has its own root
(``sandbox.SandboxError``), because ``sandbox/`` never imports ``codegen/``.

    SdgenError
     ├── SpecError            the spec itself is wrong (codegen.spec.model)
     ├── LLMError             the endpoint is down or refuses the key (codegen.llm.client)
     ├── ExtractionError      no usable Python code in a reply (codegen.program.extract)
     └── GenerationError      the pipeline gave up after its attempts (codegen.pipeline.program)
"""


class SdgenError(Exception):
    """Root of the errors sdgen raises on purpose; its message is one line a user can act on."""
