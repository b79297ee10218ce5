"""import xenoctl against a private xend with the fake VMM: every call,
its results, and its errors as exceptions with xend's words."""
import errno
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import xenoctl
from conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


def by_name(x, name):
    return next((d for d in x.list() if d["name"] == name), None)


def test_every_library_call_has_a_method():
    """A call added to xenoctl.h without a method here fails this."""
    header = (ROOT / "src/toolstack/xenoctl.h").read_text()
    calls = set(re.findall(r"\bxenoctl_(\w+)\s*\(", header))
    handle = {"open": "__init__", "close": "close", "error": "Error",
              "target": "target", "domain_info": "domain"}
    missing = [c for c in sorted(calls)
               if not hasattr(xenoctl.Xend, handle.get(c, c))
               and not hasattr(xenoctl, handle.get(c, c))]
    assert calls and not missing, (
        f"no method for xenoctl_{missing}: add one in src/python/ "
        "(xend_type.c's method table) and a row in docs/python.md")


def test_no_xend_is_an_error_with_the_librarys_words(tmp_path):
    x = xenoctl.Xend(str(tmp_path / "none.sock"))
    with pytest.raises(xenoctl.NotFound) as e:
        x.list()
    assert e.value.code == errno.ENOENT
    assert "is xend running?" in e.value.message
    assert isinstance(e.value, xenoctl.Error)


def test_bad_address():
    with pytest.raises(xenoctl.Error) as e:
        xenoctl.Xend("http://:x")
    assert e.value.code == errno.EINVAL
    assert "bad xend URL" in str(e.value)


def test_info(x, xend):
    n = x.info()
    assert n["total_memory_mib"] == 4096
    assert n["dom0_memory_mib"] == 1024
    assert n["nr_cpus"] >= 1
    assert n["version"] == xenoctl.__version__
    assert x.target.endswith("xend.sock")


def test_list_has_domain0(x):
    d0 = by_name(x, "Domain-0")
    assert d0 and d0["domid"] == 0 and d0["state"] == "running"
    assert set(d0) >= {"name", "domid", "state", "memory_mib", "vcpus",
                       "cpu_time", "uptime", "pid"}


def test_create_from_file_and_errors(x, xend):
    cfg = xend.config("py1", "vcpus = 2", memory=256)
    domid = x.create(cfg)
    assert domid > 0
    d = by_name(x, "py1")
    assert d["domid"] == domid and d["vcpus"] == 2
    assert d["state"] == "running" and d["pid"] > 0
    with pytest.raises(xenoctl.Exists) as e:
        x.create(cfg)
    assert e.value.code == errno.EEXIST and "already exists" in e.value.message
    with pytest.raises(xenoctl.NoMemory) as e:
        x.create(xend.config("huge", memory=3000))
    assert "not enough memory" in e.value.message
    x.destroy("py1")
    assert by_name(x, "py1") is None


def test_create_from_dict(x, xend):
    domid = x.create({"name": "pyd", "kernel": xend.kernel, "memory": 128,
                      "maxmem": 256, "vcpus": 3, "on_crash": "destroy",
                      "extra": 'say "hi" a\\b'})
    d = x.domain("pyd")
    assert d["domid"] == domid and d["vcpus"] == 3 and d["maxmem_mib"] == 256
    cfg = d["record"]["config"]
    assert cfg["on_crash"] == "destroy" and 'say "hi" a\\b' in cfg["cmdline"]
    x.destroy(str(domid))


def test_create_vars_shape_the_file(x, xend):
    cfg = xend.config("unused", 'name = "v%d" % vmid', "memory = 64 * vmid")
    x.create(cfg, vars={"vmid": "3"})
    d = by_name(x, "v3")
    assert d and d["memory_mib"] == 192
    x.destroy("v3")


def test_config_errors_say_where(x, xend, tmp_path):
    bad = tmp_path / "bad.cfg"
    bad.write_text('name = "b"\nmemory = 1 +\n')
    with pytest.raises(xenoctl.Error) as e:
        x.create(str(bad))
    assert e.value.code == errno.EINVAL
    assert re.search(r"bad\.cfg:2:\d+:", e.value.message), e.value.message
    with pytest.raises(xenoctl.Error) as e:
        x.create({"name": "nokernel"})
    assert "kernel" in e.value.message
    with pytest.raises(TypeError):
        x.create({"name": "f", "kernel": xend.kernel, "memory": 1.5})
    with pytest.raises(ValueError):
        x.create({"not a key": 1})
    with pytest.raises(ValueError):
        x.create({"name": "nl\n", "kernel": xend.kernel})
    with pytest.raises(xenoctl.Error):
        x.create(str(tmp_path / "missing.cfg"))


def test_unknown_key_is_a_warning(x, xend):
    with pytest.warns(UserWarning, match="colour"):
        x.create({"name": "warn", "kernel": xend.kernel, "colour": "blue"})
    x.destroy("warn")


