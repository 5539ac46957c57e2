"""The static audit: what a program does, read from its syntax tree."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from codegen.program.audit import (
    SANDBOX_MODULES,
    AuditBlockedError,
    Severity,
    audit_source,
    enforce_strict,
)

CLEAN = """
import numpy as np
import pandas as pd
from faker import Faker


def generate(rows: dict[str, int], seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = rows["people"]
    fake = Faker()
    fake.seed_instance(seed)
    people = pd.DataFrame({"id": np.arange(1, n + 1), "age": rng.integers(18, 90, size=n)})
    for column in ["age"]:
        people[column] = people[column].astype("int64")
    csv_text = people.to_csv(index=False)
    return {"people": people}
"""


def codes(source: str, **kwargs) -> set[tuple[str, Severity, int]]:
    report = audit_source(textwrap.dedent(source), **kwargs)
    return {(f.code, f.severity, f.line) for f in report.findings}


def only_codes(source: str) -> set[str]:
    return {f.code for f in audit_source(textwrap.dedent(source)).findings}


def test_a_clean_generator_has_no_findings():
    report = audit_source(CLEAN)
    assert report.findings == ()
    assert report.imports == ("faker", "numpy", "pandas")
    assert report.missing_modules == ()
    assert not report.blocked


def test_imports_the_sandbox_lacks_block():
    report = audit_source("import requests\nimport sklearn.linear_model\nimport json, os.path\n")
    assert report.imports == ("json", "os", "requests", "sklearn")
    assert report.missing_modules == ("requests", "sklearn")
    assert ("import-unavailable", Severity.BLOCK, 2) in codes(
        "import requests\nimport sklearn.linear_model\n"
    )
    assert report.blocked


def test_available_modules_are_a_parameter():
    source = "import polars\n"
    assert audit_source(source).missing_modules == ("polars",)
    assert audit_source(source, available=SANDBOX_MODULES | {"polars"}).missing_modules == ()


def test_stdlib_parts_debian_leaves_out_are_missing():
    assert audit_source("import tkinter\n").missing_modules == ("tkinter",)


def test_optional_import_in_try_except_is_only_info():
    found = codes("""
        try:
            import orjson as json
        except ImportError:
            import json
        """)
    assert found == {("import-unavailable", Severity.INFO, 3)}


def test_relative_import_blocks():
    assert ("import-unavailable", Severity.BLOCK, 1) in codes("from . import helpers\n")


@pytest.mark.parametrize(
    ("source", "code", "severity"),
    [
        ("import socket\n", "network", Severity.BLOCK),
        ("import urllib.request\nurllib.request.urlopen('http://x')\n", "network", Severity.BLOCK),
        ("from urllib import request\nrequest.urlopen('x')\n", "network", Severity.BLOCK),
        ("import pandas as pd\npd.read_csv('https://x/y.csv')\n", "network", Severity.BLOCK),
        (
            "import pandas as pd\ndf = pd.DataFrame()\ndf.to_sql('t', con)\n",
            "network",
            Severity.BLOCK,
        ),
        ("import subprocess\nsubprocess.run(['ls'])\n", "process", Severity.BLOCK),
        ("import os\nos.system('rm -rf /')\n", "process", Severity.BLOCK),
        ("from os import system as s\ns('x')\n", "process", Severity.BLOCK),
        ("import os\nos.fork()\n", "process", Severity.BLOCK),
        ("import os\nos.execvp('sh', ['sh'])\n", "process", Severity.BLOCK),
        ("import multiprocessing\n", "process", Severity.WARN),
        ("eval('1 + 1')\n", "dynamic-code", Severity.BLOCK),
        ("exec('x = 1')\n", "dynamic-code", Severity.BLOCK),
        ("code = compile('x', 'f', 'exec')\n", "dynamic-code", Severity.BLOCK),
        ("m = __import__('os')\n", "dynamic-code", Severity.BLOCK),
        ("import importlib\nimportlib.import_module('os')\n", "dynamic-code", Severity.BLOCK),
        ("f = getattr(__builtins__, 'ev' + 'al')\n", "dynamic-code", Severity.WARN),
        ("import ctypes\n", "native-code", Severity.BLOCK),
        ("import pickle\npickle.loads(b'')\n", "deserialisation", Severity.WARN),
        ("import os\nkey = os.environ['OPENAI_API_KEY']\n", "environment", Severity.WARN),
        ("import os\nkey = os.environ.get('HOME')\n", "environment", Severity.WARN),
        ("from os import getenv\ngetenv('X')\n", "environment", Severity.WARN),
        ("open('out.txt', 'w').write('x')\n", "file-write", Severity.WARN),
        ("with open('in.txt') as f:\n    f.read()\n", "file-read", Severity.WARN),
        ("from pathlib import Path\nPath('x').write_text('y')\n", "file-write", Severity.WARN),
        ("from pathlib import Path\nPath('x').read_text()\n", "file-read", Severity.WARN),
        ("import pandas as pd\npd.DataFrame().to_csv('out.csv')\n", "file-write", Severity.WARN),
        ("df.to_parquet(path='out.parquet')\n", "file-write", Severity.WARN),
        ("import pandas as pd\npd.read_csv('data.csv')\n", "file-read", Severity.WARN),
        ("import numpy as np\nnp.save('a.npy', x)\n", "file-write", Severity.WARN),
        ("import os\nos.remove('x')\n", "file-write", Severity.WARN),
        ("import shutil\nshutil.rmtree('/x')\n", "file-write", Severity.WARN),
    ],
)
def test_each_kind_of_access_is_found(source, code, severity):
    report = audit_source(source)
    assert any(f.code == code and f.severity is severity for f in report.findings), report


@pytest.mark.parametrize(
    "source",
    [
        "import pandas as pd\ntext = pd.DataFrame().to_csv(index=False)\n",  # returns a string
        "import pandas as pd, io\npd.read_csv(io.StringIO('a,b\\n1,2'))\n",  # in memory
        "import re\npattern = re.compile('a+')\n",  # not the builtin compile
        "from urllib.parse import quote\nquote('a b')\n",  # parsing, not network
        "s = 'x'.replace('a', 'b')\ndf = df.rename(columns={'a': 'b'})\n",
        "def f(environ):\n    return environ['x']\n",  # a parameter, not os.environ
    ],
)
def test_harmless_look_alikes_are_not_flagged(source):
    assert audit_source(source).findings == ()


# --- loops over rows -----------------------------------------------------------------------------
def test_loop_over_rows_building_a_list_warns():
    found = codes("""
        import numpy as np
        def generate(rows, seed):
            prices = []
            for i in range(rows["housing"]):
                prices.append(i * 2.0)
            return prices
        """)
    assert ("row-loop", Severity.WARN, 5) in found


def test_loop_over_a_large_literal_range_warns_but_a_small_one_does_not():
    big = "out = {}\nfor i in range(100):\n    out[i] = i\n"
    small = "out = {}\nfor i in range(5):\n    out[i] = i\n"
    assert ("row-loop", Severity.WARN, 2) in codes(big)
    assert only_codes(small) == set()


def test_loop_over_column_names_is_not_a_row_loop():
    source = """
        for name, (low, high) in zip(names, bounds):
            df[name] = rng.uniform(low, high, n)
        """
    assert only_codes(source) == set()


def test_iterrows_itertuples_and_apply_axis_1_warn():
    source = """
        for _, row in df.iterrows():
            total += row["a"]
        tuples = list(df.itertuples())
        df["c"] = df.apply(lambda r: r["a"] + r["b"], axis=1)
        df["d"] = df["a"].apply(abs)
        """
    report = audit_source(textwrap.dedent(source))
    row_loops = sorted(f.line for f in report.findings if f.code == "row-loop")
    assert row_loops == [2, 4, 5]


def test_comprehension_over_rows_is_info():
    source = """
        names = [fake.name() for _ in range(n)]
        prices = [a * b for a, b in zip(data["size"], data["rate"])]
        small = [i for i in range(3)]
        """
    found = codes(source)
    assert found == {("row-loop", Severity.INFO, 2), ("row-loop", Severity.INFO, 3)}


def test_global_random_state_is_one_info_finding():
    source = """
        import numpy as np
        import random
        np.random.seed(42)
        a = np.random.normal(0, 1, 10)
        b = random.choice([1, 2])
        rng = np.random.default_rng(1)
        """
    report = audit_source(textwrap.dedent(source))
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.line) == ("global-random", Severity.INFO, 4)
    assert "numpy.random.seed" in finding.message and "random.choice" in finding.message


# --- the report and the policy -------------------------------------------------------------------
def test_syntax_error_is_a_block_finding():
    report = audit_source("def f(:\n")
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.line) == ("syntax-error", Severity.BLOCK, 1)


def test_findings_are_sorted_by_line_and_counted():
    report = audit_source("import os\nos.system('x')\nimport socket\nx = os.getenv('A')\n")
    assert [f.line for f in report.findings] == sorted(f.line for f in report.findings)
    assert report.counts() == {"info": 0, "warn": 1, "block": 2}
    data = report.to_dict()
    assert data["blocked"] is True
    assert data["findings"][0] == {
        "line": 2,
        "code": "process",
        "severity": "block",
        "message": "starts or signals processes (os.system)",
    }
    json.dumps(data)  # serialisable as is


def test_strict_policy_blocks_only_on_block_findings():
    enforce_strict(audit_source("import os\nx = os.getenv('A')\n"))  # warn only: passes
    with pytest.raises(AuditBlockedError, match="line 1: network access") as caught:
        enforce_strict(audit_source("import socket\n"))
    assert len(caught.value.findings) == 1


def test_real_replies_are_advisory_findings_only(corpus_dir):
    from codegen.program.extract import extract_program

    for line in (corpus_dir / "real_replies.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["kind"] not in ("program", "multi_table_program"):
            continue
        report = audit_source(extract_program(entry["reply"]))
        assert not report.blocked
        assert report.imports == ("numpy", "pandas")
        assert "global-random" in {f.code for f in report.findings}


# --- the command ---------------------------------------------------------------------------------
def sdgen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_audit_is_advisory_by_default(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("import requests\nrequests.get('http://example.invalid')\n")
    done = sdgen("audit", str(program))
    assert done.returncode == 0, done.stderr
    assert "not in the sandbox image: requests" in done.stdout
    assert "network" in done.stdout


def test_cli_audit_json_and_strict(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("import subprocess\n")
    done = sdgen("audit", str(program), "--json", "--strict")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["blocked"] is True and report["findings"][0]["code"] == "process"
    assert done.stderr.startswith("error: the strict audit policy blocks this program: line 1")

    program.write_text(CLEAN)
    done = sdgen("audit", str(program), "--json", "--strict")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"] == []
