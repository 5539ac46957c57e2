"""More values for a unique list the model filled too short: asked over real HTTP (the OpenAI
stub on 127.0.0.1) as JSON of exactly the number missing, added to the reply's list, so that
nothing is numbered ("Python for Data Analysis 2")."""

from __future__ import annotations

import json

import pytest
from support.inprocess_runner import InProcessRunner
from support.shop import stub_client

import codegen as sd
from codegen.pipeline.more_values import MORE_PER_QUESTION, is_placeholders, short_lists
from codegen.program.scaffold import build_scaffold
from codegen.spec.model import load_spec

COURSES = """\
name: courses
description: Online courses for software developers.
tables:
  courses:
    rows: 12
    columns:
      id:    {type: integer, primary_key: true}
      title: {type: string, unique: true}
      topic: {type: string}
"""
TITLES = ["Python Basics", "Go in Practice", "SQL for Analysts", "Rust from Scratch"]
MORE = [
    "Docker Deep Dive", "Kubernetes in Production", "Linux for Developers", "Git Essentials",
    "Java Streams", "Kotlin Coroutines", "SwiftUI Basics", "C Pointers Explained",
]  # fmt: skip


@pytest.fixture
def client(openai_stub, isolated_env):
    client = stub_client(openai_stub.base_url)
    yield client
    client.close()


def test_a_short_unique_list_is_found_and_a_full_or_plain_one_is_not():
    spec = load_spec(COURSES)
    scaffold = build_scaffold(spec)
    code = f"title_values = {TITLES!r}\ntopic_values = ['a']\n"
    assert short_lists(code, scaffold, spec, {"courses": 12}) == [("title_values", TITLES, 8)]
    assert short_lists(code, scaffold, spec, {"courses": 4}) == []
    # a list filled up by numbering its own values is short too: "Go in Practice 2" is no title
    numbered = [*TITLES, "Python Basics 2", "Go in Practice 2", "Python Basics 3", "Go 4"]
    code = f"title_values = {numbered!r}\ntopic_values = ['a']\n"
    assert short_lists(code, scaffold, spec, {"courses": 8}) == [
        ("title_values", [*TITLES, "Go 4"], 3)
    ]


def test_a_thing_s_own_name_is_short_too_though_not_unique():
    """900 boats named from ten names: a boat's name is its own, as a unique column's; the
    boats' kind (a category) is not short."""
    spec = load_spec("""\
name: marina
tables:
  boats:
    rows: 900
    columns:
      id:        {type: integer, primary_key: true}
      name:      {type: string}
      kind:      {type: string}
      boat_name: {type: string}
""")
    names = [f"Sea {word}" for word in "Breeze Star Spray Wolf Dream".split()]
    code = f"name_values = {names!r}\nkind_values = ['sailboat']\nboat_name_values = {names!r}\n"
    assert short_lists(code, build_scaffold(spec), spec, {"boats": 900}) == [
        ("name_values", names, 895),
        ("boat_name_values", names, 895),
    ]


