"""The sandbox on the real Docker engine: ordinary programs, the contract, the output directory."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from support import corpus

from sandbox import Failure, ImageMissing, Limits, SandboxError, run

CONTRACT = """
    import numpy as np
    import pandas as pd

    def generate(rows: dict[str, int], seed: int) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng(seed)
        n = rows["people"]
        print("making", n, "people")
        return {"people": pd.DataFrame({"id": np.arange(1, n + 1), "age": rng.integers(18, 90, n)})}

    if __name__ == "__main__":
        raise SystemExit("the main block must not run under the harness")
"""


def test_contract_program_gets_rows_and_seed(run_program, tmp_path):
    first = run_program(CONTRACT, rows={"people": 1234}, seed=7)
    assert first.ok, first.error
    assert first.harness["mode"] == "contract"
    people = first.tables["people"]
    assert people.rows == 1234 and people.columns == ["id", "age"]
    assert "making 1234 people" in first.stdout
    out = first.out_dir
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "people.parquet",
        "stderr.txt",
        "stdout.txt",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["seed"] == 7
    assert manifest["tables"][0]["sha256"] == people.sha256
    assert manifest["tables"][0]["dtypes"] == {"id": "int64", "age": "int64"}
    assert manifest["limits"]["memory_mb"] == 512 and manifest["image"]["reference"]
    # Deterministic for a seed, different for another.
    again = run_program(CONTRACT, rows={"people": 1234}, seed=7)
    other = run_program(CONTRACT, rows={"people": 1234}, seed=8)
    assert again.tables["people"].sha256 == people.sha256
    assert other.tables["people"].sha256 != people.sha256
    assert first.dataframe("people")["age"].between(18, 89).all()


@pytest.mark.parametrize(
    "signature, call",
    [
        ("def generate(n_rows=100):", "n_rows"),
        ("def generate(num_rows: int, seed: int = 1):", "num_rows"),
        ("def generate(seed=0, rows=None):", "len(rows) if False else rows['t']"),
    ],
)
def test_llm_style_signatures_get_what_they_ask_for(run_program, signature, call):
    source = f"""
        import pandas as pd
        {signature}
            n = {call}
            return pd.DataFrame({{"x": range(n)}})
    """
    result = run_program(source, rows={"t": 37})
    assert result.ok, result.error
    assert result.tables["t"].rows == 37


def test_free_form_script_tables_come_from_module_globals(run_program):
    result = run_program("""
        import pandas as pd
        customers = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]})
        orders = pd.DataFrame({"id": [10, 11], "customer_id": [1, 3]}).set_index("id")
        same_as_customers = customers
        _private = pd.DataFrame({"hidden": [1]})
        if __name__ == "__main__":
            print(orders.shape)
        """)
    assert result.ok, result.error
    assert result.harness["mode"] == "script"
    assert sorted(result.tables) == ["customers", "orders"]
    # A named index is data: it is kept as a column.
    assert result.tables["orders"].columns == ["id", "customer_id"]
    assert "(2, 1)" in result.stdout


def python_block(reply: str) -> str:
    # Only what this test needs; codegen.program.extract is the real extractor (tested on its own).
    return "\n".join(re.findall(r"```python\n(.*?)```", reply, re.DOTALL))


@pytest.mark.corpus
@pytest.mark.parametrize("reply", corpus.reply_params("program", "multi_table_program"))
def test_real_replies_programs_run(run_program, reply):
    result = run_program(python_block(reply["reply"]))
    assert result.ok, result.error
    shapes = {name: (t.rows, len(t.columns)) for name, t in result.tables.items()}
    if reply["kind"] == "program":
        assert shapes == {"df": (100, 5)}
        assert result.tables["df"].columns[1] == "house size (m^2)"
    else:
        assert shapes == {"locations_df": (10, 5), "house_types_df": (4, 4), "housing_df": (100, 6)}
        housing = result.dataframe("housing_df")
        locations = result.dataframe("locations_df")
        assert housing["location_id"].isin(locations["id"]).all()


@pytest.mark.parametrize(
    "source, expected, failure",
    [
        (
            "import pandas as pd\ndf = pd.DataFrame({'a': [1]}\n",
            r"syntax error at line \d",
            Failure.SYNTAX,
        ),
        (
            "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nraise ValueError('boom')\n",
            r"^program raised ValueError: boom \(line 3\)$",
            Failure.CRASH,
        ),
        ("x = 1\nprint('no tables here')\n", r"^produced no DataFrames", Failure.NO_TABLES),
        ("def generate(rows, seed):\n    return 42\n", r"returned a int", Failure.CRASH),
        ("import sys\nsys.exit(3)\n", r"exit\(3\)", Failure.CRASH),
        ("import os\nos._exit(5)\n", r"exit code 5", Failure.CRASH),
    ],
    ids=["syntax", "raises", "no-tables", "bad-return", "sys-exit", "os-exit"],
)
def test_failures_are_one_clear_line(run_program, source, expected, failure):
    result = run_program(source)
    assert not result.ok and result.tables == {}
    assert re.search(expected, result.error), result.error
    assert result.failure is failure  # the kind is a value, not read back from the words
    assert "\n" not in result.error
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == result.error
    assert manifest["failure"] == failure.value
    assert not list(result.out_dir.glob("*.parquet"))


def test_traceback_tail_is_kept_in_stderr(run_program):
    result = run_program("def helper():\n    return 1 / 0\nhelper()\n")
    assert "ZeroDivisionError" in result.error
    assert 'program.py", line 2, in helper' in result.stderr
    assert "harness.py" not in result.stderr


def test_non_empty_output_dir_is_refused(sandbox_image, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SandboxError, match="not empty"):
        run("import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n", tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_missing_image_says_what_to_run(sandbox_image, tmp_path):
    with pytest.raises(ImageMissing, match="sdgen image build"):
        run("x = 1\n", tmp_path / "out", image="sdgen-sandbox:no-such-tag")
    assert not (tmp_path / "out").exists()


def test_tables_read_back_with_pyarrow_only(run_program):
    result = run_program("""
        import datetime as dt
        import pandas as pd
        df = pd.DataFrame({
            "when": pd.date_range("2024-01-01", periods=3, freq="D"),
            "day": [dt.date(2024, 1, d) for d in (1, 2, 3)],
            "flag": [True, False, None],
            "label": ["a", None, "c"],
            "amount": [1.5, None, 3.0],
        })
        """)
    assert result.ok, result.error
    table = pq.read_table(result.tables["df"].path)
    assert table.num_rows == 3 and table.column_names[0] == "when"


def test_limits_reject_nonsense():
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)


PACKAGES = """
    import hashlib, os
    import pandas as pd
    site = "/usr/local/lib/python3.11/dist-packages"
    mounted = [line.split() for line in open("/proc/self/mountinfo") if line.split()[4] == site]
    try:
        open(os.path.join(site, "planted.py"), "w")
        wrote = "yes"
    except OSError as exc:
        wrote = exc.strerror
    digest = hashlib.sha256(open(os.path.join(site, "pandas", "__init__.py"), "rb").read())
    table = pd.DataFrame({"mounted": [bool(mounted)], "read_only": [bool(mounted) and
                          mounted[0][5].startswith("ro")], "wrote": [wrote],
                          "packages": [len(os.listdir(site))], "pandas": [digest.hexdigest()]})
"""


def test_the_packages_come_read_only_from_the_images_own_copy(
    run_program, sandbox_image, monkeypatch
):
    # build_image copies the image's packages to the host (a cold FUSE mount per container made
    # imports twice as slow); containers mount that copy read-only over the same path.
    from sandbox import container
    from sandbox.image import site_copy

    assert site_copy(sandbox_image) is not None
    mounted = run_program(PACKAGES, use_spares=False).dataframe("table").iloc[0]
    assert mounted["mounted"] and mounted["read_only"]
    assert mounted["wrote"] == "Read-only file system"
    # Without the copy the image's own packages are read: the same files.
    monkeypatch.setattr(container, "site_copy", lambda image: None)
    own = run_program(PACKAGES, use_spares=False).dataframe("table").iloc[0]
    assert not own["mounted"] and own["wrote"] == "Read-only file system"
    assert (own["packages"], own["pandas"]) == (mounted["packages"], mounted["pandas"])
