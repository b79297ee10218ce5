#!/bin/bash
# The toolstack end to end (issue 5): the live demo (scripts/demo-inner.sh)
# runs, and its transcript must show what a user expects: both domains
# created and listed, each shell answering on its console (one through
# `xm create -c`), the HTTP API listing them, `xm shutdown -w` removing them.
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../../.." && pwd)
"$root/scripts/demo-inner.sh" >"$WORK/demo.out" 2>&1
echo $? >"$WORK/demo.rc"
tr -d '\r' <"$WORK/demo.out" | grep -v '^\[' | tail -45
expect_rc demo 0
expect_out demo 'Started domain demo-1 \(id=1\)' "xm create demo-1"
expect_out demo '^demo-1 +1 +256 +1 +r-----' "xm list shows demo-1 running (256 MiB from vmid arithmetic)"
expect_out demo '^demo-2 +2 +320 +1 +r-----' "xm list shows demo-2 running (320 MiB)"
expect_out demo 'hello from demo-2: kernel .* on xen, domid 2' "xm create -c: shell on demo-2's console answered"
expect_out demo 'hello from demo-1: kernel .* on xen, domid 1' "xm console: shell on demo-1 answered"
expect_out demo '"name":"demo-1"' "HTTP API lists demo-1"
expect_out demo 'Domain demo-1 terminated' "xm shutdown -w demo-1"
expect_out demo 'Domain demo-2 terminated' "xm shutdown -w demo-2"
# After the shutdowns the last listing has Domain-0 alone.
last_list=$(awk '/^\$ xm list/ {buf=""} {buf = buf $0 "\n"} END {printf "%s", buf}' "$WORK/demo.out" | grep -E '^(Domain-0|demo-)')
if [ "$(echo "$last_list" | grep -c .)" = 1 ]; then pass "last xm list: only Domain-0"
else fail "last xm list: $last_list"; fi
exit $([ "$FAILS" = 0 ] && echo 0 || echo 1)
