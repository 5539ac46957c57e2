"""The sandbox image, built with no container registry.

Two layers, each tagged by a hash of its inputs so that an unchanged rebuild is a no-op:

1. ``sdgen-sandbox-base:<hash>``: a minimal Debian root filesystem made by ``debootstrap`` from the
   Debian mirror the host's apt already uses, the pinned wheels of ``requirements.lock`` installed
   into it, the sandbox user added, setuid bits removed, then ``docker import``-ed. Slow (~2 min).
2. ``sdgen-sandbox:<hash>``: the harness on top (``Dockerfile.harness``), seconds to rebuild, so
   changing the harness does not redo Debian.

``image/Dockerfile`` builds an equivalent image from a registry base for users who have one.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from sandbox.errors import EngineUnavailable, ImageBuildError

IMAGE_DIR = Path(__file__).parent / "image"
HARNESS = Path(__file__).parent / "harness.py"
LOCK_FILE = IMAGE_DIR / "requirements.lock"
HARNESS_DOCKERFILE = IMAGE_DIR / "Dockerfile.harness"
BASE_REPOSITORY = "sdgen-sandbox-base"
IMAGE_REPOSITORY = "sdgen-sandbox"
SANDBOX_UID = 10001
DEBIAN_SUITE = "bookworm"  # its python3 is 3.11, the version the locked wheels are built for
DEBIAN_PACKAGES = ("python3",)
HARNESS_PATH_IN_IMAGE = "/opt/sdgen/harness.py"
# The image's third-party Python packages (pip installs them here on Debian).
SITE_IN_IMAGE = "/usr/local/lib/python3.11/dist-packages"
# Bump when the recipe below changes in a way the hashed files do not show.
RECIPE_VERSION = "1"
_WHEEL_PLATFORMS = {
    "x86_64": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "aarch64": ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
}

Log = Callable[[str], None]


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def base_reference() -> str:
    """The base image's tag: Debian suite, packages, locked wheels and the recipe version."""
    recipe = f"{RECIPE_VERSION}|{DEBIAN_SUITE}|{','.join(DEBIAN_PACKAGES)}|{platform.machine()}"
    return f"{BASE_REPOSITORY}:{_digest(recipe.encode(), LOCK_FILE.read_bytes())}"


def image_reference() -> str:
    """The sandbox image's tag, computed from its inputs (no engine needed)."""
    tag = _digest(base_reference().encode(), HARNESS_DOCKERFILE.read_bytes(), HARNESS.read_bytes())
    return f"{IMAGE_REPOSITORY}:{tag}"


def connect():  # -> docker.DockerClient (imported lazily: it costs ~0.1 s on every CLI start)
    """A client of the local Docker engine, or ``EngineUnavailable`` saying what to do."""
    import docker

    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means the same thing to a user
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise EngineUnavailable(
            f"Docker engine not reachable ({reason}); start it (e.g. `sudo systemctl start docker` "
            "or `sudo dockerd &`) and check `docker info`"
        ) from None
    return client


def image_exists(client, reference: str) -> bool:
    import docker

    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


def build_image(*, force: bool = False, log: Log = print, client=None) -> str:
    """Build (or find) the sandbox image, with its packages' host copy, and return its
    reference."""
    client = client or connect()
    reference = image_reference()
    if image_exists(client, reference) and not force:
        log(f"image {reference} is up to date")
        export_site(client, reference, log)
        return reference
    base = base_reference()
    if force or not image_exists(client, base):
        build_base(client, base, log)
    log(f"adding the harness: {reference}")
    _build_harness_layer(client, base, reference)
    export_site(client, reference, log, replace=True)
    return reference


def site_copy_root() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("sdgen", appauthor=False) / "sandbox-site"


def site_copy(reference: str) -> Path | None:
    """The host copy of ``reference``'s Python packages, if it was made (see ``export_site``)."""
    if ":" not in reference:
        return None
    copy = site_copy_root() / reference.rpartition(":")[2] / "dist-packages"
    return copy if copy.is_dir() else None


