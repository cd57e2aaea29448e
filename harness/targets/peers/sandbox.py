"""sandbox.py - managed sandboxes of real MTAs (Postfix, Exim, OpenSMTPD) for the harness.

Each peer runs from Debian's package unpacked by scripts/peers-fetch into a private prefix
(PEERS_ROOT/<kind>/root) with a configuration generated under a run directory:

  RUN/conf/     generated configuration (main.cf/master.cf, exim4.conf, smtpd.conf, tables),
                written by configs/ (configs/postfix.py, configs/exim.py, configs/opensmtpd.py)
  RUN/spool/    the MTA's queue
  RUN/log/      the MTA's logs and the daemon's stdout/stderr
  RUN/mail/<user>/{new,cur,tmp}   Maildir per local user of the local domain
  RUN/tls/      the peer's copy of the STARTTLS certificate and key (with tls_cert/tls_key)
  RUN/ns/       files mounted over system paths inside the peer's mount namespace
  RUN/peer.json state of the running peer (what `status` and `stop` read)

Every peer is started inside a private mount namespace (unshare -m) where /etc/hosts and
/etc/resolv.conf are replaced by generated files: names of the fixture hosts only, and the
harness's DNS fixture address (127.0.0.53) as the only name server, so no peer ever queries an
outside resolver. Mail for the local domain goes to Maildirs; mail for a routed domain
(`routes`, e.g. sink7.test -> 127.0.0.21:2526) goes to that route's next hop, all other mail
to the sink, by static routing with numeric loopback next hops (no MX lookups, never off the
machine). Each peer listens on its own loopback address.

With `dns_suffixes` (e.g. ["test"]; peerctl --dns-suffix test), mail for a domain under one
of those suffixes that is neither local nor routed is delivered by DNS MX lookup instead,
through the fixture at 127.0.0.53 (harness/dns): Postfix `smtp:` with smtp_host_lookup=dns,
an Exim dnslookup router, an OpenSMTPD `relay` action without a host, all to port 25. The
fixture holds loopback addresses only and answers NXDOMAIN for any other name, so a peer
still cannot reach anything off loopback; other domains keep going to the sink.

With `tls_cert` and `tls_key` (PEM files; peerctl --tls-cert/--tls-key) the peer offers
STARTTLS (RFC 3207) on its listener with that certificate. They are copied to RUN/tls with
the owner and mode the MTA needs (TLS_KEY_ACCESS), and `start` checks, before it returns,
that EHLO lists STARTTLS and a TLS handshake succeeds; a peer that cannot do TLS fails to
start. The client side (relaying to the sinks) stays without TLS.

Example:
    cfg = PeerConfig(kind="postfix", run_dir="/tmp/run1", listen=("127.0.0.11", 2525),
                     domain="local.test", users=["user", "postmaster"],
                     sink=("127.0.0.20", 2526),
                     routes=[("sink7.test", ("127.0.0.21", 2526))])
    with running(cfg) as info:
        print(info["banner"])      # 220 mx.local.test ESMTP Postfix (Debian/GNU)
    # stopped and cleaned here, even if the body raised
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import shlex
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

# The configuration writers, one module per MTA, live in configs/ next to this file.
# peerctl, the tests and bench/mta/run put this folder on sys.path and import the top-level
# module `sandbox`, so configs is the top-level package `configs`; imported as part of a
# package, sandbox finds it relatively.
if __package__:
    from .configs import Site, write_file as _write
    from .configs import exim as exim_conf, opensmtpd as opensmtpd_conf, postfix as postfix_conf
else:
    from configs import Site, write_file as _write
    from configs import exim as exim_conf, opensmtpd as opensmtpd_conf, postfix as postfix_conf

PEERS_ROOT = Path(os.environ.get("MTASPEC_PEERS_ROOT", "/var/cache/mtaspec/peers"))
KINDS = ("postfix", "exim", "opensmtpd")
DEFAULT_LISTEN_IP = {"postfix": "127.0.0.11", "exim": "127.0.0.12", "opensmtpd": "127.0.0.13"}
TRUSTED_RELAY_CLIENT = "127.0.0.3"   # section P: the trusted relay client
UNTRUSTED_CLIENT = "127.0.0.2"       # section P: never in any trust list
DNS_FIXTURE = "127.0.0.53"           # section P: the only name server a peer may ask
MAIL_USER = "mtaspec-mail"           # owner of the Maildirs; every peer delivers as this user
MARKER_ENV = "MTASPEC_PEER_RUN"      # set in every peer process; used to find leftovers
STATE_FILE = "peer.json"


class PeerError(RuntimeError):
    """A peer could not be prepared, started or stopped."""


@dataclasses.dataclass
class PeerConfig:
    kind: str
    run_dir: str
    listen: tuple[str, int]
    domain: str = "local.test"
    users: list[str] = dataclasses.field(default_factory=lambda: ["user", "postmaster"])
    sink: tuple[str, int] = ("127.0.0.20", 2526)
    hostname: str | None = None          # default mx.<domain>
    relay_clients: list[str] = dataclasses.field(
        default_factory=lambda: [TRUSTED_RELAY_CLIENT])
    # per-domain next hops (domain, (ip, port)), tried before the sink; exact domains
    routes: list[tuple[str, tuple[str, int]]] = dataclasses.field(default_factory=list)
    # domain suffixes routed by DNS MX lookup through the fixture (e.g. ["test"])
    dns_suffixes: list[str] = dataclasses.field(default_factory=list)
    # PEM certificate and unencrypted private key for STARTTLS (both or neither)
    tls_cert: str | None = None
    tls_key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PeerError(f"unknown peer kind {self.kind!r} (one of {', '.join(KINDS)})")
        if UNTRUSTED_CLIENT in self.relay_clients:
            raise PeerError(f"{UNTRUSTED_CLIENT} is the untrusted test client; "
                            "it must not be a relay client")
        if not self.users:
            raise PeerError("at least one local user is needed")
        for u in self.users:
            if not u or not all(c.isalnum() or c in "._-" for c in u) or u[0] == ".":
                raise PeerError(f"local user name {u!r} is not a plain local part")
        # Every next hop is numeric and on loopback: a peer can deliver nowhere else.
        _check_next_hop("sink", self.sink)
        self.routes = [(str(d).lower(), (str(h[0]), int(h[1]))) for d, h in self.routes]
        seen = set()
        for domain, hop in self.routes:
            if not _plain_domain(domain):
                raise PeerError(f"route domain {domain!r} is not a plain domain name")
            if domain == self.domain.lower():
                raise PeerError(f"route domain {domain!r} is the local domain")
            if domain in seen:
                raise PeerError(f"route domain {domain!r} given twice")
            seen.add(domain)
            _check_next_hop(f"route {domain}", hop)
        self.dns_suffixes = [str(x).lower().strip(".") for x in self.dns_suffixes]
        for sfx in self.dns_suffixes:
            if not _plain_domain(sfx):
                raise PeerError(f"DNS suffix {sfx!r} is not a plain domain name")
            if self.domain.lower() == sfx:
                raise PeerError(f"DNS suffix {sfx!r} is the local domain")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise PeerError("tls_cert and tls_key must be given together")
        if self.tls_cert:
            self.tls_cert = str(Path(self.tls_cert).resolve())
            self.tls_key = str(Path(self.tls_key).resolve())
        self.run_dir = str(Path(self.run_dir).resolve())
        if self.hostname is None:
            self.hostname = f"mx.{self.domain}"


def _plain_domain(d: str) -> bool:
    labels = d.split(".")
    return len(d) <= 253 and all(
        l and len(l) <= 63 and l[0] != "-" and l[-1] != "-" and
        all(c.isascii() and (c.isalnum() or c == "-") for c in l) for l in labels)


def _check_next_hop(what: str, hop: tuple[str, int]) -> None:
    ip, port = hop
    parts = ip.split(".")
    if (len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts)
            or parts[0] != "127"):
        raise PeerError(f"{what}: next hop {ip!r} is not a numeric loopback address "
                        "(127.0.0.0/8); peers never deliver off the machine")
    if not 0 < int(port) < 65536:
        raise PeerError(f"{what}: bad port {port!r}")


# --- prefixes and versions ------------------------------------------------------------------

def prefix(kind: str) -> Path:
    """The private prefix holding the unpacked package(s) of `kind`."""
    return PEERS_ROOT / kind / "root"


def is_fetched(kind: str) -> bool:
    """True when scripts/peers-fetch has prepared `kind`."""
    return (prefix(kind) / ".mtaspec-packages").is_file()


def package_files(kind: str) -> list[str]:
    """The .deb file names unpacked into the prefix (name_version_arch.deb)."""
    stamp = prefix(kind) / ".mtaspec-packages"
    return [l.strip() for l in stamp.read_text().splitlines() if l.strip()]


def package_version(kind: str) -> str:
    """Debian version of the main package of `kind`, e.g. 3.7.11-0+deb12u1."""
    main = {"postfix": "postfix", "exim": "exim4-daemon-light", "opensmtpd": "opensmtpd"}[kind]
    for f in package_files(kind):
        name, version, _ = f.split("_", 2)
        if name == main:
            return version.replace("%3a", ":")
    raise PeerError(f"{kind}: package {main} not recorded in the prefix")


def postfix_env() -> dict[str, str]:
    """Environment for running tools of the Postfix prefix (smtp-source, postconf, ...)."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = str(prefix("postfix") / "usr/lib/postfix")
    return env


