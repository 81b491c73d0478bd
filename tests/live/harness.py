"""Run the real HAProxy on loopback in front of tiny HTTP responders, and talk to it.

`LiveHAProxy` takes a configuration as an administrator wrote it and starts `haproxy -db` on a
rewritten copy:

- the `global` section is replaced by a minimal one (no chroot, user, daemon, log or stats
  sockets);
- every `bind` becomes `127.0.0.1:<free port>` (one per section, original port and TLS flag),
  keeping `ssl` with `crt` pointing at the test certificate and dropping every other option;
- every backend and listen section gets ONE server: a plain-HTTP responder of its own that
  answers with an `X-Easlint-Responder: <section name>` header, so an answer tells which
  backend received the request. The original `server`/`default-server` lines (addresses,
  `ssl`, `verify`, `check`, `sni`, ...) are dropped.

The rewriting is plain line-based text work on purpose: it must not depend on easlint's
parser, which is what these tests check. Everything has a timeout and every process and
thread started here is stopped by `stop()`, which the fixtures call as a finalizer.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.haproxy_support import TEST_CERT, haproxy_binary, loadable

RESPONDER_HEADER = "X-Easlint-Responder"
DELAY_HEADER = "X-Easlint-Delay"  # seconds the responder waits before answering
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

SECTION_KEYWORDS = frozenset({
    "global", "defaults", "frontend", "backend", "listen", "userlist", "peers", "resolvers", "mailers",
    "program", "http-errors", "ring", "cache", "fcgi-app", "log-forward",
})
MINIMAL_GLOBAL = """\
global
    maxconn 512
    tune.ssl.default-dh-param 2048
"""


# -- responders -------------------------------------------------------------------------------


class _ResponderHandler(BaseHTTPRequestHandler):
    server_version = "easlint-responder"
    protocol_version = "HTTP/1.0"  # one request per connection: nothing to keep track of

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        delay = float(self.headers.get(DELAY_HEADER) or 0)
        if delay:
            time.sleep(delay)
        name = self.server.responder_name  # type: ignore[attr-defined]
        body = f"served by {name}\n".encode()
        try:
            self.send_response(200)
            self.send_header(RESPONDER_HEADER, name)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass  # HAProxy gave up waiting (a timer test): nobody is listening any more

    do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = do_PATCH = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class Responder:
    """A plain-HTTP server on 127.0.0.1 that names the backend it stands for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.server = _Server(("127.0.0.1", 0), _ResponderHandler)
        self.server.responder_name = name  # type: ignore[attr-defined]
        self.server.timeout = 1
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"responder-{name}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(STOP_TIMEOUT)


# -- rewriting --------------------------------------------------------------------------------


class PortReservation:
    """Free loopback ports, all distinct, for one configuration.

    Each port is held by an open socket until `release`, so the kernel cannot hand the same
    port out twice. It would otherwise, about once in 170 configurations of twelve binds: and
    HAProxy accepts two frontends on one port (SO_REUSEPORT) and splits connections between
    them, so a probe lands on the wrong frontend now and then.
    """

    def __init__(self) -> None:
        self._held: list[socket.socket] = []

    def take(self) -> int:
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            holder.bind(("127.0.0.1", 0))
        except OSError:
            holder.close()
            raise
        self._held.append(holder)
        return holder.getsockname()[1]

    def release(self) -> None:
        for holder in self._held:
            holder.close()
        self._held.clear()


def _code_words(line: str) -> list[str]:
    """Whitespace-separated words up to the first word that starts a comment."""
    words = []
    for word in line.split():
        if word.startswith("#"):
            break
        words.append(word)
    return words


def _bind_port(address: str) -> int | None:
    """The (first) TCP port of a bind address; None for sockets without one (unix@, fd@, ...)."""
    for prefix in ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"):
        address = address.removeprefix(prefix)
    port_text = address.rsplit(":", 1)[-1].split("-", 1)[0] if ":" in address else ""
    return int(port_text) if port_text.isdigit() else None


def section_names(text: str, kinds: tuple[str, ...]) -> list[str]:
    names = []
    for line in text.splitlines():
        words = _code_words(line)
        if len(words) >= 2 and words[0] in kinds and words[1] != "from":
            names.append(words[1])
    return names


@dataclass
class Rewritten:
    text: str
    binds: dict[tuple[str | None, int, bool], int] = field(default_factory=dict)  # (section, port, tls) -> local port


def rewrite(text: str, responder_ports: dict[str, int], cert: Path = TEST_CERT) -> Rewritten:
    """The loopback copy of a configuration (see the module docstring)."""
    out: list[str] = [MINIMAL_GLOBAL]
    result = Rewritten("")
    ports = PortReservation()
    try:
        _rewrite_lines(text, responder_ports, cert, out, result, ports)
    finally:
        ports.release()
    result.text = "\n".join(out) + "\n"
    return result


