"""The text route through the real `openai` client and HTTP on 127.0.0.1: a scripted
OpenAI-compatible server answers (in order from its queue, or by what was asked). Embeddings are
scikit-learn's hashing or, where a test needs clusters it controls, a small in-process embedder;
the real embedding model has its own tests (test_embed.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import codegen as sd
from codegen.errors import LLMError
from codegen.llm.client import OpenAIChatClient, RetryPolicy
from codegen.text.embed import HashingEmbedder
from codegen.text.export import read_jsonl

WORDS = ("amber basil cedar delta ember fjord garnet harbor indigo juniper kestrel lagoon "
         "meadow nutmeg onyx pepper quartz raven saffron tundra umber violet willow yarrow "
         "zephyr acorn birch clover dune elm").split()  # fmt: skip


def spec(**changes) -> dict:
    data = {
        "name": "shop",
        "kind": "text",
        "task": "Describe products for an online shop.",
        "records": 6,
        "inputs": {
            "product_name": {"min_words": 1, "max_words": 8},
            "category": {"values": ["Kitchen", "Garden"]},
        },
        "outputs": {"description": {"min_words": 6, "max_words": 60}},
        "topics": ["pans", "rakes"],
        "batch_size": 3,
        "max_regenerations": 2,
        "diversity": {"max_rounds": 0},
    }
    data.update(changes)
    return data


def record(topic: str, n: int, salt: str = "") -> dict:
    """A record that passes the checks, its words distinct from every other record's."""
    a, b, c = (WORDS[(n * 3 + i + len(topic) * 7 + len(salt)) % len(WORDS)] for i in range(3))
    return {
        "product_name": f"{a.title()} {topic.title()} {n}{salt}",
        "category": "Kitchen" if topic == "pans" else "Garden",
        "description": f"A {b} {topic[:-1]} made for {c} days, number {n}{salt}, sold with "
        f"care and a {a} finish.",
    }


def asked(body: dict) -> tuple[str, int]:
    user = body["messages"][-1]["content"]
    return re.search(r"about this topic: (.*?)\.\n", user)[1], int(
        re.search(r"Write (\d+) different", user)[1]
    )


def by_topic(body: dict) -> str:
    user = body["messages"][-1]["content"]
    if '{"name"' in user:
        return json.dumps({"name": "a group"})
    topic, count = asked(body)
    seed = body.get("seed", 0)
    return json.dumps({"records": [record(topic, i, f"-{seed % 997}") for i in range(count)]})


@pytest.fixture
def client(openai_stub, isolated_env):
    client = OpenAIChatClient(
        "stub-model", base_url=openai_stub.base_url, retry=RetryPolicy(max_attempts=1)
    )
    yield client
    client.close()


def run(client, tmp_path, data, **options):
    options.setdefault("embedder", HashingEmbedder())  # or "openai": the endpoint's embeddings
    return sd.generate_text(data, client=client, out=tmp_path / "runs", **options)


