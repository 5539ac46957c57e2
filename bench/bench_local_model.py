"""The embedded local model on every example spec: accepted or not, attempts, tokens, seconds.

Runs with an empty response cache (so the model really answers) and the default 3 attempts,
asking for the blanks of the starting program, as `sdgen generate` does with the local model.
The baseline, measured in the same run: one attempt at the housing spec asking for the whole
program (`--ask program`), the way a large model is asked.
``python bench/bench_local_model.py [SPEC ...] [--seed N]`` runs some specs, or another seed.
Target: every example accepted within 3 attempts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BASELINE_SPEC = "housing"


@dataclass
class Outcome:
    verdict: str
    attempts: list
    failure: str
    seconds: float

    @property
    def tokens(self) -> int:
        return sum(a.usage.get("completion_tokens", 0) for a in self.attempts)


def run_spec(client, path: Path, out_root: Path, **options) -> Outcome:  # noqa: ANN001
    import codegen as sd

    started = time.perf_counter()
    attempts, verdict, failure = [], "FAILED", ""
    try:
        run = sd.generate(path, client=client, out=out_root, **options)
        attempts, verdict = run.attempts, "accepted"
    except sd.GenerationError as exc:
        attempts = exc.attempts
        failure = (exc.attempts[-1].error or "").splitlines()[0][:70]
    except sd.SdgenError as exc:  # the endpoint itself failed (e.g. a timeout)
        failure = str(exc)[:70]
    return Outcome(verdict, attempts, failure, time.perf_counter() - started)


def show(label: str, outcome: Outcome) -> None:
    llm_s = sum(a.llm_s for a in outcome.attempts)
    print(f"{label:<12} {outcome.verdict:<9} {len(outcome.attempts):>8} {outcome.tokens:>7} "
          f"{llm_s:>7.1f} {outcome.seconds:>8.1f}  {outcome.failure}", flush=True)  # fmt: skip
    for attempt in outcome.attempts:  # what each attempt ran into, for whoever tunes prompts
        accepted_as = f" ({attempt.variant})" if attempt.stage == "accepted" else ""
        why = (attempt.error or "").splitlines()[0][:90] if attempt.error else ""
        print(f"    attempt {attempt.number}: {attempt.stage}{accepted_as} {why}")


def main() -> int:
    from codegen.llm.session import chat_session

    specs = sorted(EXAMPLES.glob("*.yaml"))
    names = sys.argv[1:]
    seed = 0
    if "--seed" in names:  # another seed: another draw of the model's replies
        at = names.index("--seed")
        seed = int(names[at + 1])
        del names[at : at + 2]
    if names:
        specs = [s for s in specs if s.stem in names]
    header = ("spec", "result", "attempts", "tokens", "llm s", "total s")
    print("{:<12} {:<9} {:>8} {:>7} {:>7} {:>8}  last failure".format(*header))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        os.environ.pop(name, None)  # the embedded model, whatever the shell has set
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory() as work:
        # The same client the CLI uses, without the response cache: the model really answers.
        with chat_session(cache=False, announce=lambda line: None) as session:
            for path in specs:
                outcome = run_spec(
                    session.client, path, Path(work) / "runs", ask="blanks", seed=seed
                )
                outcomes[path.stem] = outcome
                show(path.stem, outcome)
            blanks = outcomes.get(BASELINE_SPEC)
            if blanks is not None and blanks.attempts:
                whole = run_spec(session.client, EXAMPLES / f"{BASELINE_SPEC}.yaml",
                                 Path(work) / "baseline", ask="program", seed=seed,
                                 max_attempts=1)  # fmt: skip
                show(f"{BASELINE_SPEC}*", whole)
                if whole.attempts:
                    first, baseline = blanks.attempts[0], whole.attempts[0]
                    ratio = first.llm_s / max(baseline.llm_s, 1e-9)
                    print(f"* baseline: the whole program asked for, one attempt. On "
                          f"{BASELINE_SPEC}, first attempt, blanks vs whole program: {ratio:.2f}x "
                          f"the model's seconds, {first.usage.get('completion_tokens', 0)} vs "
                          f"{whole.tokens} tokens written")  # fmt: skip
    accepted = sum(o.verdict == "accepted" for o in outcomes.values())
    print(f"accepted {accepted} of {len(specs)} example specs (target: all, within 3 attempts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