def tool(kind: str, name: str) -> Path:
    """Path of a program of the prefix, e.g. tool('postfix', 'smtp-source')."""
    for d in ("usr/sbin", "usr/bin", "usr/lib/postfix/sbin", "usr/libexec/opensmtpd"):
        p = prefix(kind) / d / name
        if p.is_file():
            return p
    raise PeerError(f"{kind}: no program {name} in {prefix(kind)}")


def binary_version(kind: str) -> str:
    """The version the binary reports about itself."""
    if kind == "postfix":
        out = _run([str(tool("postfix", "postconf")), "-d", "-h", "mail_version"],
                   env=postfix_env(), stderr=subprocess.DEVNULL)
        return f"Postfix {out.strip()}"
    if kind == "exim":
        out = _run([str(tool("exim", "exim4")), "-C", "/dev/null", "-bV"])
        first = next(l for l in out.splitlines() if l.startswith("Exim version"))
        return " ".join(first.split()[:3])      # "Exim version 4.96"
    out = _run([str(tool("opensmtpd", "smtpd")), "-h"], check=False)
    for l in out.splitlines():
        if "OpenSMTPD" in l:
            return l.split(":", 1)[-1].strip()   # "OpenSMTPD 6.8.0p2"
    return "OpenSMTPD (unknown)"


