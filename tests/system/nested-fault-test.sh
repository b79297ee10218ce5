#!/bin/bash
# scripts/testhost/nested-fault.sh over crash reports with known answers
# (tests/system/fixtures/nested-fault): only a triple fault whose every
# delivery structure is intact is the nested CPU's; a damaged structure,
# lost registers or a guest panic are not.
set -u
here=$(cd "$(dirname "$0")" && pwd)
s=$here/../../scripts/testhost/nested-fault.sh
fx=$here/fixtures/nested-fault
fails=0
expect() { # rc output-regex args...
    local want=$1 re=$2 out rc
    shift 2
    out=$("$s" "$@" 2>&1); rc=$?
    if [ "$rc" = "$want" ] && grep -q -E -- "$re" <<<"$out"; then echo "ok: $* -> $out"
    else echo "FAIL: $* -> rc $rc (want $want), output: $out (want /$re/)"; fails=$((fails + 1)); fi
}
expect 0 'nested.log: nested$' "$fx/nested.log"
expect 1 'null-idt.log: guest \(IDT 0+: NOT MAPPED\)' "$fx/null-idt.log"
expect 1 'df-stack-ro.log: guest \(stack \(IST2\) .*READ-ONLY' "$fx/df-stack-ro.log"
expect 1 'init-state.log: unjudged \(registers lost' "$fx/init-state.log"
expect 0 'init-state.log: unjudged' --unjudged-ok "$fx/init-state.log"
expect 0 'nested.log: nested' --unjudged-ok "$fx/nested.log" "$fx/init-state.log"
expect 1 'null-idt.log: guest' --unjudged-ok "$fx/init-state.log" "$fx/null-idt.log"
expect 1 '^$' "$fx/panic.log"
expect 0 'nested.log: nested$' "$fx/nested.log" "$fx/panic.log"
expect 1 'null-idt.log: guest' "$fx/nested.log" "$fx/null-idt.log"
expect 2 'usage' 
echo "$fails failed"
[ $fails = 0 ]
