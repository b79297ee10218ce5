"""A private xend for the xenoctl tests: in a temp dir, with the fake VMM
(tests/toolstack/fake-vmm.c), never the real /etc, /run or /var.

meson test passes the programs in the environment: XEND, FAKE_VMM,
VMM_MONITOR, and PYTHONPATH pointing at the built module."""
import os
import signal
import socket
import subprocess
import time

import pytest

try:
    import xenoctl
except ImportError as e:  # say what is missing, never skip
    raise ImportError(f"the xenoctl module is not built ({e}): "
                      "apt-get install python3-dev, then meson setup again") from e


def need(var):
    path = os.environ.get(var)
    if not path or not os.path.exists(path):
        pytest.fail(f"${var} must name the built program (run under meson test)")
    return os.path.realpath(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Env:
    """What the tests need to know about their xend."""

    def __init__(self, tmp):
        self.dir = tmp
        self.sock = str(tmp / "xend.sock")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.kernel = need("FAKE_VMM")
        self.configs = tmp / "configs"

    def config(self, name, *lines, memory=256):
        """A config file NAME.cfg; its path."""
        path = self.configs / f"{name}.cfg"
        body = [f'name = "{name}"', f'kernel = "{self.kernel}"',
                f"memory = {memory}", *lines]
        path.write_text("\n".join(body) + "\n")
        return str(path)


def write_conf(env):
    t = env.dir
    settings = {
        "xend-port": env.port, "xend-unix-path": env.sock,
        "logfile": t / "xend.log", "state-dir": t / "state",
        "run-dir": t / "run", "vmm-log-dir": t / "log",
        "vmm-path": env.kernel, "vmm-monitor-path": need("VMM_MONITOR"),
        "auto-dir": t / "auto", "total-memory": 4096, "dom0-memory": 1024,
        "dom0-min-mem": 256, "shutdown-timeout": 3, "create-timeout": 5,
        "restart-limit": 3, "restart-window": 60, "max-request": 65536,
    }
    conf = t / "xend.conf"
    conf.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    return conf


def wait_ready(proc, sock, out):
    x = xenoctl.Xend(sock)
    for _ in range(200):
        if proc.poll() is not None:
            break
        try:
            x.list()
            return
        except xenoctl.Error:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("xend did not start:\n" + out.read_text())


def kill_leftovers(tmp):
    """Fake VMMs a dying xend left behind: only ours (their command line
    names our temp dir)."""
    for st in (tmp / "state").glob("*.json"):
        try:
            import json
            pid = int(json.loads(st.read_text()).get("pid", 0))
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except (OSError, ValueError):
            continue
        if pid > 0 and str(tmp).encode() in cmd:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def xend(tmp_path_factory):
    env = Env(tmp_path_factory.mktemp("xend"))
    for d in ("configs", "auto"):
        (env.dir / d).mkdir()
    conf = write_conf(env)
    out = env.dir / "xend.out"
    with open(out, "wb") as f:
        proc = subprocess.Popen([need("XEND"), "-f", str(conf)], stdout=f,
                                stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, env.sock, out)
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        kill_leftovers(env.dir)


@pytest.fixture
def x(xend):
    with xenoctl.Xend(xend.sock) as h:
        yield h


def wait_until(pred, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False
