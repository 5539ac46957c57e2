"""Hostile programs on the real Docker engine: each is contained, named in one clear line, and
leaves no container behind (the ``no_leftovers`` fixture checks after every test).

Network checks touch loopback only: the container must not reach a listener this test opens on
the host's 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from support.paths import ROOT

from sandbox import RUNTIMES, Failure, Limits


@pytest.fixture(params=RUNTIMES)
def runtime(request) -> str:
    """Every hostile program runs under runc and under gVisor (runsc)."""
    return request.param


FAST = Limits(timeout_s=20, memory_mb=256, pids=48, tmpfs_mb=16, output_mb=16, log_kb=64)


def probe_results(result) -> dict:
    """Probes report what they saw as one JSON cell (the table is the only channel out)."""
    assert result.ok, result.error
    return json.loads(result.dataframe("probe")["report"][0])


PROBE_PREAMBLE = """
    import json, os, pandas as pd
    report = {}
    def attempt(name, action):
        try:
            action()
            report[name] = "succeeded"
        except BaseException as exc:
            report[name] = f"{type(exc).__name__}: {exc}"
"""
PROBE_END = """
    probe = pd.DataFrame({"report": [json.dumps(report)]})
"""


def test_fork_bomb(run_program, runtime):
    result = run_program(
        """
        import os
        while True:
            os.fork()
        """,
        limits=FAST,
    )
    if runtime == "runsc" and result.failure is Failure.MEMORY:
        # gVisor's kernel gives each forked copy memory of its own sooner than Linux's
        # copy-on-write does: at 256 MiB the memory limit stops the bomb before the process limit.
        assert result.error == "out of memory (limit 256 MiB)"
        return
    assert result.error == "too many processes (limit 48)"
    assert result.failure is Failure.PIDS
    if runtime == "runc":
        assert result.pids_exhausted


def test_thread_bomb(run_program):
    result = run_program(
        """
        import threading, time
        while True:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        """,
        limits=FAST,
    )
    assert result.error == "too many processes (limit 48)"


def test_memory_bomb(run_program):
    result = run_program(
        """
        hog = []
        while True:
            hog.append(bytearray(16 * 1024 * 1024))
        """,
        limits=FAST,
    )
    assert result.error == "out of memory (limit 256 MiB)"
    assert result.failure is Failure.MEMORY
    # The watcher saw the cgroup reach the limit: under gVisor that is what tells a kill for
    # memory when the engine does not (about one run in ten on a loaded machine).
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert manifest["memory_peak_mb"] >= 0.9 * 256


def test_a_program_that_kills_itself_is_no_memory_bomb(run_program):
    result = run_program("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", limits=FAST)
    assert result.error == (
        "program ended with exit code 137 before the harness could report (os._exit or a signal)"
    )
    assert result.failure is Failure.CRASH
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert 0 < manifest["memory_peak_mb"] < 0.9 * 256


def test_infinite_loop_times_out(run_program):
    result = run_program("while True:\n    pass\n", limits=Limits(timeout_s=3))
    assert result.error == "timed out after 3 s" and result.timed_out
    assert result.failure is Failure.TIMEOUT
    assert result.duration_s < 15


def test_program_ignoring_sigterm_is_still_stopped(run_program):
    result = run_program(
        """
        import signal, time
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
        """,
        limits=Limits(timeout_s=3),
    )
    assert result.error == "timed out after 3 s"


def test_filling_every_writable_place(run_program, tmp_path):
    result = run_program(
        """
        import errno, os
        chunk = b"x" * (1 << 20)
        for place in ("/tmp", "/dev/shm", "/sandbox", "/", "/var/tmp", "/home"):
            try:
                with open(os.path.join(place, "fill"), "wb") as handle:
                    for _ in range(4096):
                        handle.write(chunk)
            except OSError as exc:
                print(place, errno.errorcode.get(exc.errno))
        # Last, the output directory: many big files.
        for number in range(10_000):
            with open(f"/out/fill{number}", "wb") as handle:
                for _ in range(64):
                    handle.write(chunk)
        """,
        limits=FAST,
    )
    assert result.error.startswith("output larger than the cap"), result.error
    # The capped places said so; the read-only ones refused outright.
    # (ENOSPC from the tmpfs size, or EFBIG from the per-file size limit, whichever comes first)
    for capped in ("/tmp", "/dev/shm"):
        assert f"{capped} ENOSPC" in result.stdout or f"{capped} EFBIG" in result.stdout
    for read_only in ("/sandbox", "/ ", "/var/tmp", "/home"):
        assert f"{read_only.strip()} EROFS" in result.stdout or f"{read_only.strip()} EACCES" in (
            result.stdout
        )
    # Nothing of it is left on the host: only the run's own small files.
    left = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert left < 1 << 20


def run_mounts() -> list[str]:
    """The output tmpfs mounts of runs of this process on the host right now (a spare waiting for
    the next run has its own)."""
    with open("/proc/self/mounts") as mounts:
        return [
            line
            for line in mounts
            if line.startswith("sdgen-out ") and f"/run-{os.getpid()}-" in line
        ]


needs_root_to_mount = pytest.mark.skipif(
    os.geteuid() != 0, reason="the output tmpfs is mounted by the host, which needs root"
)

# Writes as fast as it can, never stopping on its own before 1 GiB: each write that fails is
# counted, and what got through is printed (stdout is the channel out when the disk is full).
OUTPUT_BOMB = """
    import errno, os
    chunk = b"x" * (256 * 1024)
    written, refused = 0, None
    try:
        for number in range(4096):
            with open(f"/out/bomb{number}", "wb", buffering=0) as handle:
                for _ in range(16):
                    written += handle.write(chunk)
    except OSError as exc:
        refused = errno.errorcode.get(exc.errno)
    print("written", written, "refused", refused, flush=True)