def test_a_run_saves_records_jsonl_report_png_and_provenance(openai_stub, client, tmp_path):
    openai_stub.responder = by_topic
    text_run = run(client, tmp_path, spec(records=7), concurrency=3)
    assert sorted(p.name for p in text_run.path.iterdir()) == [
        "clusters.png", "data", "manifest.json", "report.json", "spec.yaml", "train.jsonl",
        "valid.jsonl",
    ]  # fmt: skip
    report, manifest = text_run.report, text_run.manifest
    assert report["records"] == 7 and report["requests"]["records"] == 3  # 4 + 3 records
    assert report["topics"] == ["pans", "rakes"]
    assert report["diversity"]["before"]["topics"] == {"pans": 4, "rakes": 3}
    assert report["requests"]["replies_read_without_loss"] == 1.0
    frame = text_run.records
    assert list(frame.columns)[:3] == ["product_name", "category", "description"]
    assert set(frame["split"]) == {"train", "valid"}
    train, valid = read_jsonl(text_run.path / "train.jsonl"), read_jsonl(
        text_run.path / "valid.jsonl"
    )
    assert len(train) + len(valid) == 7 and len(valid) == 1
    first = train[0].messages
    assert first[0].content == "Describe products for an online shop."
    assert first[1].content.startswith("product_name: ") and "\ncategory: " in first[1].content
    assert manifest.route == "text" and manifest.status == "complete"
    assert manifest.endpoint_host == "127.0.0.1" and manifest.model == "stub-model"
    assert manifest.rows == {"records": 7, "train": 6, "valid": 1}
    assert len(manifest.prompt_sha256) == len(openai_stub.chat_requests)
    assert manifest.usage["total_tokens"] > 0
    # Every request asked for schema-constrained JSON with exactly the records wanted.
    record_requests = [r.body for r in openai_stub.chat_requests if "records" in json.dumps(
        r.body.get("response_format"))]  # fmt: skip
    assert sorted(asked(body)[1] for body in record_requests) == [1, 3, 3]
    for body in record_requests:
        items = body["response_format"]["json_schema"]["schema"]["properties"]["records"]
        assert items["minItems"] == items["maxItems"] == asked(body)[1]
        assert items["items"]["properties"]["category"]["enum"] == ["Kitchen", "Garden"]
    assert (text_run.path / "clusters.png").read_bytes()[:4] == b"\x89PNG"


def test_replies_in_every_layout_are_read_and_counted(openai_stub, client, tmp_path):
    pans = [record("pans", i) for i in range(3)]
    rakes = [record("rakes", i) for i in range(3)]
    labelled = "\n\n".join(
        f"Input: {r['product_name']}, {r['category']}\nOutput: {r['description']}" for r in rakes
    )
    numbered = "\n".join(
        f"{i + 1}. **Product name**: {r['product_name']}\n   **Category**: {r['category']}\n"
        f"   **Description**: {r['description']}"
        for i, r in enumerate(pans[1:])
    )
    openai_stub.replies(
        "Here they are:\n```json\n" + json.dumps(pans[:1]) + "\n```",  # pans: 1 of 3 read
        labelled,  # rakes: 3 of 3
        numbered,  # pans again (regeneration): 2 more
    )
    openai_stub.responder = by_topic  # cluster names
    text_run = run(client, tmp_path, spec(), concurrency=1)
    report = text_run.report
    assert report["requests"]["layouts"] == {"fenced json": 1, "labelled": 2}
    assert report["records"] == 6
    assert report["records_read"] == 6 and report["records_asked"] == 8
    assert report["unreadable"]["by_reason"] == {
        "not in the reply (it held fewer records than asked for)": 2
    }
    assert report["requests"]["replies_read_without_loss"] == pytest.approx(2 / 3, abs=1e-3)
    assert set(text_run.records["description"]) == {r["description"] for r in pans[:3] + rakes}


def test_unreadable_replies_are_counted_with_their_reason(openai_stub, client, tmp_path):
    openai_stub.replies(
        "I am sorry, I cannot write product data.",  # pans: 3 lost
        '{"records": [' + json.dumps(record("rakes", 0)) + ', {"product_name": broken',  # 1 + 1
    )
    openai_stub.responder = by_topic
    report = run(client, tmp_path, spec(), concurrency=1).report
    assert report["unreadable"]["by_reason"] == {
        "neither JSON nor a layout of labelled fields": 3,
        "malformed JSON": 1,
        "not in the reply (it held fewer records than asked for)": 1,
    }
    assert report["records"] == 6  # regenerated
    assert any("cannot write" in e for e in report["examples"][
        "unreadable: neither JSON nor a layout of labelled fields"])  # fmt: skip


