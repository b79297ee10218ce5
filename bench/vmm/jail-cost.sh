#!/bin/bash
# What the jail and the seccomp filters cost at create time: exec -> the
# guest's first instruction (XENO_STARTUP_TRACE=entry: the VMM stops there)
# for the trivial PVH ELF, RUNS times each of three ways, interleaved so
# that all see the same machine load:
#   bare      --no-seccomp, not jailed (as root)
#   seccomp   the filters (the default), not jailed
#   jailed    --jail uid=,gid= and the filters (as xend runs a VMM)
# plus the lock-down span (startup stamps "special" -> "entry": the
# control sockets, the preloads, then the jail if asked, then the I/O
# filter) and, of it, the jail alone ("special" -> "jail").  A vCPU thread
# installs its own filter after this, when it starts.
#
#   bench/vmm/jail-cost.sh [BUILD_DIR] [RUNS]      (as root; docs/privilege.md)
set -u
build=${1:-build} runs=${2:-30}
vmm=${XENO_VMM:-$build/src/vmm/xeno-vmm}
elf=$build/bench/trivial.elf et=$build/bench/exectime
for f in "$vmm" "$et" "$elf"; do
    [ -e "$f" ] || { echo "build first: ninja -C $build ($f missing)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "run as root (the jail changes uid)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
stamp() { awk -v p="$1" '$1 == "startup-trace" && $2 == p { print $3 }' "$tmp/err"; }

one() { # LABEL ARGS...
    local label=$1 st x e j prev
    shift
    XENO_STARTUP_TRACE=entry "$et" -e "$tmp/err" -- "$vmm" --kernel "$elf" --memory 16 \
        --no-stdio-console "$@" </dev/null >"$tmp/run"
    st=$(field status <"$tmp/run")
    [ "$st" = 0 ] || { echo "$label: exit status $st:" >&2; cat "$tmp/err" >&2; exit 1; }
    x=$(field exec_ns <"$tmp/run") e=$(stamp entry) j=$(stamp jail) prev=$(stamp special)
    echo $(((e - x) / 1000)) >>"$tmp/$label.entry"
    echo $(((e - prev) / 1000)) >>"$tmp/$label.lock"
    [ -n "$j" ] && echo $(((j - prev) / 1000)) >>"$tmp/$label.jail"
}

stats() { # us on stdin -> "median p10 p90" in ms
    sort -n | awk '{ v[NR] = $1 } END {
        if (!NR) exit
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f %.3f\n", m / 1000, v[int(NR * 0.1) + 1] / 1000, v[NR - int(NR * 0.1)] / 1000 }'
}

line() { # FILE DESCRIPTION
    [ -s "$tmp/$1" ] || return 0
    read -r m lo hi < <(stats <"$tmp/$1")
    printf '  %-46s %8.3f ms  [%6.3f - %6.3f]\n' "$2" "$m" "$lo" "$hi"
}

echo "host: $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "xeno-vmm: $vmm; $runs runs each, interleaved: median [p10 - p90]"
for _ in $(seq "$runs"); do
    one bare --no-seccomp
    one seccomp
    one jailed --jail uid=800999,gid=800999
done
echo "exec -> guest entry:"
line bare.entry "bare (--no-seccomp, not jailed)"
line seccomp.entry "seccomp filters (the default), not jailed"
line jailed.entry "jailed + seccomp (as xend runs it)"
echo "lock-down span (special -> entry):"
line bare.lock "bare"
line seccomp.lock "seccomp"
line jailed.lock "jailed + seccomp"
line jailed.jail "  of which the jail (rlimits, namespaces, root, uid)"