def export_site(client, reference: str, log: Log = print, *, replace: bool = False) -> None:
    """Copy the image's ``dist-packages`` to this user's cache, for containers to mount read-only
    over the same path (``sandbox.container.config``).

    Why: the engine here stores images with fuse-overlayfs, and each container is a new FUSE
    mount with a cold page cache, so every run read numpy, pandas and pyarrow through the FUSE
    daemon again: importing pandas took 0.57-0.65 s in a container against 0.25 s on the host.
    From a bind mount the files come from the host's page cache: 0.34-0.38 s (measured
    2026-11-27). The copy is the image's own content (its tag is a digest of the image's inputs),
    unpacked with tarfile's "data" filter (no links out, no setuid bits), and appears whole or
    not at all (unpacked aside, then renamed). Without it, containers read the image's copy."""
    if not reference.startswith(f"{IMAGE_REPOSITORY}:"):
        return
    root = site_copy_root()
    home = root / reference.rpartition(":")[2]
    if replace:
        shutil.rmtree(home, ignore_errors=True)
    if (home / "dist-packages").is_dir():
        return
    root.mkdir(parents=True, exist_ok=True)
    for other in root.iterdir():  # copies of images that are gone: 0.7 GB each
        if other.name != home.name and not image_exists(client, f"{IMAGE_REPOSITORY}:{other.name}"):
            shutil.rmtree(other, ignore_errors=True)
    log(f"copying the image's packages to {home}")
    container = client.containers.create(reference, command=["true"], network_disabled=True)
    try:
        stream, _ = container.get_archive(SITE_IN_IMAGE)
        partial = Path(tempfile.mkdtemp(prefix=f".{home.name}-", dir=root))
        try:
            with tarfile.open(fileobj=_Chunks(stream), mode="r|") as archive:
                archive.extractall(partial, filter="data")
            os.chmod(partial, 0o755)
            os.rename(partial, home)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    except OSError as exc:  # e.g. a concurrent export won the rename: its copy serves
        if not (home / "dist-packages").is_dir():
            log(f"no host copy of the image's packages ({exc}); containers read the image's")
    finally:
        container.remove(force=True)


