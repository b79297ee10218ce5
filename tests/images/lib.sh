# shellcheck shell=bash
# Helpers for the image tests: PASS/FAIL lines and a summary exit status.
PASS=0 FAIL=0
pass() { echo "PASS $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL $*"; FAIL=$((FAIL + 1)); }

# expect_rc WANT GOT DESCRIPTION [LOG shown on failure]
expect_rc() {
    if [ "$2" = "$1" ]; then pass "$3"; else
        fail "$3 (exit $2, wanted $1)"
        [ -n "${4:-}" ] && [ -f "$4" ] && sed 's/^/    /' "$4" | tail -20
    fi
}

# expect_match TEXT ERE DESCRIPTION: some line of TEXT matches.
expect_match() {
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then pass "$3"; else
        fail "$3 (no line matches /$2/)"
        printf '%s\n' "$1" | head -10 | sed 's/^/    /'
    fi
}

# expect_eq GOT WANT DESCRIPTION
expect_eq() {
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3 (got '$1', wanted '$2')"; fi
}

# Fail (not skip) naming the package when a tool is missing.
images_need_tools() {
    local t miss=''
    for t in "$@"; do
        PATH=$PATH:/sbin:/usr/sbin command -v "$t" >/dev/null || miss="$miss $t"
    done
    [ -z "$miss" ] && return 0
    echo "FAIL: missing tools:$miss (apt-get install e2fsprogs kmod busybox-static)"
    return 1
}

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" = 0 ]
}