def _run(argv: list[str], env: dict | None = None, check: bool = True,
         stderr=subprocess.STDOUT) -> str:
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=stderr,
                       stdin=subprocess.DEVNULL, timeout=60)
    text = p.stdout.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise PeerError(f"{' '.join(argv)} exited {p.returncode}: {text.strip()[-2000:]}")
    return text


# --- common setup ---------------------------------------------------------------------------

def _ids(user: str) -> tuple[int, int]:
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        raise PeerError(f"system user {user} missing: run scripts/peers-fetch") from None
    return pw.pw_uid, pw.pw_gid


def _check_traversable(path: Path) -> None:
    """The MTAs' unprivileged processes must reach the run dir: every ancestor needs o+x."""
    for d in [path, *path.parents]:
        if not d.stat().st_mode & 0o001:
            raise PeerError(f"{d} is not searchable by other users (mode "
                            f"{oct(d.stat().st_mode & 0o777)}); the peer's unprivileged "
                            f"processes could not reach {path}. Use a run dir whose "
                            "ancestors are all o+x (e.g. mkdtemp under /tmp, then chmod 755)")


def _hosts_file(cfg: PeerConfig) -> str:
    ip = cfg.listen[0]
    return (f"127.0.0.1\tlocalhost\n"
            f"{ip}\t{cfg.hostname}\n"
            f"{cfg.sink[0]}\tmx1.sink.test\n"
            f"127.0.0.21\tmx2.sink.test\n")


def _resolv_file() -> str:
    # the fixture only; "search ." and ndots:0: names are asked as given, never with a
    # search domain appended
    return (f"nameserver {DNS_FIXTURE}\nsearch .\n"
            "options timeout:1 attempts:1 ndots:0\n")


def _prepare_run_dir(cfg: PeerConfig) -> Path:
    run = Path(cfg.run_dir)
    if (run / STATE_FILE).exists():
        st = status(run)
        if st.get("running"):
            raise PeerError(f"a peer is already running in {run} (pid {st.get('pid')})")
    existing = next(d for d in [run, *run.parents] if d.exists())
    _check_traversable(existing)
    run.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o755)
    _check_traversable(run)
    for sub in ("conf", "spool", "log", "ns"):
        (run / sub).mkdir(exist_ok=True)
        os.chmod(run / sub, 0o755)
    uid, gid = _ids(MAIL_USER)
    mail = run / "mail"
    mail.mkdir(exist_ok=True)
    os.chown(mail, uid, gid)
    os.chmod(mail, 0o755)
    for u in cfg.users:
        (mail / u).mkdir(exist_ok=True)
        os.chown(mail / u, uid, gid)
        os.chmod(mail / u, 0o755)
    _write(run / "ns/hosts", _hosts_file(cfg))
    _write(run / "ns/resolv.conf", _resolv_file())
    return run