def test_failing_records_are_regenerated_with_the_reasons(openai_stub, client, tmp_path):
    bad = [
        {**record("pans", 0), "description": "Too short."},
        {**record("pans", 1), "product_name": "[Product Name]"},
        {**record("pans", 2), "category": "Toys"},
    ]
    openai_stub.replies(json.dumps({"records": bad}))
    openai_stub.responder = by_topic
    text_run = run(client, tmp_path, spec(), concurrency=1)
    report = text_run.report
    assert report["failed_checks"]["by_check"] == {"length": 1, "template": 1, "value": 1}
    assert report["failed_checks"]["records"] == 3
    assert report["records"] == 6
    again = [r for r in openai_stub.chat_requests if "pans" in r.messages[-1]["content"]][-1]
    prompt = again.messages[-1]["content"]
    assert "Earlier records were rejected because" in prompt
    assert "description had the wrong length (6 to 60 words)" in prompt
    assert "[Product Name]" in prompt  # the leftover is named
    assert set(text_run.records["round"]) == {"initial", "initial, regeneration 1"}


def test_regeneration_stops_at_its_limit(openai_stub, client, tmp_path):
    def always_short(body: dict) -> str:
        if '{"name"' in body["messages"][-1]["content"]:
            return json.dumps({"name": "x"})
        topic, count = asked(body)
        if topic == "pans":
            return json.dumps({"records": [{**record("pans", i), "description": "No."}
                                           for i in range(count)]})  # fmt: skip
        return by_topic(body)

    openai_stub.responder = always_short
    text_run = run(client, tmp_path, spec(max_regenerations=1), concurrency=1)
    pans_requests = [r for r in openai_stub.chat_requests if "topic: pans" in r.messages[-1][
        "content"]]  # fmt: skip
    assert len(pans_requests) == 2  # the first and one regeneration
    assert text_run.report["records"] == 3 and text_run.report["target"] == 6


def test_exact_and_near_duplicates_are_removed_and_counted(openai_stub, client, tmp_path):
    first = record("pans", 0)
    exact = {k: v.upper() + "!" for k, v in first.items()}  # same words, other case and marks
    exact["category"] = "Kitchen"
    near = {**first, "description": first["description"].replace("care", "love")}
    openai_stub.replies(json.dumps({"records": [first, exact, near]}))
    openai_stub.responder = by_topic
    data = spec(dedup={"near_threshold": 0.9})
    report = run(client, tmp_path, data, concurrency=1).report
    assert report["duplicates"]["exact"] == 1 and report["duplicates"]["near"] == 1
    assert report["duplicates"]["near_threshold"] == 0.9
    assert report["records"] == 6


def test_an_endpoint_error_mid_run_saves_nothing(openai_stub, client, tmp_path):
    openai_stub.replies(json.dumps({"records": [record("pans", i) for i in range(3)]}))
    openai_stub.error(400, "context length exceeded")
    with pytest.raises(LLMError, match="context length exceeded"):
        run(client, tmp_path, spec(), concurrency=1)
    root = tmp_path / "runs"
    leftovers = [p for p in root.rglob("*")] if root.exists() else []
    assert not [p for p in leftovers if p.name == "manifest.json"]
    assert not [p for p in leftovers if p.name.startswith(".tmp-")]


def test_a_timeout_is_an_error_not_a_short_run(openai_stub, isolated_env, tmp_path):
    from codegen.llm.client import Timeouts

    openai_stub.slow(json.dumps({"records": []}), delay_s=3)
    client = OpenAIChatClient(
        "stub-model",
        base_url=openai_stub.base_url,
        timeouts=Timeouts(read_s=0.5),
        retry=RetryPolicy(max_attempts=1),
    )
    with pytest.raises(LLMError, match="did not answer within"):
        run(client, tmp_path, spec(), concurrency=1)
    client.close()
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").rglob("manifest.json"))


def test_a_second_run_with_the_same_spec_and_seed_costs_no_tokens(openai_stub, client, tmp_path):
    openai_stub.responder = by_topic
    first = run(client, tmp_path, spec(), seed=3, concurrency=2)
    requests = len(openai_stub.chat_requests)
    second = run(client, tmp_path, spec(), seed=3, concurrency=2)
    assert len(openai_stub.chat_requests) == requests  # every reply came from the cache
    assert first.manifest.usage["total_tokens"] > 0
    assert second.manifest.usage.get("total_tokens", 0) == 0
    assert second.report["requests"]["cached"] == len(second.manifest.requests)
    assert list(second.records["description"]) == list(first.records["description"])
    assert second.path != first.path


