"""The embedded local model on every example spec: accepted or not, attempts, tokens, seconds.

Runs with an empty response cache (so the model really answers) and the default 3 attempts;
``python bench/bench_local_model.py [SPEC ...] [--seed N]`` runs some specs, or another seed.
Target: every example accepted within 3 attempts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def main() -> int:
    from codegen.errors import SdgenError
    from codegen.llm_session import chat_session
    from codegen.pipeline import GenerateOptions, GenerationError, generate
    from codegen.spec import load_spec

    specs = sorted(EXAMPLES.glob("*.yaml"))
    names = sys.argv[1:]
    seed = 0
    if "--seed" in names:  # another seed: another draw of the model's replies
        at = names.index("--seed")
        seed = int(names[at + 1])
        del names[at : at + 2]
    if names:
        specs = [s for s in specs if s.stem in names]
    accepted = 0
    header = ("spec", "result", "attempts", "tokens", "llm s", "total s")
    print("{:<12} {:<9} {:>8} {:>7} {:>7} {:>8}  last failure".format(*header))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        os.environ.pop(name, None)  # the embedded model, whatever the shell has set
    with tempfile.TemporaryDirectory() as work:
        # The same client the CLI uses, without the response cache: the model really answers.
        with chat_session(cache=False, announce=lambda line: None) as session:
            for path in specs:
                text = path.read_text()
                started = time.perf_counter()
                attempts, verdict, failure = [], "FAILED", ""
                try:
                    result = generate(
                        session.client, spec=load_spec(text), spec_text=text,
                        options=GenerateOptions(
                            out_root=Path(work) / "runs", ask="blanks", seed=seed
                        ),
                    )  # fmt: skip
                    attempts, verdict = result.attempts, "accepted"
                    accepted += 1
                except GenerationError as exc:
                    attempts = exc.attempts
                    failure = (exc.attempts[-1].error or "").splitlines()[0][:70]
                except SdgenError as exc:  # the endpoint itself failed (e.g. a timeout)
                    failure = str(exc)[:70]
                tokens = sum(a.usage.get("completion_tokens", 0) for a in attempts)
                llm_s = sum(a.llm_s for a in attempts)
                total = time.perf_counter() - started
                print(f"{path.stem:<12} {verdict:<9} {len(attempts):>8} {tokens:>7} {llm_s:>7.1f} "
                      f"{total:>8.1f}  {failure}", flush=True)  # fmt: skip
                for attempt in attempts:  # what each attempt ran into, for whoever tunes prompts
                    accepted_as = f" ({attempt.variant})" if attempt.stage == "accepted" else ""
                    why = (attempt.error or "").splitlines()[0][:90] if attempt.error else ""
                    print(f"    attempt {attempt.number}: {attempt.stage}{accepted_as} {why}")
    print(f"accepted {accepted} of {len(specs)} example specs (target: all, within 3 attempts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
