#!/bin/sh
# The web console in headless Chromium (browser.mjs) against a private
# xend with the fake VMM.  SHOTS=DIR keeps the screenshots there (the ones
# in docs/ were made with SHOTS=docs).
# Usage: browser.sh XEND XM FAKE_VMM XENOWEB WWW_DIR XENSTORED
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENOWEB=$(realpath "$4") WWW=$(realpath "$5")
XENSTORED=$6
HERE=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || { echo "browser.sh: needs Chromium (apt-get install chromium, or scripts/deps.sh)"; exit 1; }
command -v node >/dev/null || { echo "browser.sh: needs node (apt-get install nodejs)"; exit 1; }
[ -d "$HERE/node_modules/playwright-core" ] ||
    { echo "browser.sh: needs playwright-core (scripts/webui-vendor.sh)"; exit 1; }
SHOTS=${SHOTS:+$(realpath "$SHOTS")}
. "$HERE/../toolstack/lib.sh"
. "$HERE/weblib.sh"
start_xs || exit 1
write_conf "$XS_CONF"
start_xend || exit 1
start_web || exit 1
webcfg web2 2 >"$T/web2.path"
XM=$(realpath "$BUILD_XM")
WEB_URL=$W OPTOK=$OPTOK VIEWTOK=$VIEWTOK XM=$XM CHROMIUM=$CHROMIUM SHOTS=$SHOTS CFG=web2 HOME=$T \
    FAKE_VMM=$FAKE_VMM RUN_DIR=$T/run NET=$NET node "$HERE/browser.mjs"
rc=$?
stop_web
exit $rc