def test_topics_proposed_by_the_model(openai_stub, client, tmp_path):
    def answer(body: dict) -> str:
        user = body["messages"][-1]["content"]
        if '{"topics"' in user:
            return json.dumps({"topics": ["pans", "rakes", "pans", "  "]})
        return by_topic(body)

    openai_stub.responder = answer
    data = spec(topics=None, propose_topics=4)
    text_run = run(client, tmp_path, data)
    assert text_run.report["topics"] == ["pans", "rakes"]  # cleaned: distinct, not empty
    topic_request = openai_stub.chat_requests[0].body
    assert topic_request["response_format"]["json_schema"]["name"] == "topics"


# --- steering --------------------------------------------------------------------------------
class GroupEmbedder:
    """Vectors by the group word a record's description starts with (clusters a test controls),
    plus a little of its hashing vector so records stay distinct."""

    name = "groups"
    GROUPS = ("cats", "dogs", "birds", "fish", "snakes", "frogs", "bees", "owls")

    def embed(self, texts: list[str]) -> np.ndarray:
        hashed = HashingEmbedder(n_features=64).embed(texts)
        rows = []
        for text, noise in zip(texts, hashed, strict=True):
            group = next((g for g in self.GROUPS if f"about {g}" in text.lower()), "cats")
            one_hot = np.array([g == group for g in self.GROUPS], dtype=np.float32)
            rows.append(np.concatenate([one_hot, noise * 0.8]))
        vectors = np.array(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def steering_server(new_topics: list[list[str]], group_of: dict[str, str]):
    """Replies: records about their topic's group; new topics from ``new_topics`` in turn."""
    proposals = iter(new_topics)

    def answer(body: dict) -> str:
        user = body["messages"][-1]["content"]
        if '{"topics"' in user:
            return json.dumps({"topics": next(proposals)})
        if '{"name"' in user:
            group = next((g for g in GroupEmbedder.GROUPS if f"about {g}" in user.lower()), "?")
            return json.dumps({"name": f"all about {group}"})
        topic, count = asked(body)
        seed = body.get("seed", 0)
        records = []
        for i in range(count):
            r = record("pans", i, f"-{topic}-{seed % 997}")
            r["description"] = f"About {group_of[topic]}: " + r["description"]
            records.append(r)
        return json.dumps({"records": records})

    return answer


def steer_spec(**diversity) -> dict:
    targets = {"max_imbalance": 1.6, "min_entropy": 0.9, "max_rounds": 2, "new_topics": 3}
    targets.update(diversity)
    return spec(records=12, topics=["kittens", "tomcats", "puppies"], batch_size=4,
                diversity=targets)  # fmt: skip


def test_steering_feeds_new_topics_back_until_the_targets_are_met(openai_stub, client, tmp_path):
    group_of = {"kittens": "cats", "tomcats": "cats", "puppies": "dogs",
                "parrots": "birds", "trout": "fish", "pythons": "snakes"}  # fmt: skip
    openai_stub.responder = steering_server([["parrots", "trout", "pythons"]], group_of)
    text_run = run(client, tmp_path, steer_spec(), embedder=GroupEmbedder())
    div = text_run.report["diversity"]
    before, after = div["before"], div["after"]
    assert before["k"] == 2 and before["imbalance_ratio"] == 2.0  # cats 8, dogs 4
    assert sorted(c["name"] for c in before["clusters"]) == ["all about cats", "all about dogs"]
    assert len(div["steering"]) == 1 and div["steering"][0]["new_topics"] == [
        "parrots", "trout", "pythons"]  # fmt: skip
    assert after["k"] == 5 and after["imbalance_ratio"] <= 1.6 and after["entropy"] >= 0.9
    assert div["met"] is True
    assert text_run.report["records"] == 12 and text_run.report["trimmed_for_balance"] == 6
    # The steering request named what the set already has, to move away from it.
    topic_prompt = [r for r in openai_stub.chat_requests if '{"topics"' in r.messages[-1][
        "content"]][0].messages[-1]["content"]  # fmt: skip
    assert "kittens" in topic_prompt and "all about cats" in topic_prompt
    assert set(text_run.records["round"]) >= {"initial", "steering 1"}


def test_steering_stops_at_its_round_limit(openai_stub, client, tmp_path):
    group_of = {"kittens": "cats", "tomcats": "cats", "puppies": "dogs",
                "lions": "cats", "tigers": "cats", "lynx": "cats",
                "pumas": "cats", "ocelots": "cats", "cheetahs": "cats"}  # fmt: skip
    proposals = [["lions", "tigers", "lynx"], ["pumas", "ocelots", "cheetahs"]]
    openai_stub.responder = steering_server(proposals, group_of)
    text_run = run(client, tmp_path, steer_spec(), embedder=GroupEmbedder())
    div = text_run.report["diversity"]
    assert [s["round"] for s in div["steering"]] == [1, 2]
    assert div["met"] is False
    assert text_run.report["records"] == 12


def test_cli_text_prints_a_summary_and_the_run_dir(openai_stub, isolated_env, tmp_path):
    from support.cli import sdgen

    openai_stub.responder = by_topic
    path = tmp_path / "shop.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec()))
    done = sdgen("text", str(path), "--base-url", openai_stub.base_url, "--model", "stub-model",
                 "--out", str(tmp_path / "runs"), "--embedder", "hashing", "--records", "4",
                 env={"XDG_CACHE_HOME": str(isolated_env / "xdg_cache_home")})  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    assert (run_dir / "train.jsonl").is_file()
    assert "replies read without loss" in done.stderr and "4 of 4 records" in done.stderr
    bad = sdgen("text", str(path), "--records", "0", "--base-url", openai_stub.base_url,
                env={})  # fmt: skip
    assert bad.returncode == 1 and bad.stderr.strip().splitlines()[-1].startswith("error:")


def test_cli_text_ends_with_what_the_run_could_not_do(openai_stub, isolated_env, tmp_path):
    # A label the model cannot write: said mid-run, and again under the summary, where the user
    # reads the outcome; so is a run that kept fewer records than asked.
    from support.cli import sdgen

    openai_stub.responder = lambda body: lazy_labeller(body, writes="positive")
    path = tmp_path / "reviews.yaml"
    path.write_text(json.dumps(labelled_spec(max_regenerations=1)))
    done = sdgen("text", str(path), "--base-url", openai_stub.base_url, "--model", "stub-model",
                 "--out", str(tmp_path / "runs"), "--embedder", "hashing",
                 env={"XDG_CACHE_HOME": str(isolated_env / "xdg_cache_home")})  # fmt: skip
    assert done.returncode == 0, done.stderr
    after_summary = done.stderr.split("diversity targets met")[1]
    assert "warning: the second reading of sentiment agrees on 2 of 10 records" in " ".join(
        after_summary.split()
    )
    assert "warning: 2 of 6 records kept" in " ".join(after_summary.split())
    assert Path(done.stdout.strip().splitlines()[-1]).is_dir()


def test_the_api_exports_the_text_route():
    assert {"generate_text", "load_text_run", "TextRun", "TextSpec"} <= set(dir(sd))
    assert sd.generate_text.__module__ == "codegen.api"


def test_cli_dry_run_prints_the_first_request_and_calls_nothing(isolated_env):
    from support.cli import sdgen

    done = sdgen("text", "examples/text/product_descriptions.yaml", "--dry-run",
                 "--base-url", "http://127.0.0.1:9/v1", env={})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Write 5 different records about this topic: cookware and kitchen gadgets." in (
        done.stdout
    )


