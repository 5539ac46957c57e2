"""Extraction of programs and CSV from LLM replies, on real replies and on made-up shapes."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codegen.errors import ExtractionError, ProgramSyntaxError
from codegen.program.extract import extract_code, extract_csv, extract_program, python_blocks
from codegen.program.format import format_program

FENCE = "```"


def corpus(corpus_dir: Path) -> dict[str, dict]:
    lines = (corpus_dir / "real_replies.jsonl").read_text(encoding="utf-8").splitlines()
    return {entry["id"]: entry for entry in map(json.loads, lines)}


def run_module(program: str) -> dict[str, pd.DataFrame]:
    """Run a known corpus program (numpy/pandas only, it only prints) and keep its DataFrames."""
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(program, "program.py", "exec"), namespace)  # noqa: S102 - corpus fixture
    return {k: v for k, v in namespace.items() if isinstance(v, pd.DataFrame)}


def sdgen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codegen.cli.main", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


# --- the real replies ----------------------------------------------------------------------------
def test_real_reply_with_a_shell_fence_before_the_program(corpus_dir):
    reply = corpus(corpus_dir)["sdg1-gpt4p-program-housing100"]["reply"]
    assert len(python_blocks(reply)) == 1  # the untagged `pip install` block is skipped
    program = extract_program(reply)
    assert "pip install" not in program
    assert program == format_program(program)  # already black-formatted

    tables = run_module(program)
    (df,) = tables.values()
    assert df.shape == (100, 5)
    assert list(df.columns) == [
        "id",
        "house size (m^2)",
        "number of bedrooms",
        "location",
        "house price",
    ]


def test_real_multi_table_reply(corpus_dir):
    reply = corpus(corpus_dir)["sdg1-gpt4p-multitable-housing"]["reply"]
    program = extract_program(reply)
    assert "pip install" not in program  # inline `pip install pandas` in prose is not a fence
    tables = run_module(program)
    shapes = {name: df.shape for name, df in tables.items()}
    assert shapes == {"locations_df": (10, 5), "house_types_df": (4, 4), "housing_df": (100, 6)}
    housing, locations = tables["housing_df"], tables["locations_df"]
    assert housing["location_id"].isin(locations["id"]).all()


@pytest.mark.parametrize(
    "reply_id",
    [
        "sdg1-gpt4p-csv-housing10",
        "sdg1-gpt4p-pairs-products-trunc",
        "sdg1-gpt4-pairs-topics-trunc",
        "sdg1-gpt4p-cluster-topics",
    ],
)
def test_real_replies_without_code(corpus_dir, reply_id):
    with pytest.raises(ExtractionError, match="^no Python code in the reply$"):
        extract_program(corpus(corpus_dir)[reply_id]["reply"])


def test_real_csv_reply(corpus_dir):
    reply = corpus(corpus_dir)["sdg1-gpt4p-csv-housing10"]["reply"]
    (text,) = extract_csv(reply)
    df = pd.read_csv(io.StringIO(text))
    assert df.shape == (10, 5)
    assert list(df.columns) == ["id", "house size", "house price", "location", "number of bedrooms"]


def test_real_csv_reply_without_its_fence(corpus_dir):
    reply = corpus(corpus_dir)["sdg1-gpt4p-csv-housing10"]["reply"]
    bare = "Here is the data:\n\n" + reply.replace("```csv", "").replace("```", "") + "\nEnjoy."
    (text,) = extract_csv(bare)
    assert pd.read_csv(io.StringIO(text)).shape == (10, 5)


@pytest.mark.parametrize(
    "reply_id",
    [
        "sdg1-gpt4p-program-housing100",
        "sdg1-gpt4p-pairs-products-trunc",
        "sdg1-gpt4-pairs-topics-trunc",
        "sdg1-gpt4p-cluster-topics",  # "Cluster: 0, topic: ..." lines are not a table
    ],
)
def test_real_replies_without_csv(corpus_dir, reply_id):
    with pytest.raises(ExtractionError, match="no CSV in the reply"):
        extract_csv(corpus(corpus_dir)[reply_id]["reply"])


# --- fences --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", ["python", "py", "Python3", "ipython", "", "python title=gen.py"])
def test_python_and_untagged_fences(tag):
    reply = f"Here:\n\n{FENCE}{tag}\nimport numpy as np\nx = np.arange(3)\n{FENCE}\nDone."
    assert extract_code(reply) == "import numpy as np\nx = np.arange(3)\n"


def test_tildes_and_long_fences():
    reply = "~~~~python\nx = 1\n~~~~\n\n`````\ny = '```'\n`````\n"
    assert extract_code(reply) == "x = 1\n\ny = '```'\n"


@pytest.mark.parametrize(
    "block",
    [
        "pip install pandas numpy",
        "$ python generate.py",
        "!pip install faker",
        "conda install -c conda-forge faker",
        "ls",
        "   id  size\n0   1   100",  # printed output
    ],
)
def test_untagged_shell_and_output_blocks_are_skipped(block):
    reply = f"{FENCE}\n{block}\n{FENCE}\n\n{FENCE}python\nx = 1\n{FENCE}\n"
    assert extract_code(reply) == "x = 1\n"


@pytest.mark.parametrize("tag", ["bash", "sh", "console", "json", "text", "csv", "sql", "yaml"])
def test_other_languages_are_skipped(tag):
    reply = f"{FENCE}{tag}\nx = 1\n{FENCE}\n\n{FENCE}python\ny = 2\n{FENCE}\n"
    assert extract_code(reply) == "y = 2\n"


def test_several_python_blocks_are_joined_in_order():
    reply = (
        f"First the imports:\n{FENCE}python\nimport pandas as pd\n{FENCE}\n"
        f"Then a shell step:\n{FENCE}bash\npip install pandas\n{FENCE}\n"
        f"Then the function:\n{FENCE}python\ndef generate(rows, seed):\n    return {{}}\n{FENCE}\n"
    )
    code = extract_code(reply)
    assert code.index("import pandas") < code.index("def generate")
    assert "pip" not in code


def test_fence_inside_a_list_item():
    reply = f"1. Run this:\n\n   {FENCE}python\n   x = 1\n   if x:\n       y = 2\n   {FENCE}\n"
    assert extract_code(reply) == "x = 1\nif x:\n    y = 2\n"


def test_ipython_magics_in_a_python_block_are_dropped():
    reply = f"{FENCE}python\n!pip install faker\n%matplotlib inline\nimport faker\n{FENCE}\n"
    assert extract_code(reply) == "import faker\n"


def test_untagged_notebook_block_and_shebang_are_python():
    notebook = f"{FENCE}\n!pip install faker\nimport faker\nfake = faker.Faker()\n{FENCE}\n"
    assert extract_code(notebook) == "import faker\nfake = faker.Faker()\n"
    script = f"{FENCE}\n#!/usr/bin/env python\nimport sys\n{FENCE}\n"
    assert extract_code(script) == "#!/usr/bin/env python\nimport sys\n"


def test_unclosed_fence_of_a_cut_reply_runs_to_the_end():
    reply = f"Sure:\n{FENCE}python\nimport numpy as np\nx = np.arange(\n"
    assert extract_code(reply) == "import numpy as np\nx = np.arange(\n"
    with pytest.raises(ProgramSyntaxError) as caught:
        extract_program(reply)
    assert caught.value.line is not None and caught.value.line >= 2


def test_untagged_python_with_a_syntax_error_is_reported_not_skipped():
    reply = f"{FENCE}\nimport pandas as pd\ndef generate(rows, seed)\n    return {{}}\n{FENCE}\n"
    with pytest.raises(ProgramSyntaxError) as caught:
        extract_program(reply)
    assert caught.value.line == 2
    assert str(caught.value).startswith("syntax error at line 2: ")
    assert "def generate(rows, seed)" in str(caught.value)


# --- no fence ------------------------------------------------------------------------------------
def test_whole_reply_taken_when_it_is_python():
    reply = "import numpy as np\n\n\ndef generate(rows, seed):\n    return {}\n"
    assert extract_code(reply) == reply


@pytest.mark.parametrize(
    "reply",
    [
        "Sorry, I cannot help with that.",
        "OK",  # parses as a bare name, but is not a program
        "",
        "1.\nInput: Northface Waterproof Jacket, Clothing\n",
    ],
)
def test_prose_without_code(reply):
    with pytest.raises(ExtractionError, match="no Python code in the reply"):
        extract_code(reply)


def test_reply_with_only_shell_fences_has_no_code():
    with pytest.raises(ExtractionError, match="no Python code in the reply"):
        extract_code(f"Install:\n{FENCE}\npip install pandas\n{FENCE}\n")


# --- formatting ----------------------------------------------------------------------------------
def test_black_formatting_with_line_length_100():
    formatted = format_program("x = {'a':1,\n 'b':2}\ndef f( a ):\n  return a\n")
    assert formatted == 'x = {"a": 1, "b": 2}\n\n\ndef f(a):\n    return a\n'


def test_syntax_error_names_its_line_and_text():
    with pytest.raises(ProgramSyntaxError) as caught:
        format_program("a = 1\nb = (2,\nc = 3 3\n")
    error = caught.value
    assert error.line in (2, 3)
    assert str(error).startswith(f"syntax error at line {error.line}: ")
    assert "\n" not in str(error)


def test_python_newer_than_the_sandbox_is_a_syntax_error():
    # PEP 695 type aliases are 3.12; the sandbox image runs 3.11
    with pytest.raises(ProgramSyntaxError, match="line 1"):
        format_program("type Rows = dict[str, int]\n")


# --- CSV shapes ----------------------------------------------------------------------------------
def test_several_csv_blocks_in_order():
    reply = (
        f"{FENCE}csv\nid,name\n1,Oslo\n2,Rome\n{FENCE}\n"
        f"and\n{FENCE}csv\nid,city_id\n10,1\n11,2\n{FENCE}\n"
    )
    first, second = extract_csv(reply)
    assert first.startswith("id,name") and second.startswith("id,city_id")


def test_untagged_fence_holding_csv():
    (text,) = extract_csv(f"{FENCE}\nid,price\n1,10.5\n2,11.0\n{FENCE}\n")
    assert text == "id,price\n1,10.5\n2,11.0\n"


def test_bare_csv_with_quoted_commas():
    reply = 'name,city,age\n"Smith, Jane",Oslo,34\n"Lee, Bo",Rome,28\n'
    (text,) = extract_csv(reply)
    df = pd.read_csv(io.StringIO(text))
    assert df["name"].tolist() == ["Smith, Jane", "Lee, Bo"]


def test_no_csv_in_prose():
    with pytest.raises(ExtractionError, match="no CSV in the reply"):
        extract_csv("There are many cities, like Oslo, Rome and Lima.\nThanks, bye.")


# --- the command ---------------------------------------------------------------------------------
def test_cli_extract_to_stdout_and_to_a_file(corpus_dir, tmp_path):
    reply = tmp_path / "reply.md"
    reply.write_text(corpus(corpus_dir)["sdg1-gpt4p-program-housing100"]["reply"])
    done = sdgen("extract", str(reply))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("import pandas as pd\nimport numpy as np\n")

    out = tmp_path / "program.py"
    done = sdgen("extract", str(reply), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text() == extract_program(reply.read_text())
    assert done.stdout.strip() == str(out)


def test_cli_extract_without_code_fails_with_one_line(corpus_dir, tmp_path):
    reply = tmp_path / "reply.md"
    reply.write_text(corpus(corpus_dir)["sdg1-gpt4p-cluster-topics"]["reply"])
    done = sdgen("extract", str(reply))
    assert done.returncode == 1
    assert done.stderr == "error: no Python code in the reply\n"
    assert done.stdout == ""


def test_cli_extract_reports_syntax_errors_and_reads_stdin():
    done = sdgen("extract", "-", stdin=f"{FENCE}python\nx = 1\ny = (\n{FENCE}\n")
    assert done.returncode == 1
    assert done.stderr.startswith("error: syntax error at line 2")


def test_cli_extract_missing_file(tmp_path):
    done = sdgen("extract", str(tmp_path / "absent.md"))
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot read ")


def test_a_block_indented_as_a_whole_is_dedented():
    reply = "```python\n    city_values = ['Lyon', 'Nice']\n    house_price_slope = 1200\n```"
    assert extract_program(reply) == 'city_values = ["Lyon", "Nice"]\nhouse_price_slope = 1200\n'
