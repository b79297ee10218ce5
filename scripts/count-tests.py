#!/usr/bin/env python3
"""Sum meson testlog.json files into the closing line 'N passed, N failed'.
argv[1] is the number of failed builds (each counts as one failure).
For each failed test it prints why, just above that line, so that the tail
of a CI log says it: the test's lines that name a failure or a retry, then
its last lines."""
import json
import os
import re
import sys

WHY = re.compile(r"FAIL|RETRY|giving up|KERNEL DIED|BOOT [A-Z]+:|Assertion|ERROR|error:")
WHY_MAX = 12
TAIL = 6


def why(rec):
    """Up to WHY_MAX telling lines and the last TAIL lines of a record."""
    lines = [l.rstrip() for l in (rec.get("stdout") or "").splitlines() if l.strip()]
    told = [l for l in lines if WHY.search(l)][-WHY_MAX:]
    tail = [l for l in lines[-TAIL:] if l not in told]
    return [l[:200] for l in told + tail]

passed = 0
failed = int(sys.argv[1])
skipped = 0
for path in sys.argv[2:]:
    if not os.path.exists(path):
        continue
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                print(f"warning: {path}: unreadable test record skipped")
                continue
            result = rec.get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"FAILED: {rec.get('name')} ({result})")
                for l in why(rec):
                    print(f"    {l}")
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