def test_domain_ops(x, xend):
    x.create(xend.config("ops", "maxmem = 512", memory=256))
    d = x.domain("ops")
    assert x.domain(str(d["domid"]))["name"] == "ops"
    assert "config" in d["record"]
    with pytest.raises(xenoctl.NotFound):
        x.domain("nosuch")
    with pytest.raises(xenoctl.Error) as e:
        x.destroy("../etc")
    assert e.value.code == errno.EINVAL
    x.pause("ops")
    assert x.domain("ops")["state"] == "paused"
    x.unpause("ops")
    assert x.domain("ops")["state"] != "paused"
    x.mem_set("ops", 400)
    assert x.domain("ops")["memory_mib"] == 400
    with pytest.raises(xenoctl.Error) as e:
        x.mem_set("ops", 513)
    assert e.value.code == errno.EINVAL and e.value.message
    with pytest.raises(xenoctl.NoMemory):
        x.mem_set("0", 10)
    assert x.uptime("ops") >= 0
    x.destroy("ops")


def test_console(x, xend):
    x.create(xend.config("con"))
    path = x.console_path("con")
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.settimeout(5)
        assert b"fake console of con" in s.recv(128)
    x.destroy("con")


def test_reboot_and_shutdown(x, xend):
    x.create(xend.config("rb"))
    x.reboot("rb")
    assert wait_until(lambda: (d := by_name(x, "rb")) is not None
                      and d["restarts"] == 1 and d["state"] == "running")
    x.shutdown("rb", wait=True, timeout=10)
    with pytest.raises(xenoctl.NotFound):
        x.domain("rb")
    with pytest.raises(xenoctl.NotFound):
        x.shutdown("rb")
    with pytest.raises(xenoctl.NotFound):
        x.destroy("rb")


def test_dmesg_and_log(x, xend):
    x.create(xend.config("ring"))
    assert "(ring) started" in x.dmesg()
    x.dmesg(clear=True)
    assert x.dmesg() == ""
    assert "xend %s ready" % xenoctl.__version__ in x.log()
    x.destroy("ring")


def test_block_calls(x, xend, tmp_path):
    img = tmp_path / "disk.img"
    img.write_bytes(b"\0" * (1 << 20))
    x.create(xend.config("blk"))
    assert x.block_list("blk") == []
    x.block_attach("blk", f"file:{img}", "xvdb", "w")
    (v,) = x.block_list("blk")
    assert (v["vdev"], v["devid"], v["mode"], v["type"], v["target"]) == \
        ("xvdb", 51728, "w", "file", str(img))
    assert x.domain("blk")["nr_vbds"] == 1
    with pytest.raises(xenoctl.Exists):
        x.block_attach("blk", f"file:{img}", "xvdb", "r")
    with pytest.raises(xenoctl.Error) as e:
        x.block_attach("blk", "file:/nonexistent.img", "xvdc", "r")
    assert "does not exist" in e.value.message
    assert x.block_detach("blk", "51728") is None
    with pytest.raises(xenoctl.NotFound):
        x.block_detach("blk", "xvdb")
    x.destroy("blk")


def test_request_any_call(x):
    status, reply = x.request("GET", "/xend/domain")
    assert status == 200
    assert any(d["name"] == "Domain-0" for d in reply["domains"])
    status, reply = x.request("POST", "/xend/domain/nosuch", {"op": "pause"})
    assert status == 404


def test_http_transport(xend):
    with xenoctl.Xend(xend.url) as h:
        assert by_name(h, "Domain-0")["domid"] == 0
        assert h.target.startswith("http://")


def test_threads_share_one_handle(x):
    errors = []

    def worker():
        try:
            for _ in range(20):
                assert by_name(x, "Domain-0")
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_closed_handle(xend):
    h = xenoctl.Xend(xend.sock)
    h.close()
    with pytest.raises(ValueError, match="closed"):
        h.list()


def test_default_is_xeno_xend(xend, monkeypatch):
    monkeypatch.setenv("XENO_XEND", xend.sock)
    assert by_name(xenoctl.Xend(), "Domain-0")


def test_listdoms_example(xend):
    x = xenoctl.Xend(xend.sock)
    x.create(xend.config("ex"))
    env = dict(os.environ, XENO_XEND=xend.sock)
    out = subprocess.run([sys.executable, str(ROOT / "examples/listdoms.py")],
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^Domain-0\s+0\s", out.stdout, re.M), out.stdout
    assert re.search(r"^ex\s+\d+\s", out.stdout, re.M), out.stdout
    x.destroy("ex")
    env["XENO_XEND"] = "/nonexistent.sock"
    out = subprocess.run([sys.executable, str(ROOT / "examples/listdoms.py")],
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "is xend running?" in out.stderr
