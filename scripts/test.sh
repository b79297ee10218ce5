#!/bin/bash
# xeno's test command: install dependencies, build (plain, ASan/UBSan and,
# with clang, the libFuzzer targets), run every test suite and finish with
# one line "N passed, N failed".
#
#   scripts/test.sh                 everything
#   XENO_SUITES="unit xenstore" scripts/test.sh   only those meson suites
#   XENO_SKIP_SYSTEM=1 scripts/test.sh            skip Linux-in-test-host tests
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD

./scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

suites=${XENO_SUITES:-"unit xenstore toolstack webui conformance system"}
if [ "${XENO_SKIP_SYSTEM:-0}" = 1 ]; then
    suites=$(echo "$suites" | sed 's/system//')
fi

build_fail=0
rm -f build/testlog-main.json build-asan/testlog-main.json build-asan/testlog-unit.json \
    build-fuzz/testlog-main.json
setup() { # dir, extra meson args...
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

run_suites() { # dir, suites...
    local dir=$1; shift
    local args=()
    for s in "$@"; do args+=(--suite "$s"); done
    rm -f "$dir/meson-logs/testlog.json"
    meson test -C "$dir" --print-errorlogs --num-processes 2 "${args[@]}"
}

setup build || build_fail=1
if [ $build_fail = 0 ]; then
    # shellcheck disable=SC2086
    run_suites build $suites
    cp build/meson-logs/testlog.json build/testlog-main.json 2>/dev/null
fi

# Sanitizer build: the pure modules and everything guest- or user-facing.
if [ "${XENO_SKIP_ASAN:-0}" != 1 ]; then
    if setup build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
        # Leaks are checked in the unit suite; the xenstore and toolstack
        # suites start jailed VMMs (own pid namespace, no ptrace), where
        # LeakSanitizer cannot stop the world and dies with a fatal error.
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run_suites build-asan unit
        cp build-asan/meson-logs/testlog.json build-asan/testlog-unit.json 2>/dev/null
        ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run_suites build-asan xenstore toolstack
        cp build-asan/meson-logs/testlog.json build-asan/testlog-main.json 2>/dev/null
    else
        build_fail=$((build_fail + 1))
    fi
fi

# libFuzzer targets, briefly (the kept corpus under fuzz/corpus is replayed).
if [ "${XENO_SKIP_FUZZ:-0}" != 1 ]; then
    if CC=clang setup build-fuzz -Dfuzzing=true -Db_lundef=false; then
        run_suites build-fuzz fuzz
        cp build-fuzz/meson-logs/testlog.json build-fuzz/testlog-main.json 2>/dev/null
    else
        build_fail=$((build_fail + 1))
    fi
fi

python3 "$ROOT/scripts/count-tests.py" $build_fail \
    build/testlog-main.json build-asan/testlog-unit.json build-asan/testlog-main.json \
    build-fuzz/testlog-main.json
