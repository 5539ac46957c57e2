"""The embedded local model on every example spec: accepted or not, attempts, tokens, seconds,
and how realistic the accepted data is.

Runs with an empty response cache (so the model really answers) and the default 3 attempts,
asking for each numeric column's typical values and then for the blanks of the starting
program, as `sdgen generate` does with the local model.
The baseline, measured in the same run: one attempt at the housing spec asking for the whole
program (`--ask program`), the way a large model is asked.
Realism: each accepted run is probed with `bench/realism/<spec>.yaml` (what someone who knows the
domain would check, written before looking at what sdgen makes), the results recorded in the
run's manifest; K/N per spec, and the total over the specs at the end.
``python bench/bench_local_model.py [SPEC ...] [--seed N] [--out DIR] [--no-baseline]`` runs some
specs, another seed, keeps the runs in DIR (by default they go to a temporary directory, removed
at the end), or leaves out the whole-program baseline.
Targets: every example accepted within 3 attempts; at least 90% of the realism probes pass.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PROBES = Path(__file__).resolve().parent / "realism"
BASELINE_SPEC = "housing"
REALISM_TARGET = 0.9


@dataclass
class Outcome:
    verdict: str
    attempts: list
    failure: str
    seconds: float
    run_path: Path | None = None  # the accepted run
    realism: dict | None = None  # probe name -> result, where probed
    realism_error: str = ""  # why the probes could not be run (a bad probe file)

    @property
    def realism_passed(self) -> int:
        return sum(1 for got in (self.realism or {}).values() if got.get("passed"))

    @property
    def tokens(self) -> int:
        return sum(a.usage.get("completion_tokens", 0) for a in self.attempts)


def run_spec(client, path: Path, out_root: Path, **options) -> Outcome:  # noqa: ANN001
    import codegen as sd

    started = time.perf_counter()
    attempts, verdict, failure, run_path = [], "FAILED", "", None
    try:
        run = sd.generate(path, client=client, out=out_root, **options)
        attempts, verdict, run_path = run.attempts, "accepted", run.path
    except sd.GenerationError as exc:
        attempts = exc.attempts
        failure = (exc.attempts[-1].error or "").splitlines()[0][:70]
    except sd.SdgenError as exc:  # the endpoint itself failed (e.g. a timeout)
        failure = str(exc)[:70]
    return Outcome(verdict, attempts, failure, time.perf_counter() - started, run_path)


def probe(outcome: Outcome, spec_name: str) -> None:
    """Run the spec's realism probes over the accepted run and record them in its manifest."""
    import codegen as sd

    probes = PROBES / f"{spec_name}.yaml"
    if outcome.run_path is None or not probes.is_file():
        return
    try:
        outcome.realism = sd.probe(outcome.run_path, probes)  # record=True: into the manifest
    except sd.SdgenError as exc:  # a bad probe file: say so, keep measuring the other specs
        outcome.realism_error = str(exc).splitlines()[0]


def show(label: str, outcome: Outcome) -> None:
    llm_s = sum(a.llm_s for a in outcome.attempts)
    realism = f"{outcome.realism_passed}/{len(outcome.realism)}" if outcome.realism else "-"
    print(f"{label:<12} {outcome.verdict:<9} {len(outcome.attempts):>8} {outcome.tokens:>7} "
          f"{llm_s:>7.1f} {outcome.seconds:>8.1f} {realism:>7}  {outcome.failure}",
          flush=True)  # fmt: skip
    for attempt in outcome.attempts:  # what each attempt ran into, for whoever tunes prompts
        accepted_as = f" ({attempt.variant})" if attempt.stage == "accepted" else ""
        why = (attempt.error or "").splitlines()[0][:90] if attempt.error else ""
        print(f"    attempt {attempt.number}: {attempt.stage}{accepted_as} {why}")
    if outcome.realism_error:
        print(f"    realism not measured: {outcome.realism_error}")
    for name, got in (outcome.realism or {}).items():  # the probes that failed, and why
        if not got.get("passed"):
            said = f"error: {got['error']}" if got.get("error") else str(got.get("value")).lower()
            print(f"    realism ✗ {name} [{said[:90]}]")


def show_realism(outcomes: dict[str, Outcome]) -> None:
    """The realism total over the specs whose accepted run was probed."""
    probed = [o for o in outcomes.values() if o.realism]
    passed = sum(o.realism_passed for o in probed)
    total = sum(len(o.realism or {}) for o in probed)
    share = f"{passed / total:.0%}" if total else "-"
    print(f"realism: {passed}/{total} probes passed ({share}) across {len(probed)} specs "
          f"(target: at least {REALISM_TARGET:.0%}; only accepted runs are probed)")  # fmt: skip


def take_option(names: list[str], flag: str) -> str | None:
    """The value after ``flag`` in ``names`` (both removed), or None."""
    if flag not in names:
        return None
    at = names.index(flag)
    value = names[at + 1]
    del names[at : at + 2]
    return value


def main() -> int:
    from codegen.llm.session import chat_session

    specs = sorted(EXAMPLES.glob("*.yaml"))
    names = sys.argv[1:]
    seed = int(take_option(names, "--seed") or 0)  # another seed: another draw of the replies
    keep = take_option(names, "--out")  # keep the runs there instead of in a temporary directory
    baseline = "--no-baseline" not in names  # the whole-program baseline takes minutes
    names = [name for name in names if name != "--no-baseline"]
    if names:
        specs = [s for s in specs if s.stem in names]
    header = ("spec", "result", "attempts", "tokens", "llm s", "total s", "realism")
    print("{:<12} {:<9} {:>8} {:>7} {:>7} {:>8} {:>7}  last failure".format(*header))
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        os.environ.pop(name, None)  # the embedded model, whatever the shell has set
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(keep) if keep else Path(scratch)
        # The same client the CLI uses, without the response cache: the model really answers.
        with chat_session(cache=False, announce=lambda line: None) as session:
            for path in specs:
                outcome = run_spec(
                    session.client, path, work / "runs", ask="blanks", typical=True, seed=seed
                )
                probe(outcome, path.stem)
                outcomes[path.stem] = outcome
                show(path.stem, outcome)
            blanks = outcomes.get(BASELINE_SPEC)
            if baseline and blanks is not None and blanks.attempts:
                whole = run_spec(session.client, EXAMPLES / f"{BASELINE_SPEC}.yaml",
                                 work / "baseline", ask="program", seed=seed,
                                 max_attempts=1)  # fmt: skip
                probe(whole, BASELINE_SPEC)  # shown, not counted in the total
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
    show_realism(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