# Who must be able to read the private key, and how strictly (checked by the MTAs):
#   postfix    root 0600: smtpd loads certificate and key as root, before it drops to
#              mail_owner (tls_server_init in its pre-jail initialisation)
#   exim       root:Debian-exim 0640: the daemon forks a receiving process that runs as
#              Debian-exim and (GnuTLS) loads the credentials there, at STARTTLS time
#   opensmtpd  root 0600: smtpd refuses a key not owned by uid 0 or readable by group or
#              others ("insecure permissions")
TLS_KEY_ACCESS = {"postfix": (None, 0o600), "exim": ("Debian-exim", 0o640),
                  "opensmtpd": (None, 0o600)}


# Peers whose packaged build offers STARTTLS and answers 220 but cannot complete a TLS
# handshake. Debian 12's OpenSMTPD 6.8.0p2 keeps the private key in its "ca" process and
# signs through an RSA_METHOD/ECDSA_METHOD proxy that OpenSSL 3 bypasses, so every
# handshake ends in "SSL routines::EVP lib" (OpenSMTPD issues #1171, #1239). That is the
# real package's behaviour, so it is recorded (peer.json "tls": {"handshake": "failed: ..."})
# instead of refusing to start; any other handshake failure is an error.
KNOWN_HANDSHAKE_FAILURE = {
    "opensmtpd": "OpenSMTPD 6.8.0p2 with OpenSSL 3: the privilege-separated key cannot sign "
                 "(OpenSMTPD issues #1171, #1239)",
}


def tls_paths(run: Path) -> tuple[Path, Path]:
    """The peer's own copies of certificate and key: RUN/tls/cert.pem, RUN/tls/key.pem."""
    return run / "tls/cert.pem", run / "tls/key.pem"


