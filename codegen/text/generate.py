"""Records from the model: batched requests per topic, read, checked, deduplicated, regenerated.

Each request asks for a small batch of records about one topic, as JSON constrained by a schema.
Requests of a round run concurrently where the endpoint allows (``concurrency``) but their
replies are taken in the order they were planned, so a run's records depend on the spec, the seed
and the replies, never on timing. Every record asked for is accounted for: kept, unreadable (with
the reason), failed a check (with the reason), a duplicate (exact or near), or surplus (a reply
that held more than was asked). Topics short of their share after a round are asked again, with
the reasons earlier records failed, up to ``max_regenerations`` rounds.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from codegen.errors import LLMError
from codegen.llm.client import ChatClient, Completion
from codegen.prompts import prompt_hash
from codegen.spec.text import TextSpec
from codegen.text import judge, prompts
from codegen.text.checks import Failure, check_record, normalise
from codegen.text.embed import Embedder
from codegen.text.labels import Slot, Values, off_plan
from codegen.text.parse import parse_reply

Progress = Callable[[str], None]
EXAMPLES_KEPT = 5  # examples of each kind of loss kept for the report
TOKENS_PER_WORD = 2.0  # room per word of a record (JSON quoting, field names, sub-word tokens)
DEFAULT_TOPICS = 6
MISSING = "not in the reply (it held fewer records than asked for)"


@dataclass
class Record:
    """One kept record and where it came from."""

    fields: dict[str, str]
    topic: str
    round: str  # "initial", "regeneration 1", "steering 1" ...
    request: int  # index into the run's request log


@dataclass
class RequestLog:
    """One request: what it asked, what came back, how much of it was read."""

    index: int
    purpose: str  # records, topics, labels (read again), cluster name
    topic: str = ""
    values: dict[str, str] = field(default_factory=dict)  # the planned values it asked for
    round: str = ""
    asked: int = 0
    read: int = 0
    layout: str = ""
    prompt_sha256: str = ""
    seed: int = 0
    model: str = ""
    cached: bool = False
    truncated: bool = False
    usage: dict[str, int] = field(default_factory=dict)
    llm_s: float = 0.0

    @property
    def lossless(self) -> bool:
        return self.read >= self.asked and self.layout != "none"


@dataclass
class Tally:
    """Every record asked for that was not kept, by why, with a few examples each."""

    unreadable: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)  # by check code
    failed_records: int = 0  # records with at least one failure
    exact_duplicates: int = 0
    near_duplicates: int = 0
    surplus: int = 0
    # Labels read again from the inputs (text.judge): confirmed, disagreed, unverified.
    judged: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def example(self, kind: str, text: str) -> None:
        kept = self.examples.setdefault(kind, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(text)


class Session:
    """One generation's state: the client, the request log, kept records, their vectors."""

    def __init__(
        self,
        client: ChatClient,
        spec: TextSpec,
        embedder: Embedder,
        *,
        seed: int = 0,
        concurrency: int = 1,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.spec = spec
        self.embedder = embedder
        self.seed = seed
        self.concurrency = max(1, concurrency)
        self.say = progress or (lambda line: None)
        self.requests: list[RequestLog] = []
        self.records: list[Record] = []
        self.vectors: list[np.ndarray] = []
        self.exact_keys: set[str] = set()
        self.tally = Tally()
        self.recent_failures: dict[Slot, Counter[str]] = {}
        # Slots whose last reply had labels the inputs did not bear out (text.judge).
        self.misread: set[Slot] = set()
        self.agreement = judge.Agreement.of(spec)

    # --- asking ------------------------------------------------------------------------------
    def ask(
        self,
        purpose: str,
        messages: list[Any],
        response_format: dict[str, Any],
        *,
        key: str,
        max_tokens: int,
        temperature: float = 0.9,
    ) -> tuple[RequestLog, Completion]:
        """One request (not concurrent); logged."""
        log = self._log(purpose, messages, key)
        completion = self._complete(log, messages, response_format, max_tokens, temperature)
        return log, completion

    def _log(self, purpose: str, messages: list[Any], key: str) -> RequestLog:
        log = RequestLog(
            index=len(self.requests),
            purpose=purpose,
            prompt_sha256=prompt_hash(messages),
            seed=request_seed(self.seed, key),
        )
        self.requests.append(log)
        return log

    def _complete(
        self,
        log: RequestLog,
        messages: list[Any],
        response_format: dict[str, Any],
        max_tokens: int,
        temperature: float,
    ) -> Completion:
        started = time.perf_counter()
        completion = self.client.complete(
            messages,
            temperature=temperature,
            seed=log.seed,
            max_tokens=max_tokens,
            response_format=response_format,
        )
        log.llm_s = round(time.perf_counter() - started, 3)
        log.model, log.cached, log.truncated = (
            completion.model,
            completion.cached,
            (completion.truncated),
        )
        usage = completion.usage
        log.usage = {k: int(v or 0) for k, v in asdict(usage).items()} if usage else {}
        return completion

    # --- topics ------------------------------------------------------------------------------
    def propose_topics(self, count: int, known: list[str], label: str) -> list[str]:
        """``count`` new topics from the model, different from ``known`` (cleaned, distinct)."""
        messages = prompts.topics_messages(self.spec, count, known)
        _, completion = self.ask(
            "topics",
            messages,
            prompts.topics_schema(count),
            key=f"topics|{label}|{count}|{'|'.join(known)}",
            max_tokens=40 + 24 * count,
            temperature=0.7,
        )
        return clean_topics(completion.text, known)[:count]

    # --- records -----------------------------------------------------------------------------
    def fill(self, quotas: dict[Slot, int], label: str) -> dict[Slot, int]:
        """Ask until each slot (a topic and its planned values, ``labels.plan_slots``) has its
        quota of kept records (this call's), or the rounds run out; returns the records kept
        per slot."""
        have = {slot: 0 for slot in quotas}
        topics = list(dict.fromkeys(topic for topic, _ in quotas))
        for round_number in range(self.spec.max_regenerations + 1):
            name = label if round_number == 0 else f"{label}, regeneration {round_number}"
            plan = []
            for slot, quota in quotas.items():
                short = quota - have[slot]
                size = self.spec.batch_size
                topic = slot[0]
                if slot in self.misread:
                    # A topic can pull the other way ("account lockouts" with team "hardware"):
                    # a slot whose labels were read otherwise is asked under the next topic.
                    topic = topics[(topics.index(topic) + round_number) % len(topics)]
                for index in range(math.ceil(max(short, 0) / size)):
                    plan.append((slot, topic, min(size, short - index * size), index))
            if not plan:
                break
            self.say(f"{name}: {len(plan)} requests for {sum(p[2] for p in plan)} records")
            self._round(plan, name, have, quotas)
        return have

    def _round(
        self,
        plan: list[tuple[Slot, str, int, int]],
        name: str,
        have: dict[Slot, int],
        quotas: dict[Slot, int],
    ) -> None:
        """One request per planned batch: ``(slot, topic asked, count, index)``; the records
        count towards the slot whatever topic they were asked under."""
        jobs = []
        for slot, topic, count, index in plan:
            values = slot[1]
            avoid = [msg for msg, _ in self.recent_failures.get(slot, Counter()).most_common(5)]
            messages = prompts.batch_messages(self.spec, topic, count, avoid, values)
            key = f"records|{name}|{topic}|{_values_key(values)}{index}|{count}"
            log = self._log("records", messages, key)
            log.topic, log.values, log.round, log.asked = topic, dict(values), name, count
            jobs.append((log, messages, slot, count))

        def run(job: tuple[RequestLog, list[Any], Slot, int]) -> Completion:
            log, messages, slot, count = job
            schema = prompts.batch_schema(self.spec, count, slot[1])
            return self._complete(log, messages, schema, self._max_tokens(count), 0.9)

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(run, job) for job in jobs]
            try:
                for (log, _, slot, count), future in zip(jobs, futures, strict=True):
                    self._take(log, future.result(), slot, count, have, quotas)
            except LLMError:
                for pending in futures:
                    pending.cancel()
                raise

    def _max_tokens(self, count: int) -> int:
        words = 0
        for f in self.spec.fields.values():
            if f.values:
                words += max(len(v.split()) for v in f.values)
            else:
                words += f.max_words or (f.max_chars // 5 if f.max_chars else 60)
        return int(40 + count * (words * TOKENS_PER_WORD + 10 * len(self.spec.fields)))

    def _take(
        self,
        log: RequestLog,
        completion: Completion,
        slot: Slot,
        count: int,
        have: dict[Slot, int],
        quotas: dict[Slot, int],
    ) -> None:
        """Read, check and deduplicate one reply's records, in order."""
        parsed = parse_reply(
            completion.text,
            list(self.spec.inputs),
            list(self.spec.outputs),
            expected=count,
            truncated=completion.truncated,
        )
        log.layout, log.read = parsed.layout, len(parsed.records)
        for piece in parsed.unreadable:
            self.tally.unreadable[piece.reason] += piece.count
            self.tally.example(f"unreadable: {piece.reason}", piece.excerpt)
        # Every record asked for is accounted for: read, unreadable, or not in the reply at all.
        missing = count - len(parsed.records) - sum(p.count for p in parsed.unreadable)
        if missing > 0:
            self.tally.unreadable[MISSING] += missing
        failures = self.recent_failures.setdefault(slot, Counter())
        failures.clear()
        passing = []
        for raw in parsed.records:
            tidy, problems = check_record(self.spec, raw)
            if not problems:  # allowed values, but perhaps not the ones this batch asked for
                problems = [Failure("planned", f, m) for f, m in off_plan(tidy, slot[1])]
            if problems:
                self.tally.failed_records += 1
                for problem in problems:
                    self.tally.failed[problem.code] += 1
                    self.tally.example(f"check: {problem.code}", problem.message)
                    failures[_reason_for_prompt(problem.code, problem.message)] += 1
                continue
            passing.append(tidy)
        passing = self._second_reading(passing, failures, slot)
        if not passing:
            return
        vectors = self.embedder.embed([record_text(r) for r in passing])
        for tidy, vector in zip(passing, vectors, strict=True):
            key = normalise(" | ".join(tidy.values()))
            if key in self.exact_keys:
                self.tally.exact_duplicates += 1
                self.tally.example("exact duplicate", _short(tidy))
                continue
            if self.vectors:
                similarity = float(np.max(np.vstack(self.vectors) @ vector))
                if similarity >= self.spec.dedup.near_threshold:
                    self.tally.near_duplicates += 1
                    self.tally.example("near duplicate", f"{similarity:.3f}: {_short(tidy)}")
                    continue
            if have[slot] >= quotas[slot]:
                self.tally.surplus += 1
                continue
            have[slot] += 1
            self.exact_keys.add(key)
            self.vectors.append(vector)
            self.records.append(Record(tidy, log.topic, log.round, log.index))

    def _second_reading(
        self, records: list[dict[str, str]], failures: Counter[str], slot: Slot
    ) -> list[dict[str, str]]:
        """The records whose labels a second request, shown only their inputs, confirms (or
        could not read: those are kept, counted as unverified). A slot with a record read
        otherwise is marked ``misread``."""
        self.misread.discard(slot)
        if not records or not judge.judged_fields(self.spec):
            return records
        messages = judge.messages(self.spec, records)
        key = "labels|" + "|".join(record_text(r) for r in records)
        log, completion = self.ask(
            "labels",
            messages,
            judge.schema(self.spec, len(records)),
            key=key,
            max_tokens=20 + 12 * len(records) * len(judge.judged_fields(self.spec)),
            temperature=0.0,
        )
        answers = judge.read_answers(completion.text, self.spec, len(records))
        log.asked, log.read = len(records), sum(a is not None for a in answers)
        for record, answer in zip(records, answers, strict=True):
            if answer is not None:
                self.agreement.count(record, answer)
        for reason in self.agreement.review():
            self.say(reason)
        kept = []
        for record, answer in zip(records, answers, strict=True):
            found = judge.disagreements(record, answer, list(self.agreement.chance))
            if answer is None:
                self.tally.judged["unverified"] += 1
            elif found:
                self.misread.add(slot)
                self.tally.judged["disagreed"] += 1
                self.tally.failed_records += 1
                for disagreement in found:
                    self.tally.failed["judged"] += 1
                    self.tally.example("check: judged", f"{disagreement.message}: {_short(record)}")
                    failures[disagreement.for_prompt] += 1
                continue
            else:
                self.tally.judged["confirmed"] += 1
            kept.append(record)
        return kept


def record_text(fields: dict[str, str]) -> str:
    """A record as one text (every field, named): what is embedded and clustered."""
    return "\n".join(f"{name}: {value}" for name, value in fields.items())


def _values_key(values: Values) -> str:
    """The planned values in a request's key ("" without any: keys of runs before planning)."""
    return "".join(f"{name}={value}|" for name, value in values)


def request_seed(seed: int, key: str) -> int:
    """A request's seed: the run's seed and what the request is, so the same run asks the same
    (and a cached reply answers it) while each batch still differs."""
    digest = hashlib.sha256(f"{seed}|{key}".encode()).hexdigest()
    return int(digest[:8], 16)


def clean_topics(text: str, known: list[str]) -> list[str]:
    """Topics from a reply: the JSON list asked for, or one per line for a server that ignored
    the schema; trimmed, distinct, none already known."""
    found: list[Any] = []
    start = text.find("{")
    try:
        value = json.loads(text[start:] if start >= 0 else text)
        found = value.get("topics", []) if isinstance(value, dict) else list(value)
    except (ValueError, AttributeError, TypeError):
        found = [line.strip(" -*0123456789.)\t") for line in text.splitlines()]
    seen = {k.casefold() for k in known}
    topics = []
    for item in found:
        topic = " ".join(str(item).split()).strip(" .\"'")
        if 2 <= len(topic) <= 80 and topic.casefold() not in seen:
            seen.add(topic.casefold())
            topics.append(topic)
    return topics


def _reason_for_prompt(code: str, message: str) -> str:
    """A failure as the next request is told it (without the record's own words)."""
    if code == "length":
        return (
            message.split(" has ")[0]
            + " had the wrong length ("
            + message.split(", not ")[-1]
            + ")"
        )
    if code == "value":
        return message.split(" '")[0] + " must be one of the allowed values"
    return message


def _short(fields: dict[str, str], limit: int = 120) -> str:
    text = " | ".join(fields.values())
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