"""


@needs_root_to_mount
def test_output_bomb_stops_at_the_byte_budget(run_program, tmp_path):
    limits = Limits(timeout_s=30, memory_mb=256, output_mb=24, tmpfs_mb=16, log_kb=64)
    result = run_program(OUTPUT_BOMB, limits=limits, kernel_output_cap=True)
    assert result.output_cap == "tmpfs"
    assert result.error == "output larger than the cap (output directory reached its 24 MiB cap)"
    assert result.failure is Failure.OUTPUT and not result.timed_out
    written = int(result.stdout.split()[1])
    budget = 24 * 1024 * 1024
    # The kernel refused the first byte past the budget: not one write more got through.
    assert "refused ENOSPC" in result.stdout
    assert budget - 512 * 1024 <= written <= budget
    assert budget - 512 * 1024 <= result.output_bytes <= budget
    # None of it reached the host's disk, and the tmpfs is gone with the run.
    left = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert left < 1 << 20
    assert run_mounts() == []
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert manifest["output_cap"] == "tmpfs"
    assert manifest["output_bytes"]["output_dir"] == result.output_bytes


@needs_root_to_mount
def test_output_file_count_is_capped_by_the_kernel(run_program):
    result = run_program(
        """
        import errno
        made = 0
        try:
            for number in range(100_000):
                open(f"/out/empty{number}", "wb").close()
                made += 1
        except OSError as exc:
            print("made", made, errno.errorcode.get(exc.errno), flush=True)
        """,
        limits=Limits(timeout_s=30, output_files=8),
        kernel_output_cap=True,
    )
    assert result.error == "output larger than the cap (more than 35 files (kernel cap))"
    made = int(result.stdout.split()[1])
    assert made <= 36 and "ENOSPC" in result.stdout


def test_output_bomb_under_the_watchdog_alone(run_program, tmp_path):
    # Where the host may not mount, the polling watchdog is what stops it: later, but it does.
    limits = Limits(timeout_s=30, memory_mb=256, output_mb=24, tmpfs_mb=16, log_kb=64)
    result = run_program(OUTPUT_BOMB, limits=limits, kernel_output_cap=False)
    assert result.output_cap == "watchdog"
    assert result.failure is Failure.OUTPUT, result.error
    left = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert left < 1 << 20


def test_stdout_flood(run_program):
    result = run_program(
        """
        import sys
        line = "spam " * 200 + "\\n"
        while True:
            sys.stdout.write(line)
        """,
        limits=FAST,
    )
    assert result.error == "output larger than the cap (stdout/stderr over 64 KiB)"
    assert 64 * 1024 <= len(result.stdout.encode()) <= 65 * 1024
    assert (result.out_dir / "stdout.txt").stat().st_size <= 65 * 1024


def test_writes_outside_the_output_dir_fail(run_program):
    result = run_program(PROBE_PREAMBLE + """
    for target in ("/etc/passwd", "/opt/sdgen/harness.py", "/sandbox/program.py", "/usr/x", "/x"):
        attempt("write " + target, lambda t=target: open(t, "a").write("x"))
    attempt("chmod program", lambda: os.chmod("/sandbox/program.py", 0o777))
    """ + PROBE_END)
    report = probe_results(result)
    assert len(report) == 6
    assert all(outcome != "succeeded" for outcome in report.values()), report


def test_links_in_the_output_dir_are_never_followed(run_program, tmp_path):
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host secret")
    # After the harness wrote its table and manifest, swap the table for links to host files.
    # The program runs in the harness's process, so it can wrap the harness's own functions (the
    # harness ends with os._exit, so an atexit hook would never run).
    result = run_program(f"""
        import os, sys
        import pandas as pd

        harness = sys.modules["__main__"]
        write_manifest = harness.write_manifest

        def write_then_swap(manifest, out_dir):
            write_manifest(manifest, out_dir)
            os.remove("/out/t.parquet")
            os.symlink("{secret}", "/out/t.parquet")
            os.symlink("/etc/passwd", "/out/stdout.txt")
            os.symlink("{secret}", "/out/extra.parquet")

        harness.write_manifest = write_then_swap

        def generate(rows, seed):
            return {{"t": pd.DataFrame({{"a": [1, 2, 3]}})}}
        """)
    assert not result.ok
    assert result.error.startswith("the run's output was rejected: t.parquet"), result.error
    for path in result.out_dir.iterdir():
        assert not path.is_symlink()
        assert "host secret" not in path.read_text(errors="replace")
    assert sorted(p.name for p in result.out_dir.iterdir()) == [
        "manifest.json",
        "stderr.txt",
        "stdout.txt",
    ]
    assert secret.read_text() == "host secret"


def test_detached_process_does_not_outlive_the_run(run_program):
    result = run_program(
        """
        import os, time
        import pandas as pd
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(600)
            os._exit(0)
        df = pd.DataFrame({"a": [1]})
        """,
        limits=Limits(timeout_s=60),
    )
    assert result.ok, result.error
    assert result.duration_s < 30  # the run ended with the program, not the sleeper


def test_privilege_escalation_attempts_fail(run_program, runtime):
    result = run_program(PROBE_PREAMBLE + """
    import ctypes, subprocess
    libc = ctypes.CDLL(None, use_errno=True)
    def syscall_ok(result):
        if result != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    attempt("setuid", lambda: os.setuid(0))
    attempt("setgid", lambda: os.setgid(0))
    attempt("mount", lambda: syscall_ok(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
    attempt("unshare user", lambda: syscall_ok(libc.unshare(0x10000000)))
    attempt("unshare mount", lambda: syscall_ok(libc.unshare(0x00020000)))
    attempt("chroot", lambda: os.chroot("/tmp"))
    attempt("su", lambda: subprocess.run(["su", "-c", "id"], check=True, capture_output=True))
    status = open("/proc/self/status").read()
    report["uid"] = os.getuid()
    wanted = ("CapEff", "CapPrm", "CapBnd")
    report["caps"] = [l for l in status.splitlines() if l.startswith(wanted)]
    # Asked of the kernel itself (gVisor's /proc/self/status has no NoNewPrivs line).
    report["no_new_privs"] = libc.prctl(39, 0, 0, 0, 0)  # PR_GET_NO_NEW_PRIVS
    report["setuid_files"] = subprocess.run(
        ["find", "/", "-xdev", "-perm", "/6000", "-type", "f"], capture_output=True, text=True
    ).stdout.split()
    """ + PROBE_END)
    report = probe_results(result)
    refused = ["setuid", "setgid", "mount", "unshare user", "chroot", "su"]
    # gVisor lets an unprivileged process have a mount namespace of its own inside its own kernel
    # (the mount above still fails there); runc's seccomp profile refuses it.
    if runtime == "runc":
        refused.append("unshare mount")
    for name in refused:
        assert report[name] != "succeeded", (name, report[name])
    assert report["uid"] != 0
    assert all(line.split()[1] == "0000000000000000" for line in report["caps"]), report["caps"]
    assert report["no_new_privs"] == 1
    assert report["setuid_files"] == []


def test_objects_that_would_run_code_if_unpickled(run_program, tmp_path):
    marker = tmp_path / "pwned"
    result = run_program(f"""
        import os
        import pandas as pd

        class Payload:
            def __reduce__(self):
                return (os.system, ("touch {marker}",))

        def generate(rows, seed):
            return {{"evil": pd.DataFrame({{"id": [1, 2], "blob": [Payload(), Payload()]}})}}
        """)
    assert result.error.startswith("table 'evil' column 'blob' holds Payload objects"), result.error
    assert "never pickles" in result.error
    assert not marker.exists()
    assert not list(result.out_dir.glob("*.parquet"))


def test_host_environment_never_enters(run_program, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-do-not-leak-4242")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-test-do-not-leak-4242")
    result = run_program(PROBE_PREAMBLE + """
    report["environ"] = dict(os.environ)
    report["proc_environ"] = open("/proc/1/environ", "rb").read().decode(errors="replace")
    """ + PROBE_END)
    report = probe_results(result)
    everything = json.dumps(report) + result.stdout + result.stderr
    assert "do-not-leak" not in everything
    assert "OPENAI_API_KEY" not in report["environ"]
    assert set(report["environ"]) <= {
        "HOME", "PATH", "LANG", "TZ", "HOSTNAME", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED", "PYTHONSAFEPATH", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    }  # fmt: skip


# Directories the image has of its own: a checkout's parent may be one of them (/tmp/fresh).
IMAGE_OWN_DIRS = {"/", "/tmp", "/home", "/root", "/opt", "/srv", "/var/tmp"}


def test_no_docker_socket_and_no_host_paths(run_program, tmp_path):
    repo = ROOT
    host_dirs = [str(repo), str(tmp_path)]
    if str(repo.parent) not in IMAGE_OWN_DIRS:
        host_dirs.append(str(repo.parent))
    result = run_program(PROBE_PREAMBLE + f"""
    paths = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
             *{host_dirs!r}, "/proc/1/root/etc/hostname"]
    report["root_home"] = os.listdir("/root") if os.access("/root", os.R_OK) else []
    report["exists"] = {{p: os.path.exists(p) for p in paths}}
    report["mounts"] = open("/proc/self/mounts").read()
    """ + PROBE_END)
    report = probe_results(result)
    visible = {path: seen for path, seen in report["exists"].items() if seen}
    # /proc/1/root is the container's own root; the rest must not exist at all.
    visible.pop("/proc/1/root/etc/hostname", None)
    assert visible == {}
    assert report["root_home"] == []  # the image's own empty /root, not the host's
    assert "docker.sock" not in report["mounts"]
    assert str(tmp_path) not in report["mounts"].replace(str(tmp_path) + "/run", "")


@pytest.fixture
def host_loopback_listener():
    """A TCP listener on the host's 127.0.0.1 that records whether anyone connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    connections: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                connections.append(connection)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(2)
    server.close()


def test_network_is_loopback_only_and_host_unreachable(run_program, host_loopback_listener):
    port, connections = host_loopback_listener
    # Prove the listener works from the host first, then drop that connection from the count.
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    for _ in range(20):
        if connections:
            break
        threading.Event().wait(0.05)
    assert len(connections) == 1
    connections.clear()
    result = run_program(PROBE_PREAMBLE + f"""
    import socket
    report["interfaces"] = sorted(os.listdir("/sys/class/net"))
    def connect_host_listener():
        socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    attempt("connect", connect_host_listener)
    report["routes"] = open("/proc/net/route").read().splitlines()[1:]
    """ + PROBE_END)
    report = probe_results(result)
    assert report["interfaces"] == ["lo"]
    assert report["connect"].startswith("ConnectionRefusedError"), report["connect"]
    assert report["routes"] == []
    assert connections == []
    assert os.environ.get("SDGEN_NEVER_SET") is None


def test_a_system_call_gvisor_lacks_is_named(run_program, runtime):
    # pidfd_open(2): Linux has it since 5.3; gVisor's kernel (2022-12) answers ENOSYS.
    result = run_program("""
        import os
        import pandas as pd
        os.close(os.pidfd_open(os.getpid()))
        df = pd.DataFrame({"a": [1]})
        """)
    if runtime == "runc":
        assert result.ok, result.error
        return
    assert result.failure is Failure.CRASH
    assert result.error == (
        "program raised OSError: [Errno 38] Function not implemented (line 4); gVisor (runsc) "
        "does not implement this system call: the program needs --runtime runc, or to do "
        "without it"
    )