def _install_tls(cfg: PeerConfig, run: Path) -> None:
    """Copies cfg.tls_cert/tls_key into RUN/tls with the owner and mode the MTA needs
    (TLS_KEY_ACCESS). RUN is visible unchanged inside the peer's mount namespace."""
    cert, key = tls_paths(run)
    (run / "tls").mkdir(exist_ok=True)
    os.chmod(run / "tls", 0o755)
    try:
        cert_pem = Path(cfg.tls_cert).read_bytes()
        key_pem = Path(cfg.tls_key).read_bytes()
    except OSError as e:
        raise PeerError(f"{cfg.kind}: cannot read the TLS certificate or key: {e}") from None
    if b"-----BEGIN CERTIFICATE-----" not in cert_pem:
        raise PeerError(f"{cfg.kind}: {cfg.tls_cert} holds no PEM certificate")
    if b"PRIVATE KEY-----" not in key_pem or b"ENCRYPTED" in key_pem:
        raise PeerError(f"{cfg.kind}: {cfg.tls_key} holds no unencrypted PEM private key")
    group, mode = TLS_KEY_ACCESS[cfg.kind]
    gid = _ids(group)[1] if group else 0
    for path, data, m in ((cert, cert_pem, 0o644), (key, key_pem, mode)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chown(path, 0, gid if path == key else 0)
        os.chmod(path, m)


def starttls_probe(ip: str, port: int, source: str = UNTRUSTED_CLIENT,
                   timeout: float = 10.0, hostname: str = "client.test") -> dict:
    """EHLO, STARTTLS, TLS handshake (no certificate checks), EHLO again; QUIT.

    Returns {"before": [EHLO keywords], "starttls": "220 ...", "after_code": 250,
    "after": [keywords inside TLS], "version": "TLSv1.3", "cipher": ..., "subject_cn": ...}.
    Raises OSError / ssl.SSLError / PeerError when a step fails.
    """
    def reply(f) -> tuple[int, list[str]]:
        lines = []
        while True:
            line = f.readline(2048)
            if not line:
                raise PeerError(f"connection closed after {lines!r}")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return int(text[:3]) if text[:3].isdigit() else 0, lines

    def keywords(lines: list[str]) -> list[str]:
        return [l[4:].split(" ")[0].upper() for l in lines[1:]]

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as raw:
        raw.settimeout(timeout)
        raw.bind((source, 0))
        raw.connect((ip, port))
        f = raw.makefile("rb")
        code, lines = reply(f)
        if code != 220:
            raise PeerError(f"greeting {lines!r}")
        raw.sendall(f"EHLO {hostname}\r\n".encode())
        code, lines = reply(f)
        if code != 250:
            raise PeerError(f"EHLO answered {lines!r}")
        out = {"before": keywords(lines)}
        if "STARTTLS" not in out["before"]:
            raise PeerError(f"STARTTLS not offered: {lines!r}")
        raw.sendall(b"STARTTLS\r\n")
        code, lines = reply(f)
        out["starttls"] = lines[-1]
        if code != 220:
            raise PeerError(f"STARTTLS answered {lines!r}")
        f.close()
        with ctx.wrap_socket(raw, server_hostname=None) as tls:
            der = tls.getpeercert(binary_form=True) or b""
            out["version"] = tls.version()
            out["cipher"] = (tls.cipher() or ("",))[0]
            out["subject_cn"] = _der_common_name(der)
            tf = tls.makefile("rb")
            tls.sendall(f"EHLO {hostname}\r\n".encode())
            code, lines = reply(tf)
            out["after_code"] = code
            out["after"] = keywords(lines) if code == 250 else lines
            with contextlib.suppress(OSError, ssl.SSLError, PeerError):
                tls.sendall(b"QUIT\r\n")
                reply(tf)
            tf.close()
    return out


def _der_common_name(der: bytes) -> str:
    """The subject CN of a DER certificate (ssl's only decoder reads a PEM file)."""
    if not der:
        return ""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as t:
        t.write(ssl.DER_cert_to_PEM_cert(der))
        t.flush()
        try:
            info = ssl._ssl._test_decode_cert(t.name)   # noqa: SLF001 (stdlib, stable)
        except Exception:   # noqa: BLE001
            return ""
    for rdn in info.get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return ""


def _site(cfg: PeerConfig, run: Path) -> Site:
    """The facts of this run that the generated configuration files embed (configs/)."""
    uid, gid = _ids(MAIL_USER)
    cert, key = tls_paths(run)
    return Site(run=run, prefix=prefix(cfg.kind), mail_uid=uid, mail_gid=gid,
                tls_cert=cert, tls_key=key, marker_env=MARKER_ENV,
                untrusted_client=UNTRUSTED_CLIENT, dns_fixture=DNS_FIXTURE)


def _ns_argv(run: Path, binds: list[tuple[Path, str]], argv: list[str]) -> list[str]:
    """argv run inside a private mount namespace with `binds` (source, target) mounted."""
    mounts = [(run / "ns/hosts", "/etc/hosts"), (run / "ns/resolv.conf", "/etc/resolv.conf")]
    mounts += binds
    script = "set -e\n" + "".join(
        f'mount --bind "{src}" "{dst}"\n' for src, dst in mounts) + 'exec "$@"\n'
    return ["unshare", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", script, "mtaspec-peer", *argv]


def _spawn(run: Path, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    log = open(run / "log/daemon.out", "ab")
    try:
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=str(run))
    finally:
        log.close()


def _base_env(run: Path) -> dict[str, str]:
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "TZ": "UTC",
            MARKER_ENV: str(run)}


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def read_banner(ip: str, port: int, source: str = UNTRUSTED_CLIENT,
                timeout: float = 5.0) -> str:
    """Connects from `source`, returns the complete greeting (lines joined by \\n), QUITs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.bind((source, 0))
        s.connect((ip, port))
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
            lines = buf.split(b"\r\n")
            if any(len(l) >= 4 and l[3:4] == b" " for l in lines[:-1]):
                break
        try:
            s.sendall(b"QUIT\r\n")
            s.recv(4096)
        except OSError:
            pass
    return "\n".join(l.decode("utf-8", "replace") for l in buf.split(b"\r\n") if l)


def _wait_banner(cfg: PeerConfig, alive, logs: list[Path], timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            banner = read_banner(*cfg.listen)
            if banner.startswith("220"):
                return banner
            last = f"unexpected greeting {banner!r}"
        except OSError as e:
            last = str(e)
        if not alive():
            break
        time.sleep(0.2)
    detail = "\n".join(f"--- {p}:\n{_tail(p)}" for p in logs)
    raise PeerError(f"{cfg.kind} did not answer on {cfg.listen[0]}:{cfg.listen[1]} "
                    f"({last})\n{detail}")


# --- Postfix --------------------------------------------------------------------------------

POSTFIX_MASTER_CF = postfix_conf.MASTER_CF    # master.cf with {listen} (configs/postfix.py)


def _postfix_config(cfg: PeerConfig, run: Path) -> None:
    """Writes RUN/conf: main.cf, master.cf, vmailbox, transport (configs/postfix.py)."""
    site = _site(cfg, run)
    _ids("postfix")
    postfix_conf.write(cfg, site)
    os.chmod(run / "spool", 0o755)


def _postfix_start(cfg: PeerConfig, run: Path) -> dict:
    _postfix_config(cfg, run)
    env = _base_env(run)
    env["LD_LIBRARY_PATH"] = str(prefix("postfix") / "usr/lib/postfix")
    # `postfix` reports fatal errors on stderr only when it is a terminal (else to syslog,
    # absent here): run it under script(1) so they reach log/daemon.out.
    inner = _ns_argv(run, [], [str(tool("postfix", "postfix")), "-c", str(run / "conf"),
                               "start"])
    argv = ["script", "-qec", shlex.join(inner), "/dev/null"]
    proc = _spawn(run, argv, env)
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise PeerError(f"postfix start hung\n{_tail(run / 'log/daemon.out')}")
    if rc != 0:
        raise PeerError(f"postfix start exited {rc}\n{_tail(run / 'log/daemon.out')}\n"
                        f"{_tail(run / 'log/postfix.log')}")
    pidfile = run / "spool/pid/master.pid"
    pid = int(pidfile.read_text().split()[0])
    return {"pid": pid, "sids": [pid, proc.pid], "pid_file": str(pidfile),
            "logs": [str(run / "log/postfix.log"), str(run / "log/daemon.out")]}


# --- Exim -----------------------------------------------------------------------------------

def _exim_config(cfg: PeerConfig, run: Path) -> str:
    """The text of the Exim configuration (configs/exim.py)."""
    site = _site(cfg, run)
    _ids("Debian-exim")
    return exim_conf.configure(cfg, site, tool("exim", "exim4"))


def _exim_start(cfg: PeerConfig, run: Path) -> dict:
    # Exim reads its compiled-in configuration path /var/lib/exim4/config.autogenerated,
    # which inside the peer's mount namespace is our file: no -C, so the daemon's re-exec
    # for deliveries keeps its privileges without a TRUSTED_CONFIG_LIST entry.
    varlib = run / "ns/var-lib"
    (varlib / "exim4").mkdir(parents=True, exist_ok=True)
    text = _exim_config(cfg, run)
    _write(run / "conf/exim4.conf", text)
    _write(varlib / "exim4/config.autogenerated", text)
    uid, gid = _ids("Debian-exim")
    os.chown(run / "spool", uid, gid)
    os.chown(run / "log", uid, gid)
    os.chmod(run / "spool", 0o750)
    env = _base_env(run)
    argv = _ns_argv(run, [(varlib, "/var/lib")],
                    [str(tool("exim", "exim4")), "-bdf", "-q30m"])
    proc = _spawn(run, argv, env)
    return {"pid": proc.pid, "sids": [proc.pid], "proc": proc,
            "logs": [str(run / "log/exim_mainlog"), str(run / "log/exim_paniclog"),
                     str(run / "log/daemon.out")]}


# --- OpenSMTPD ------------------------------------------------------------------------------

def _opensmtpd_config(cfg: PeerConfig, run: Path) -> None:
    """Writes RUN/conf/smtpd.conf and its userbase RUN/conf/users (configs/opensmtpd.py)."""
    opensmtpd_conf.write(cfg, _site(cfg, run))


def _opensmtpd_start(cfg: PeerConfig, run: Path) -> dict:
    _ids("opensmtpd")
    _ids("opensmtpq")
    _opensmtpd_config(cfg, run)
    p = prefix("opensmtpd")
    ns = run / "ns"
    # Paths compiled into smtpd, replaced inside the namespace by per-run directories:
    # /var/spool/smtpd (queue), /var/lib/opensmtpd/empty (chroot), /run/smtpd.sock
    # (control socket), /usr/libexec/opensmtpd (delivery helpers from the prefix).
    (ns / "var-spool").mkdir(exist_ok=True)
    (ns / "var-lib/opensmtpd/empty").mkdir(parents=True, exist_ok=True)
    (ns / "run").mkdir(exist_ok=True)
    for d in (ns / "var-spool", ns / "var-lib", ns / "var-lib/opensmtpd",
              ns / "var-lib/opensmtpd/empty", ns / "run"):
        os.chmod(d, 0o755)
    env = _base_env(run)
    argv = _ns_argv(run, [(ns / "var-spool", "/var/spool"), (ns / "var-lib", "/var/lib"),
                          (ns / "run", "/run"), (p / "usr/libexec", "/usr/libexec")],
                    [str(tool("opensmtpd", "smtpd")), "-d", "-f", str(run / "conf/smtpd.conf")])
    proc = _spawn(run, argv, env)
    return {"pid": proc.pid, "sids": [proc.pid], "proc": proc,
            "logs": [str(run / "log/daemon.out")]}


# --- process bookkeeping --------------------------------------------------------------------

def _proc_session(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[3])   # after state, ppid, pgrp: session


def _proc_has_marker(pid: int, run: str) -> bool:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"{MARKER_ENV}={run}".encode() in env.split(b"\0")


def _proc_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2:].split()[0] != "Z"


def _reap(pid: int) -> None:
    """Collects the exit status of `pid` if it is our child (no zombie left behind)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.05)


