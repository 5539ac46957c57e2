"""Text specs: the table specs' loader, the same did-you-mean errors, the reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import sdgen

from codegen.errors import SpecError
from codegen.spec.model import load_spec
from codegen.spec.text import TextSpec, load_any_spec, load_text_spec, text_spec_reference

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "text").glob("*.yaml"))
BASE = """\
name: t
kind: text
task: Describe products.
records: 3
inputs: {product_name: {max_words: 5}}
outputs: {description: {min_words: 5}}
"""


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load(path):
    spec = load_text_spec(path)
    assert isinstance(load_any_spec(path), TextSpec)
    assert load_text_spec(spec.to_yaml()) == spec


def test_three_text_examples_of_different_shapes():
    shapes = {(len(load_text_spec(p).inputs), load_text_spec(p).outputs.keys().__len__()) for p in
              EXAMPLES}  # fmt: skip
    assert len(EXAMPLES) >= 3 and len(shapes) >= 2


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_text_spec(text)
    return caught.value.problems


def test_misspelt_keys_get_did_you_mean():
    found = problems(BASE.replace("records: 3", "record: 3") + "topic: [a]\n")
    assert "spec: unknown key 'record' (did you mean 'records'?)" in found
    assert "spec: unknown key 'topic' (did you mean 'topics'?)" in found
    assert "spec: missing key 'records'" in found
    found = problems(BASE.replace("max_words: 5", "max_word: 5"))
    assert found == ["inputs.product_name: unknown key 'max_word' (did you mean 'max_words'?)"]


def test_lint_across_fields():
    text = BASE.replace("{min_words: 5}", "{min_words: 9, max_words: 2}")
    text += "topics: [a, a]\npropose_topics: 3\nlanguage: English\n"
    found = problems(text)
    assert "outputs.description: min_words 9 is above max_words 2" in found
    assert "topics: a topic is listed twice" in found
    assert "propose_topics: give topics or propose_topics, not both" in found
    assert any(p.startswith("language:") for p in found)


def test_shares_and_balance_speak_of_the_allowed_values():
    labelled = BASE.replace(
        "outputs: {description: {min_words: 5}}",
        "outputs: {sentiment: {values: [positive, mixed, negative], shares: {%s}%s}}",
    )
    assert load_text_spec(labelled % ("positive: 2, mixed: 1", "")).outputs["sentiment"].shares == {
        "positive": 2,
        "mixed": 1,
    }
    found = problems(labelled % ("postive: 2, mixed: -1", ", balance: false"))
    assert "outputs.sentiment.shares: 'postive' is not one of the values (did you mean " \
        "'positive'?)" in found  # fmt: skip
    assert "outputs.sentiment.shares.mixed: a share is a number >= 0, got -1.0" in found
    assert "outputs.sentiment.shares: shares need balance (it is false here)" in found
    assert problems(labelled % ("mixed: 0", "")) == [
        "outputs.sentiment.shares: at least one value needs a share above 0"
    ]
    found = problems(BASE.replace("{max_words: 5}", "{max_words: 5, balance: true, shares: {}}"))
    assert found == [
        "inputs.product_name.balance: only a field with values can be balanced",
        "inputs.product_name.shares: give values first; shares say how common each is",
    ]


def test_duplicate_keys_refused_as_for_tables():
    assert "duplicate key 'task'" in problems(BASE + "task: again\n")[0]


def test_a_table_command_on_a_text_spec_says_so():
    with pytest.raises(SpecError, match="sdgen text"):
        load_spec(BASE)


def test_reference_documents_every_field():
    reference = text_spec_reference()
    for name in TextSpec.model_fields:
        assert f"`{name}`" in reference


def test_cli_check_and_reference(tmp_path, isolated_env):
    done = sdgen("spec", "check", str(EXAMPLES[0]), env={})
    assert done.returncode == 0 and "text spec" in done.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("task:", "tusk:"))
    done = sdgen("spec", "check", str(bad), env={})
    assert done.returncode == 1
    assert "unknown key 'tusk' (did you mean 'task'?)" in done.stderr
    done = sdgen("spec", "reference", env={})
    assert "# Text spec reference" in done.stdout and "`propose_topics`" in done.stdout
