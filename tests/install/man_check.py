"""The man pages stay true to the code: every xm command (with its usage
line, from xm.c's command table), every xend setting (settings.c), every
option of xeno-vmm (src/vmm/main.c), xenoweb (src/toolstack/xenoweb/main.c)
and xenstored (src/xenstored/main.c),
every xenstored quota and every config key (src/toolstack/config.c) is in
its page; no page documents an xm command that is not in the table; the
example of xeno.cfg(5) parses.  Usage: man_check.py SOURCE_ROOT XM"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT, XM = Path(sys.argv[1]), sys.argv[2]
failed = 0


def check(desc, ok, detail=""):
    global failed
    print(("ok - " if ok else "not ok - ") + desc + ("" if ok else f": {detail}"))
    failed += not ok


def code(path):
    return (ROOT / path).read_text()


def page(name):
    # scdoc escapes: \_ \* \[ stand for the characters themselves
    return re.sub(r"\\([_*\[\]\\])", r"\1", (ROOT / "man" / f"{name}.scd").read_text())


def must_have(what, items, text, fmt, where):
    missing = [i for i in items if fmt(i) not in text]
    check(f"{what}: all {len(items)} documented", items and not missing,
          f"missing {missing}: document them in {where}")


def xm_commands():
    # a usage may be split into adjacent literals: "a " "b"
    table = [(n, re.sub(r'"\s*"', "", u)) for n, u in re.findall(
        r'\{\s*"([a-z-]+)",\s*cmd_\w+,\s*"((?:[^"]|"\s*")*)",', code("src/toolstack/xm/xm.c"))]
    xm = page("xm.1")
    missing = [u for n, u in table if f"*xm {n}*{u[len(n):]}\n" not in xm]
    check(f"xm(1): all {len(table)} commands of xm.c's table, with their usage",
          table and not missing,
          f"missing or different: {missing}: man/xm.1.scd needs a line "
          "'*xm NAME* ARGS' exactly as the usage in xm.c's table")
    extra = set(re.findall(r"^\*xm ([a-z-]+)\*", xm, re.M)) - {n for n, _ in table}
    check("xm(1): no command that xm does not have", not extra, str(extra))


def xend_settings():
    keys = re.findall(r'S\("([a-z0-9-]+)", K_', code("src/toolstack/xend/settings.c"))
    must_have("xend(8) settings", keys, page("xend.8"), lambda k: f"*{k}* =",
              "man/xend.8.scd (SETTINGS: '*key* = default')")
    conf = code("src/toolstack/xend.conf")
    must_have("xend.conf mentions every setting", keys, conf, lambda k: f"{k} =",
              "src/toolstack/xend.conf ('#key = default')")


def long_options(path, pattern):
    return re.findall(pattern, code(path))


def daemons():
    vmm = long_options("src/vmm/main.c", r'\{ "([a-z-]+)", [01], 0, O_')
    must_have("xeno-vmm(1) options", vmm, page("xeno-vmm.1"), lambda o: f"*--{o}*",
              "man/xeno-vmm.1.scd")
    web = long_options("src/toolstack/xenoweb/main.c", r'\{ "([a-z-]+)", [01], 0, ')
    short = re.search(r'getopt_long\(argc, argv, "([^"]*)"',
                      code("src/toolstack/xenoweb/main.c"))
    text = page("xenoweb.8")
    must_have("xenoweb(8) long options", web, text, lambda o: f"*--{o}*",
              "man/xenoweb.8.scd")
    must_have("xenoweb(8) short options", re.findall(r"[a-zA-Z]", short.group(1) if short else ""),
              text, lambda c: f"*-{c}*", "man/xenoweb.8.scd")
    xs = long_options("src/xenstored/main.c",
                      r'\{ "([a-z-]+)", (?:no|required|optional)_argument, NULL, \'(.)\' \}')
    text = page("xenstored.8")
    must_have("xenstored(8) long options", [o for o, _ in xs], text, lambda o: f"*--{o}*",
              "man/xenstored.8.scd")
    must_have("xenstored(8) short options", [c for _, c in xs], text, lambda c: f"*-{c}*",
              "man/xenstored.8.scd")
    quotas = re.findall(r'\] = \{ "([a-z-]+)"', code("src/xenstored/quota.c"))
    must_have("xenstored(8) quotas", quotas, text, lambda q: f"*{q}*",
              "man/xenstored.8.scd (-Q)")


def config_keys():
    keys = re.findall(r'\{ "([a-z_]+)", k_\w+ \}', code("src/toolstack/config.c"))
    must_have("xeno.cfg(5) keys", keys, page("xeno.cfg.5"), lambda k: f"*{k}*",
              "man/xeno.cfg.5.scd (KEYS; write _ as \\_)")


def cfg_example():
    text = (ROOT / "man" / "xeno.cfg.5.scd").read_text()
    m = re.search(r"# EXAMPLE\n\n```\n(.*?)```", text, re.S)
    if not m:
        return check("xeno.cfg(5) has an example", False, "no # EXAMPLE block")
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as f:
        f.write(m.group(1))
        f.flush()
        r = subprocess.run([XM, "create", "-n", f.name, "vmid=3"],
                           capture_output=True, text=True)
    check("xeno.cfg(5)'s example parses (xm create -n)",
          r.returncode == 0 and 'name = "VM3"' in r.stdout, r.stderr)


xm_commands()
xend_settings()
daemons()
config_keys()
cfg_example()
sys.exit(1 if failed else 0)