def _rewrite_lines(text: str, responder_ports: dict[str, int], cert: Path, out: list[str], result: Rewritten,
                   ports: PortReservation) -> None:
    kind: str | None = None
    name: str | None = None
    for line in text.splitlines():
        words = _code_words(line)
        if words and words[0] in SECTION_KEYWORDS:
            kind = words[0]
            name = words[1] if len(words) > 1 and words[1] != "from" else None
            if kind == "global":
                continue
            out.append(line)
            if kind in ("backend", "listen"):
                out.append(f"    server live_{name} 127.0.0.1:{responder_ports[name]}")
            continue
        if kind == "global":
            continue
        if words and words[0] in ("server", "server-template", "default-server") and kind in ("backend", "listen", "defaults"):
            continue
        if words and words[0] == "bind" and kind in ("frontend", "listen"):
            tls = "ssl" in words[2:]
            for address in words[1].split(","):
                original_port = _bind_port(address)
                key = (name, original_port, tls)
                if original_port is None or key in result.binds:
                    continue
                port = ports.take()
                result.binds[key] = port
                out.append(f"    bind 127.0.0.1:{port}" + (f" ssl crt {cert}" if tls else ""))
            continue
        out.append(line)


# -- running HAProxy --------------------------------------------------------------------------


def _die_with_parent() -> list[str]:
    """A command prefix that makes the kernel stop HAProxy if the test process dies without
    its finalizers (util-linux `setpriv --pdeathsig`, when installed)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM"] if setpriv else []


def wait_for_port(port: int, deadline: float, process: subprocess.Popen | None = None) -> None:
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"haproxy exited with status {process.returncode} before port {port} was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing accepts connections on 127.0.0.1:{port}") from None
            time.sleep(0.05)


class LiveHAProxy:
    """HAProxy running a rewritten configuration, with one responder per backend."""

    def __init__(self, text: str, source_dir: Path, label: str = "haproxy") -> None:
        self.label = label
        self.responders: dict[str, Responder] = {}
        self.process: subprocess.Popen | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="easlint-live-"))
        self.log_path = self.workdir / "haproxy.log"
        try:
            for backend in section_names(text, ("backend", "listen")):
                self.responders[backend] = Responder(backend)
            self.rewritten = rewrite(loadable(text, source_dir), {n: r.port for n, r in self.responders.items()})
            self.config_path = self.workdir / f"{label}.cfg"
            self.config_path.write_text(self.rewritten.text, encoding="utf-8")
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        binary = haproxy_binary()
        check = subprocess.run([binary, "-c", "-f", str(self.config_path)], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="backslashreplace", timeout=30, stdin=subprocess.DEVNULL)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy -c refuses the rewritten {self.label}:\n{check.stdout}\n--- config ---\n{self.rewritten.text}")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([*_die_with_parent(), binary, "-db", "-f", str(self.config_path)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            for port in self.rewritten.binds.values():
                wait_for_port(port, deadline, self.process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n--- haproxy output ---\n{self.log()}") from None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def port(self, section: str, original_port: int, tls: bool) -> int:
        return self.rewritten.binds[(section, original_port, tls)]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self.process = None
        stoppers = [threading.Thread(target=responder.stop) for responder in self.responders.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(STOP_TIMEOUT + 1)
        self.responders.clear()
        for path in self.workdir.glob("*"):
            path.unlink()
        os.rmdir(self.workdir)


# -- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all (reset, empty reply, timeout)
    responder: str | None  # the backend whose responder answered
    body: bytes = b""
    error: str | None = None
    elapsed: float = 0.0
    location: str | None = None

    @property
    def served_by(self) -> str | None:
        return self.responder

    def describe(self) -> str:
        if self.responder:
            return f"served by backend {self.responder} (status {self.status})"
        if self.status is not None:
            extra = f", Location {self.location}" if self.location else ""
            return f"refused by HAProxy with status {self.status}{extra}"
        return f"refused: {self.error}"


def _client_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def send(port: int, tls: bool, method: str, url: str, headers: tuple[tuple[str, str], ...] | list[tuple[str, str]],
         sni: str | None = None, timeout: float = 5.0) -> Answer:
    """One request on a fresh connection, exactly as given (method, URL, header lines), with an
    empty body (`Content-Length: 0`)."""
    started = time.monotonic()
    raw = None
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        sock = _client_context().wrap_socket(raw, server_hostname=sni) if tls else raw
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.sock = sock
        try:
            connection.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", "0")
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return Answer(response.status, response.getheader(RESPONDER_HEADER), body, None,
                          time.monotonic() - started, response.getheader("Location"))
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, None, b"", f"{type(error).__name__}: {error}", time.monotonic() - started)
    finally:
        if raw is not None:
            raw.close()


def haproxy_check_text(text: str, workdir: Path, name: str = "check.cfg") -> subprocess.CompletedProcess[str]:
    """`haproxy -c` on a configuration text (already loadable)."""
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    return subprocess.run([haproxy_binary(), "-c", "-f", str(path)], check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="backslashreplace", timeout=30, stdin=subprocess.DEVNULL)
