"""`make demo`: the main job with the embedded local model, then what was saved, its HTML
report, and how to re-run it.

Set-up (venv, sandbox image, llama.cpp server, model) is done by `make setup` before this runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "housing.yaml"


def main() -> int:
    sdgen = str(Path(sys.executable).with_name("sdgen"))
    print(f"$ sdgen generate {SPEC.relative_to(ROOT)}", flush=True)
    done = subprocess.run(
        [sdgen, "generate", str(SPEC)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        return done.returncode
    # The CLI prints the run dir as it was given (relative to ROOT here, by default).
    run_dir = (ROOT / done.stdout.strip().splitlines()[-1]).resolve()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    print(f"\nsaved: {run_dir.relative_to(ROOT)}")
    for path in sorted(run_dir.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(run_dir)}  ({path.stat().st_size:,} bytes)")
    print("tables: " + ", ".join(f"{name} {rows} rows" for name, rows in manifest["rows"].items()))
    validation = manifest.get("validation", {})
    print(f"validation: {'passed' if validation.get('ok') else 'FAILED'}, "
          f"{len(validation.get('warnings') or [])} warning(s); "
          f"attempts: {len(manifest['attempts'])}; model: {manifest['model']}")  # fmt: skip
    relative = run_dir.relative_to(ROOT)
    print(f"\n$ sdgen report {relative}", flush=True)
    made = subprocess.run([sdgen, "report", str(relative)], cwd=ROOT, stdout=subprocess.PIPE,
                          text=True)  # fmt: skip
    if made.returncode != 0:
        return made.returncode
    report = (ROOT / made.stdout.strip().splitlines()[-1]).resolve()
    print(f"report: {report}  (open it in a browser: no network needed)")
    print("\nre-run it offline at another size, or look inside:")
    print(f"  .venv/bin/sdgen rerun {relative} --rows 100000")
    print(f"  .venv/bin/sdgen audit {relative}")
    print(f"  .venv/bin/sdgen validate {SPEC.relative_to(ROOT)} {relative}/data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