def test_openai_embeddings_through_the_endpoint_for_the_whole_run(openai_stub, client, tmp_path):
    openai_stub.responder = by_topic
    text_run = run(client, tmp_path, spec(), embedder="openai")
    assert text_run.manifest.embedder == "openai:text-embedding-3-small"
    assert text_run.report["duplicates"]["embedder"] == "openai:text-embedding-3-small"
    embedded = [r for r in openai_stub.requests if r.path.endswith("/embeddings")]
    assert sum(len(r.body["input"]) for r in embedded) >= 6


# --- planned values (labels) -----------------------------------------------------------------
def labelled_spec(**changes) -> dict:
    data = spec(
        records=6,
        inputs={"review": {"min_words": 4, "max_words": 40}},
        outputs={"sentiment": {"values": ["positive", "mixed", "negative"]}},
        topics=["pool", "breakfast"],
    )
    data.update(changes)
    return data


def allowed(body: dict, field: str) -> list[str]:
    record_schema = body["response_format"]["json_schema"]["schema"]["properties"]["records"]
    return record_schema["items"]["properties"][field]["enum"]


def lazy_labeller(body: dict, *, obey_schema: bool = True, writes: str | None = None) -> str:
    """A model that writes positive reviews unless told otherwise, as the 1.5B model did (13
    positive, 7 negative, no mixed): it takes the label the schema leaves it, the first.
    ``writes``: the sentiment its review reads as whatever the label says (a model that ignores
    the prompt while the schema forces the label). Asked to read labels again, it reads the
    word after 'was' in each review."""
    user = body["messages"][-1]["content"]
    if '{"name"' in user:
        return json.dumps({"name": "a group"})
    if '{"answers"' in user:
        read = re.findall(r"^\d+\. review: .*? was (\w+),", user, re.MULTILINE)
        return json.dumps({"answers": [{"sentiment": word} for word in read]})
    topic, count = asked(body)
    label = allowed(body, "sentiment")[0] if obey_schema else "positive"
    seed = body.get("seed", 0) % 997
    words = [WORDS[(seed + i * 5 + j) % len(WORDS)] for i in range(count) for j in range(4)]
    records = [
        {"review": f"The {topic} was {writes or label}, {' '.join(words[i * 4:i * 4 + 4])} "
                   f"{i}-{seed}.",
         "sentiment": label}
        for i in range(count)
    ]  # fmt: skip
    return json.dumps({"records": records})


