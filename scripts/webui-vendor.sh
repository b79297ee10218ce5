#!/bin/sh
# Fetches the web console's front-end libraries from the npm registry at
# the versions pinned in src/toolstack/xenoweb/package-lock.json (npm ci
# checks their integrity hashes), then, with OUT_DIR, copies the files the
# UI serves into OUT_DIR (the build's www/vendor).
#   scripts/webui-vendor.sh [OUT_DIR]
# Also fetches playwright-core for the browser tests (tests/webui).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
fetch() {   # fetch DIR: npm ci there unless its lockfile is already installed
    dir=$1
    if [ -f "$dir/node_modules/.package-lock.json" ] &&
       cmp -s "$dir/package-lock.json" "$dir/node_modules/.xeno-lock"; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "webui-vendor: npm is missing (apt-get install npm, or run scripts/deps.sh)" >&2
        exit 1
    fi
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
    cp "$dir/package-lock.json" "$dir/node_modules/.xeno-lock"
}
fetch "$top/src/toolstack/xenoweb"
[ "${WEBUI_VENDOR_TESTS:-1}" = 1 ] && fetch "$top/tests/webui"
if [ $# -ge 1 ]; then
    out=$1
    mkdir -p "$out"
    x=$top/src/toolstack/xenoweb/node_modules/@xterm/xterm
    cp "$x/lib/xterm.js" "$out/xterm.js"
    cp "$x/css/xterm.css" "$out/xterm.css"
fi
