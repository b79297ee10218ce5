#!/bin/bash
# Sum up the test host's run log ($XENO_CACHE_DIR/testhost-runs.log, one
# line per scripts/testhost/run.sh run): per scenario, how many runs ended
# how, and how often tests/linux/run.sh had to retry.  Markdown table.
#
#   scripts/testhost/runs-summary.sh [--since 2026-12-02T03:00] [--grep RE] [LOG]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
since= re=.
while [ $# -gt 0 ]; do
    case $1 in
    --since) since=$2; shift 2 ;;
    --grep) re=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
done
log=${1:-$(xeno_cache_dir)/testhost-runs.log}
[ -r "$log" ] || { echo "runs-summary: no run log $log" >&2; exit 1; }
grep -a -E -- "$re" "$log" | awk -v since="$since" '
    function f(k,   i) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
    $1 < since { next }
    {
        sc = f("scenario"); why = f("reason"); rc = f("exit"); at = f("attempt")
        if (!(sc in runs)) order[n++] = sc
        runs[sc]++; all++
        if (why == "scenario") why = (rc == 0) ? "ok" : (rc == 123) ? "nested-fault" : "fail(" rc ")"
        cnt[sc, why]++; tot[why]++
        if (!(why in seen)) { seen[why] = 1; whys[m++] = why }
        if (at > 1) { retries[sc]++; rtot++ }
        dur[sc] += f("duration")
        if (first == "") first = $1
        last = $1
    }
    END {
        if (!all) { print "no runs" (since ? " since " since : ""); exit }
        printf "Runs %s .. %s\n\n| scenario | runs | retries |", first, last
        for (j = 0; j < m; j++) printf " %s |", whys[j]
        printf " mean s |\n| --- | --- | --- |"
        for (j = 0; j < m; j++) printf " --- |"
        print " --- |"
        for (i = 0; i < n; i++) {
            sc = order[i]
            printf "| %s | %d | %d |", sc, runs[sc], retries[sc]
            for (j = 0; j < m; j++) printf " %d |", cnt[sc, whys[j]]
            printf " %.0f |\n", dur[sc] / runs[sc]
        }
        printf "| **all** | %d | %d |", all, rtot
        for (j = 0; j < m; j++) printf " %d |", tot[whys[j]]
        print " |"
    }'