def test_every_label_gets_its_planned_share_whatever_the_model_prefers(
    openai_stub, client, tmp_path
):
    openai_stub.responder = lazy_labeller
    text_run = run(client, tmp_path, labelled_spec())
    assert text_run.report["values"]["sentiment"] == {
        "balanced": True,
        "planned": {"positive": 2, "mixed": 2, "negative": 2},
        "kept": {"positive": 2, "mixed": 2, "negative": 2},
    }
    # Read again, every label was confirmed: nothing is flagged.
    again = text_run.report["labels_read_again"]
    assert again["confirmed"] == 6 and again["by_label"]["sentiment"]["flagged"] is None
    assert sorted(text_run.records.groupby("topic")["sentiment"].apply(sorted).sum()) == sorted(
        ["positive", "mixed", "negative"] * 2
    )
    # Each batch was told its label before the model wrote, and the schema allowed only it.
    for request in openai_stub.chat_requests:
        body = request.body
        if "records" not in json.dumps(body.get("response_format")):
            continue
        (label,) = allowed(body, "sentiment")
        assert f'sentiment is "{label}"' in body["messages"][-1]["content"]


def test_a_server_that_ignores_the_schema_cannot_skew_the_labels_silently(
    openai_stub, client, tmp_path
):
    openai_stub.responder = lambda body: lazy_labeller(body, obey_schema=False)
    text_run = run(client, tmp_path, labelled_spec(max_regenerations=1))
    report = text_run.report
    assert report["values"]["sentiment"]["kept"] == {"positive": 2, "mixed": 0, "negative": 0}
    assert report["records"] == 2
    # The off-plan records were counted with their reason and asked for again, once.
    assert report["failed_checks"]["by_check"] == {"planned": 8}
    assert "sentiment is 'positive' where 'mixed' was asked for" in report["examples"][
        "check: planned"]  # fmt: skip