class _Chunks(io.RawIOBase):
    """The archive stream of ``get_archive`` (an iterator of byte chunks) as a file to read."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            self._left = next(self._chunks, b"")
            if not self._left:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def _build_harness_layer(client, base: str, reference: str) -> None:
    import docker

    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as archive:
        for path, name in ((HARNESS_DOCKERFILE, "Dockerfile"), (HARNESS, "harness.py")):
            info = archive.gettarinfo(str(path), arcname=name)
            info.mode, info.uid, info.gid = 0o644, 0, 0
            with path.open("rb") as handle:
                archive.addfile(info, handle)
    context.seek(0)
    try:
        client.images.build(
            fileobj=context,
            custom_context=True,
            tag=reference,
            buildargs={"BASE": base, "SANDBOX_UID": str(SANDBOX_UID)},
            pull=False,
            rm=True,
            forcerm=True,
        )
    except (docker.errors.BuildError, docker.errors.APIError) as exc:
        raise ImageBuildError(f"adding the harness to {base} failed: {exc}") from None


def build_base(client, reference: str, log: Log) -> None:
    """debootstrap + locked wheels + sandbox user -> ``docker import``. Needs root."""
    if os.geteuid() != 0:
        raise ImageBuildError(
            "building the base image runs debootstrap, which needs root; "
            "run `sudo sdgen image build` (or `sudo make setup`) once"
        )
    if not shutil.which("debootstrap"):
        raise ImageBuildError(
            "debootstrap is not installed; install it with `apt-get install debootstrap`"
        )
    machine = platform.machine()
    if machine not in _WHEEL_PLATFORMS:
        raise ImageBuildError(f"no wheel platform known for this machine ({machine})")
    mirror = apt_mirror()
    cache = cache_dir()
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sdgen-rootfs-", dir=cache) as work:
        rootfs = Path(work) / "rootfs"
        log(f"debootstrap {DEBIAN_SUITE} from {mirror} (about 2 minutes)")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(DEBIAN_PACKAGES)}",
                DEBIAN_SUITE,
                str(rootfs),
                mirror,
            ],
            "debootstrap",
        )
        site = rootfs / "usr/local/lib/python3.11/dist-packages"
        log(f"installing the locked wheels ({LOCK_FILE.name}) into the image")
        _install_wheels(site, wheels, _WHEEL_PLATFORMS[machine])
        # Compile in the image's own interpreter: the root filesystem is read-only at run time.
        _run(["chroot", str(rootfs), "python3", "-m", "compileall", "-q", "-j", "0",
              "/usr/local/lib/python3.11/dist-packages"], "compileall")  # fmt: skip
        _finish_rootfs(rootfs)
        tarball = Path(work) / "rootfs.tar"
        log("importing into Docker")
        _run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(tarball), "."], "tar")
        repository, tag = reference.split(":")
        try:
            with tarball.open("rb") as handle:
                client.api.import_image(
                    src=handle,
                    repository=repository,
                    tag=tag,
                    changes=[
                        "ENV PATH=/usr/local/bin:/usr/bin:/bin",
                        "ENV LANG=C.UTF-8",
                        f"USER {SANDBOX_UID}:{SANDBOX_UID}",
                        "WORKDIR /tmp",
                        'CMD ["python3"]',
                    ],
                )
        except Exception as exc:  # noqa: BLE001 - translated at the edge
            raise ImageBuildError(f"docker import failed: {exc}") from None
        # debootstrap leaves root-owned device nodes; remove them as root before the temp dir goes.
        shutil.rmtree(rootfs, ignore_errors=True)


def _install_wheels(site: Path, wheels: Path, platforms: tuple[str, ...]) -> None:
    target = [
        "--only-binary=:all:",
        "--no-deps",
        "--require-hashes",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
        *[arg for name in platforms for arg in ("--platform", name)],
    ]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "download", *target, "-d", str(wheels), "-r", str(LOCK_FILE)], "pip download")
    _run(
        [
            *pip,
            "install",
            *target,
            "--no-index",
            "--find-links",
            str(wheels),
            "--no-compile",
            "--target",
            str(site),
            "-r",
            str(LOCK_FILE),
        ],
        "pip install",
    )


def _finish_rootfs(rootfs: Path) -> None:
    """The sandbox user, the harness directory, and nothing that could raise privileges."""
    with (rootfs / "etc/passwd").open("a") as passwd:
        passwd.write(
            f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:sdgen sandbox:/tmp:/usr/sbin/nologin\n"
        )
    with (rootfs / "etc/group").open("a") as group:
        group.write(f"sandbox:x:{SANDBOX_UID}:\n")
    for path in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"):
        shutil.rmtree(rootfs / path, ignore_errors=True)
    _run(["find", str(rootfs), "-xdev", "-perm", "/6000", "-type", "f",
          "-exec", "chmod", "ug-s", "{}", "+"], "removing setuid bits")  # fmt: skip


def apt_mirror() -> str:
    """The Debian mirror of the host's apt configuration (``SDGEN_DEBIAN_MIRROR`` overrides)."""
    override = os.environ.get("SDGEN_DEBIAN_MIRROR")
    if override:
        return override
    candidates: list[str] = []
    sources = Path("/etc/apt/sources.list.d")
    for path in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        candidates += _mirrors_from_deb822(path.read_text(errors="replace"))
    for path in [Path("/etc/apt/sources.list"), *sorted(sources.glob("*.list"))]:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                fields = line.split("#")[0].split()
                if len(fields) >= 3 and fields[0] == "deb":
                    uri_index = 2 if fields[1].startswith("[") else 1
                    if uri_index + 1 < len(fields) and _main_suite(fields[uri_index + 1]):
                        candidates.append(fields[uri_index])
    for uri in candidates:
        if uri.startswith(("http://", "https://", "file:/")):
            return uri
    raise ImageBuildError(
        "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d; "
        "set SDGEN_DEBIAN_MIRROR to one"
    )


def _main_suite(suite: str) -> bool:
    return not re.search(r"-(security|updates|backports)$|/updates$", suite)


def _mirrors_from_deb822(text: str) -> list[str]:
    mirrors = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if ":" in line and not line.startswith(("#", " ")):
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
            continue
        if any(_main_suite(suite) for suite in fields.get("suites", "").split()):
            mirrors += fields.get("uris", "").split()
    return mirrors


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(root) / "sdgen" / "image"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ImageBuildError(f"{what} failed (exit {result.returncode}): {' | '.join(tail)}")