def test_the_missing_values_are_asked_for_and_nothing_is_numbered(openai_stub, client, tmp_path):
    lines = f"title_values = {TITLES!r}\ntopic_values = ['web', 'data', 'systems']\n"
    openai_stub.reply(f"```python\n{lines}```")
    # one is a repeat, one a value so far numbered
    openai_stub.reply(json.dumps({"values": [*MORE[:6], "python basics", "SQL for Analysts 2"]}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    question = openai_stub.chat_requests[1].body
    schema = question["response_format"]["json_schema"]["schema"]["properties"]["values"]
    assert (schema["minItems"], schema["maxItems"]) == (8, 8)
    assert "Rust from Scratch" in question["messages"][-1]["content"]
    titles = run.tables["courses"]["title"]
    assert titles.is_unique
    # 4 + 6 new ones: two rows short, numbered as before; the rest real
    assert sum(t[-1].isdigit() for t in titles) == 2
    assert set(MORE[:6]) <= set(titles)
    assert MORE_PER_QUESTION >= 8


def test_an_endpoint_that_fails_leaves_the_list_as_the_model_gave_it(openai_stub, client, tmp_path):
    lines = f"title_values = {TITLES!r}\ntopic_values = ['web']\n"
    openai_stub.reply(f"```python\n{lines}```")
    openai_stub.error(400, "bad request")
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    assert sum(t[-1].isdigit() for t in run.tables["courses"]["title"]) == 8


@pytest.mark.parametrize(
    "values, placeholders",
    [
        (["Airport A", "Airport B", "Airport C", "Airport D"], True),
        (["Department 1", "Department 2", "Sales"], True),
        (["dept_1", "dept_2", "dept_3"], True),
        (["Lyon", "Paris", "Nice"], False),
        (["Terminal 2", "Schiphol", "Orly"], False),
        (["E190", "E195", "A320"], False),  # type codes, not a stem numbered
        (["Studio 54", "Apollo 11", "Area 51"], False),  # numbers in real names
    ],
)
def test_a_list_of_one_stem_with_a_letter_or_number_is_placeholders(values, placeholders):
    assert is_placeholders(values) is placeholders


def test_placeholders_are_replaced_by_real_values_asked_for_alone(openai_stub, client, tmp_path):
    """The blanks reply named a regional airline's airports "Airport A" to "Airport J"."""
    lines = "title_values = " + repr(TITLES + MORE) + "\n"
    lines += "topic_values = ['Topic A', 'Topic B', 'Topic C', 'Topic D']\n"
    openai_stub.reply(f"```python\n{lines}```")
    real = ["web development", "databases", "cloud", "security", "testing", "DevOps"]
    openai_stub.reply(json.dumps({"values": real + ["Topic 7", "Topic 8"]}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    question = openai_stub.chat_requests[1].body["messages"][-1]["content"]
    assert 'Column "topic": the topic of one of the courses.' in question
    assert "Topic A" not in question  # shown them, the model listed them again
    assert "Names people there gave them, not numbered." in question
    assert set(run.tables["courses"]["topic"]) <= set(real + ["Topic 7", "Topic 8"])
    assert run.tables["courses"]["topic"].isin(real).mean() > 0.5


def test_a_list_of_decimals_for_names_is_asked_again_alone(openai_stub, client, tmp_path):
    """The blanks reply listed a school's classrooms ("e.g. 'Groep 5b'") as 1.2, 0.8, 1.5..."""
    lines = "title_values = " + repr(TITLES + MORE) + "\n"
    lines += "topic_values = ['1.2', '0.8', '1.5', '0.9']\n"
    openai_stub.reply(f"```python\n{lines}```")
    real = ["web development", "databases", "cloud", "security"]
    openai_stub.reply(json.dumps({"values": real}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    assert set(run.tables["courses"]["topic"]) <= set(real)
    from codegen.pipeline.more_values import placeholder_lists

    scaffold = build_scaffold(load_spec(COURSES.replace("topic:", "version:")))
    versions = "version_values = ['1.2', '0.8', '1.5']\n"  # a version may well be "1.2"
    assert placeholder_lists(versions, scaffold) == []


def test_a_reply_of_placeholders_again_leaves_the_list_as_it_was(openai_stub, client, tmp_path):
    lines = "title_values = " + repr(TITLES + MORE) + "\n"
    lines += "topic_values = ['Topic A', 'Topic B', 'Topic C']\n"
    openai_stub.reply(f"```python\n{lines}```")
    openai_stub.reply(json.dumps({"values": [f"Subject {n}" for n in range(1, 9)]}))
    openai_stub.reply(json.dumps({"values": [f"Subject {n}" for n in range(9, 17)]}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    assert set(run.tables["courses"]["topic"]) <= {"Topic A", "Topic B", "Topic C"}
    assert len(openai_stub.chat_requests) == 3


def test_placeholders_listed_again_are_shown_as_what_not_to_write(openai_stub, client, tmp_path):
    """An engineering company's projects came back "Project A" to "Project L" asked alone too;
    shown two of them as what not to write, the model named them for what they are."""
    lines = "title_values = " + repr(TITLES + MORE) + "\n"
    lines += "topic_values = ['Topic A', 'Topic B', 'Topic C']\n"
    openai_stub.reply(f"```python\n{lines}```")
    openai_stub.reply(json.dumps({"values": [f"Topic {c}" for c in "ABCDEFGH"]}))
    real = ["web development", "databases", "cloud", "security"]
    openai_stub.reply(json.dumps({"values": real}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    again = openai_stub.chat_requests[2].body["messages"][-1]["content"]
    assert 'each a name that says what it is (not "Topic A", "Topic B")' in again
    assert set(run.tables["courses"]["topic"]) == set(real)


def test_a_list_left_out_of_the_reply_is_asked_for_alone(openai_stub, client, tmp_path):
    """The embedded model rewrote the one long line it was shown for bank's amounts and
    stopped there: no reference_values, and the attempt failed."""
    lines = "title_values = " + repr(TITLES + MORE) + "\n"  # topic_values left out
    openai_stub.reply(f"```python\n{lines}```")
    topics = ["web development", "databases", "cloud", "security", "testing"]
    openai_stub.reply(json.dumps({"values": topics}))
    run = sd.generate(
        COURSES, client=client, runner=InProcessRunner(), out=tmp_path, ask="blanks", typical=False
    )
    assert len(run.attempts) == 1
    question = openai_stub.chat_requests[1].body["messages"][-1]["content"]
    assert 'Column "topic": the topic of one of the courses.' in question
    assert "not numbered" not in question  # it had not been
    assert set(run.tables["courses"]["topic"]) <= set(topics)


def test_a_reply_cut_off_in_a_list_keeps_its_whole_values(openai_stub, client, tmp_path):
    """Three times the embedded model went on with film titles until its tokens ran out
    ("The Hobbit: The Battle of the Five Armies 7", ...), and the attempts failed on the cut
    string: the list is closed after its last whole value, the rest asked for as before."""
    topics = "topic_values = ['web', 'data', 'systems']\n"
    listed = "".join(f"    {t!r},\n" for t in TITLES)
    cut = topics + "title_values = [\n" + listed + '    "Elixir for Be'
    openai_stub.truncated(f"```python\n{cut}")
    openai_stub.reply(json.dumps({"values": MORE}))  # the unique list is short: 8 more
    said: list[str] = []
    run = sd.generate(
        COURSES,
        client=client,
        runner=InProcessRunner(),
        out=tmp_path,
        ask="blanks",
        typical=False,
        progress=said.append,
    )
    assert len(run.attempts) == 1
    assert any("cut off in a list; closed after its last whole value" in line for line in said)
    titles = set(run.tables["courses"]["title"])
    assert set(TITLES) | set(MORE) == titles  # and no "Elixir for Be"


def test_a_reply_in_a_rut_adds_only_its_first_few():
    """Asked for 30 more course titles, the 1.5B model once went on "Arduino MKR..." to the
    end; a value that starts like a fifth of the list (3 at least), or runs letters together,
    adds nothing."""
    from codegen.pipeline.more_values import _new_values

    loop = [f"Arduino MKR{n}" for n in ("1010", "Zero", "WiFi", "Power", "Touch")]
    reply = json.dumps({"values": ["Rust for Beginners", *loop, "A" * 30, "Go in Practice"]})
    listed = ["Python for Beginners", "Advanced Python", "Arduino Programming"]
    new = _new_values(reply, listed)
    assert new == ["Rust for Beginners", "Arduino MKR1010", "Arduino MKRZero", "Go in Practice"]


def test_film_titles_starting_with_the_are_no_rut_but_a_looped_subtitle_is():
    """Asked for 60 film titles, the embedded model listed 14 and went on with "Titanic: The
    Complete Collection", "Jaws: The Complete Collection"...; most real titles start with
    "The", which says nothing of a loop."""
    from codegen.pipeline.more_values import _new_values, without_loops

    listed = ["The Godfather", "The Matrix", "The Hobbit", "Jaws", "Titanic", "Inception"]
    looped = [f"{t}: The Complete Collection" for t in ("Jaws", "Titanic", "Inception")]
    assert without_loops([*listed, *looped, "Mission: Impossible", "Jaws 2"]) == [
        *listed,
        "Mission: Impossible",
    ]
    reply = json.dumps(
        {"values": ["The Piano", "The Sting", "The Matrix: The Complete Collection", "Heat"]}
    )
    # "The Piano" is no fourth "The ..." in a rut; a subtitle said before is
    new = _new_values(reply, [*listed, "Alien: The Complete Collection"])
    assert new == ["The Piano", "The Sting", "Heat"]
