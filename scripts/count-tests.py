#!/usr/bin/env python3
"""Sum meson testlog.json files into the closing line 'N passed, N failed'.
argv[1] is the number of failed builds (each counts as one failure)."""
import json
import os
import sys

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
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