def test_trimming_after_steering_keeps_the_labels_shares(openai_stub, client, tmp_path):
    group_of = {"kittens": "cats", "tomcats": "cats", "puppies": "dogs",
                "parrots": "birds", "trout": "fish", "pythons": "snakes"}  # fmt: skip
    proposals = iter([["parrots", "trout", "pythons"]])

    def answer(body: dict) -> str:
        user = body["messages"][-1]["content"]
        if '{"topics"' in user:
            return json.dumps({"topics": next(proposals)})
        if '{"name"' in user or '{"answers"' in user:
            return lazy_labeller(body)
        reply = json.loads(lazy_labeller(body))
        topic, _ = asked(body)
        for r in reply["records"]:
            r["review"] = f"About {group_of[topic]}: " + r["review"]
        return json.dumps(reply)

    openai_stub.responder = answer
    data = labelled_spec(**{k: v for k, v in steer_spec(max_rounds=1).items() if k in (
        "records", "topics", "batch_size", "diversity")})  # fmt: skip
    text_run = run(client, tmp_path, data, embedder=GroupEmbedder())
    report = text_run.report
    assert report["trimmed_for_balance"] > 0 and report["records"] == 12
    assert report["values"]["sentiment"]["kept"] == {"positive": 4, "mixed": 4, "negative": 4}


def test_a_label_the_inputs_do_not_bear_out_is_not_kept(openai_stub, client, tmp_path):
    # The schema makes the model say "mixed" or "negative", but it wrote a positive review.
    openai_stub.responder = lambda body: lazy_labeller(body, writes="positive")
    text_run = run(client, tmp_path, labelled_spec(max_regenerations=1))
    report = text_run.report
    assert report["values"]["sentiment"]["kept"] == {"positive": 2, "mixed": 0, "negative": 0}
    again = report["labels_read_again"]
    assert (again["confirmed"], again["disagreed"], again["unverified"]) == (2, 8, 0)
    # 2 of 10 agree, below chance (1/3): said, so the user knows the label cannot be read back.
    assert again["by_label"]["sentiment"]["read"] == 10
    assert "not clearly better than chance (33%)" in again["by_label"]["sentiment"]["flagged"]
    assert report["failed_checks"]["by_check"] == {"judged": 8}
    assert any(example.startswith("sentiment is 'mixed' but a second reading of the inputs "
                                  "gives 'positive'") for example in report["examples"][
                                      "check: judged"])  # fmt: skip
    # The second reading saw the inputs only, and the regeneration was told what went wrong.
    bodies = [r.body for r in openai_stub.chat_requests]
    judge_prompts = [b["messages"][-1]["content"] for b in bodies if "answers" in json.dumps(
        b.get("response_format"))]  # fmt: skip
    assert judge_prompts and all("sentiment: " not in p.split("only their input")[1].split(
        "For each")[0] for p in judge_prompts)  # fmt: skip
    regenerations = [b["messages"][-1]["content"] for b in bodies if "Earlier records were "
                     "rejected" in b["messages"][-1]["content"]]  # fmt: skip
    assert any("read as 'positive': write inputs that are clearly 'mixed'" in p
               for p in regenerations)  # fmt: skip


def test_labels_are_not_read_again_when_the_spec_says_so(openai_stub, client, tmp_path):
    openai_stub.responder = lambda body: lazy_labeller(body, writes="positive")
    text_run = run(client, tmp_path, labelled_spec(verify_labels=False))
    assert text_run.report["values"]["sentiment"]["kept"] == {
        "positive": 2, "mixed": 2, "negative": 2}  # fmt: skip
    assert text_run.report["labels_read_again"]["confirmed"] == 0