def peer_processes(run_dir: str, sids: list[int] | None = None) -> list[int]:
    """Pids of live processes belonging to the peer of `run_dir`."""
    run = str(Path(run_dir).resolve())
    sids = set(sids or [])
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid == me or not _proc_alive(pid):
            continue
        if _proc_session(pid) in sids or _proc_has_marker(pid, run):
            found.append(pid)
    return found


def _port_free(ip: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


# --- public API -----------------------------------------------------------------------------

def start(cfg: PeerConfig) -> dict:
    """Writes the configuration, starts the peer, waits for its banner.

    Returns {"kind","version","package_version","listen","pid","run_dir","maildir_root",
    "banner", ...}; the same record is kept in RUN/peer.json. On failure the partly started
    peer is stopped before PeerError is raised.
    """
    if os.geteuid() != 0:
        raise PeerError("peers must be started as root")
    if not is_fetched(cfg.kind):
        raise PeerError(f"{cfg.kind} is not prepared: run scripts/peers-fetch")
    run = _prepare_run_dir(cfg)
    if not _port_free(*cfg.listen):
        raise PeerError(f"{cfg.listen[0]}:{cfg.listen[1]} is already in use")
    if cfg.tls_cert:
        _install_tls(cfg, run)
    launcher = {"postfix": _postfix_start, "exim": _exim_start,
                "opensmtpd": _opensmtpd_start}[cfg.kind]
    state = {"kind": cfg.kind, "run_dir": str(run), "listen": f"{cfg.listen[0]}:{cfg.listen[1]}",
             "sids": [], "pid": None}
    _save_state(run, state)
    try:
        got = launcher(cfg, run)
        proc = got.pop("proc", None)
        state.update(got)
        _save_state(run, state)
        alive = (lambda: proc.poll() is None) if proc else (lambda: _proc_alive(state["pid"]))
        banner = _wait_banner(cfg, alive, [Path(p) for p in state["logs"]])
        tls = _check_tls(cfg, [Path(p) for p in state["logs"]]) if cfg.tls_cert else None
    except BaseException:
        with contextlib.suppress(Exception):
            stop(run)
        raise
    state.update({
        "version": binary_version(cfg.kind),
        "package_version": package_version(cfg.kind),
        "maildir_root": str(run / "mail"),
        "banner": banner,
        "domain": cfg.domain,
        "users": list(cfg.users),
        "sink": f"{cfg.sink[0]}:{cfg.sink[1]}",
        "routes": {d: f"{h}:{p}" for d, (h, p) in cfg.routes},
        "dns_suffixes": list(cfg.dns_suffixes),
        "hostname": cfg.hostname,
        "relay_clients": list(cfg.relay_clients),
        "tls": tls,
        "unknown_local_recipient_policy": UNKNOWN_RECIPIENT_POLICY[cfg.kind],
        "started_at": time.time(),
    })
    _save_state(run, state)
    return public_info(state)


def _check_tls(cfg: PeerConfig, logs: list[Path]) -> dict:
    """The started peer must offer STARTTLS and complete a handshake with its certificate;
    a peer that silently came up without TLS is an error."""
    cert, key = tls_paths(Path(cfg.run_dir))
    try:
        got = starttls_probe(*cfg.listen)
        if got.get("after_code") != 250:
            raise PeerError(f"EHLO inside TLS answered {got.get('after')!r}")
    except ssl.SSLError as e:
        # Offered and answered 220 (the probe got that far), handshake failed.
        if cfg.kind in KNOWN_HANDSHAKE_FAILURE:
            return {"cert": str(cert), "key": str(key), "offered": True,
                    "handshake": f"failed: {e}", "known_issue": KNOWN_HANDSHAKE_FAILURE[cfg.kind]}
        detail = "\n".join(f"--- {p}:\n{_tail(p)}" for p in logs)
        raise PeerError(f"{cfg.kind} started but the TLS handshake fails on "
                        f"{cfg.listen[0]}:{cfg.listen[1]}: {e}\n{detail}") from None
    except (OSError, PeerError, ValueError) as e:
        detail = "\n".join(f"--- {p}:\n{_tail(p)}" for p in logs)
        raise PeerError(f"{cfg.kind} started but STARTTLS does not work on "
                        f"{cfg.listen[0]}:{cfg.listen[1]}: {e}\n{detail}") from None
    return {"cert": str(cert), "key": str(key), "offered": True, "handshake": "ok",
            "version": got["version"], "cipher": got["cipher"],
            "subject_cn": got["subject_cn"]}


UNKNOWN_RECIPIENT_POLICY = {
    "postfix": "reject at RCPT (smtpd_reject_unlisted_recipient=yes default, "
               "virtual_mailbox_maps)",
    "exim": "reject at RCPT (require verify = recipient in acl_check_rcpt, as Debian's default)",
    "opensmtpd": "reject at RCPT (virtual table lookup fails)",
}


def public_info(state: dict) -> dict:
    keys = ("kind", "version", "package_version", "listen", "pid", "run_dir", "maildir_root",
            "banner", "tls")
    return {k: state.get(k) for k in keys}


def _save_state(run: Path, state: dict) -> None:
    tmp = run / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(run / STATE_FILE)


def _load_state(run: Path) -> dict | None:
    try:
        return json.loads((run / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def status(run_dir) -> dict:
    """{"running": bool, "pid", "processes": [...], plus the recorded state}."""
    run = Path(run_dir).resolve()
    state = _load_state(run) or {}
    procs = peer_processes(str(run), state.get("sids"))
    pid = state.get("pid")
    return {**state, "running": bool(pid and _proc_alive(pid)) or bool(procs),
            "processes": procs}


def stop(run_dir, timeout: float = 10.0) -> dict:
    """Stops the peer of `run_dir` and kills any leftover process. Safe to call twice."""
    run = Path(run_dir).resolve()
    state = _load_state(run) or {}
    kind = state.get("kind")
    sids = state.get("sids") or []
    if kind == "postfix" and (run / "conf/main.cf").exists() and peer_processes(str(run), sids):
        with contextlib.suppress(Exception):
            env = postfix_env()
            subprocess.run([str(tool("postfix", "postfix")), "-c", str(run / "conf"), "stop"],
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
    pid = state.get("pid")
    if pid and _proc_alive(pid) and (_proc_session(pid) in sids or
                                     _proc_has_marker(pid, str(run))):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and peer_processes(str(run), sids):
        time.sleep(0.1)
    killed = []
    for p in peer_processes(str(run), sids):
        with contextlib.suppress(OSError):
            os.kill(p, signal.SIGKILL)
            killed.append(p)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and peer_processes(str(run), sids):
        time.sleep(0.05)
    for p in {pid, *sids} - {None}:
        _reap(p)
    left = peer_processes(str(run), sids)
    if state:
        state["stopped_at"] = time.time()
        state["killed_leftovers"] = killed
        if run.is_dir():
            _save_state(run, state)
    result = {"kind": kind, "run_dir": str(run), "stopped": not left,
              "killed_leftovers": killed, "remaining": left}
    if left:
        raise PeerError(f"processes still alive after stop: {left}")
    return result


@contextlib.contextmanager
def running(cfg: PeerConfig) -> Iterator[dict]:
    """Starts the peer; stops it on exit whatever happens inside the block."""
    info = start(cfg)
    try:
        yield info
    finally:
        stop(cfg.run_dir)
