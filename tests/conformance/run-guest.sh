#!/bin/sh
# Boots one conformance guest on xeno-vmm and judges it.
#
#   run-guest.sh VMM GUEST EXPECTED_EXIT [--vcpus N] [--memory MiB]
#                [--cmdline STR] [--expect-text STR]... [--timeout S]
#                [--expect-log REGEX]...
#
# Passes when the VMM exits with EXPECTED_EXIT within the timeout (60 s),
# the console shows at least one "PASS " line, no "FAIL" line, and every
# --expect-text string.  With --expect-log the VMM also gets --log FILE
# (as xend starts it) and every extended REGEX must match a line of that
# file.  On failure it says why and shows the console.
set -u

die() { echo "run-guest: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: run-guest.sh VMM GUEST EXPECTED_EXIT [options]"
vmm=$1 guest=$2 expected=$3
shift 3
vcpus=1 memory=64 cmdline= timeout=60
expect_file=$(mktemp) || die "mktemp failed"
log=$(mktemp) || die "mktemp failed"
logre_file=$(mktemp) || die "mktemp failed"
vmm_log=$(mktemp) || die "mktemp failed"
trap 'rm -f "$expect_file" "$log" "$logre_file" "$vmm_log"' EXIT INT TERM
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value"
	case $1 in
	--vcpus) vcpus=$2 ;;
	--memory) memory=$2 ;;
	--cmdline) cmdline=$2 ;;
	--timeout) timeout=$2 ;;
	--expect-text) printf '%s\n' "$2" >>"$expect_file" ;;
	--expect-log) printf '%s\n' "$2" >>"$logre_file" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

[ -x "$vmm" ] || die "VMM $vmm is not an executable file"
[ -r "$guest" ] || die "guest image $guest not readable"
if [ ! -e /dev/kvm ]; then
	die "no /dev/kvm: this test boots a guest on KVM (load kvm / run on a KVM host)"
fi
if ! ( : <>/dev/kvm ) 2>/dev/null; then
	die "no /dev/kvm: /dev/kvm exists but cannot be opened read-write by $(id -un) (load kvm / run on a KVM host, or join group kvm)"
fi

set -- --kernel "$guest" --memory "$memory" --vcpus "$vcpus"
[ -n "$cmdline" ] && set -- "$@" --cmdline "$cmdline"
[ -s "$logre_file" ] && set -- "$@" --log "$vmm_log"
echo "run-guest: $vmm $* (timeout ${timeout}s)"
timeout -k 5 "$timeout" "$vmm" "$@" </dev/null >"$log" 2>&1
status=$?

# Verdict lines may carry a prefix added by the VMM's console.
fail_re='(^|[^[:alnum:]_])FAIL '
pass_re='(^|[^[:alnum:]_])PASS '
reason=
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	reason="timed out after ${timeout}s (exit $status); the guest never shut down"
elif [ "$status" -ne "$expected" ]; then
	case $status in
	0) what="poweroff" ;;
	1) what="VMM error" ;;
	2) what="usage error" ;;
	101) what="reboot" ;;
	102) what="suspend" ;;
	103) what="crash (SHUTDOWN_crash or triple fault)" ;;
	104) what="watchdog" ;;
	105) what="soft_reset" ;;
	*) if [ "$status" -gt 128 ]; then what="killed by signal $((status - 128))"; else what="?"; fi ;;
	esac
	reason="exit status $status ($what), expected $expected"
elif grep -qE "$fail_re" "$log"; then
	reason="the guest reported failures: $(grep -E "$fail_re" "$log" | head -5 | tr '\n' ';')"
elif ! grep -qE "$pass_re" "$log"; then
	reason="no PASS line on the console"
else
	while IFS= read -r text; do
		if ! grep -qF -- "$text" "$log"; then
			reason="expected text not on the console: \"$text\""
			break
		fi
	done <"$expect_file"
	while [ -z "$reason" ] && IFS= read -r re; do
		if ! grep -qE -- "$re" "$vmm_log"; then
			reason="no line of the VMM log (--log) matches /$re/"
		fi
	done <"$logre_file"
fi

if [ -n "$reason" ]; then
	echo "----- console (last 200 lines) -----"
	tail -n 200 "$log"
	if [ -s "$logre_file" ]; then
		echo "----- VMM log (last 100 lines) -----"
		tail -n 100 "$vmm_log"
	fi
	echo "------------------------------------"
	echo "run-guest: FAILED: $(basename "$guest"): $reason" >&2
	exit 1
fi
cat "$log"
echo "run-guest: ok: $(basename "$guest") exit $status, $(grep -cE "$pass_re" "$log") checks passed"
exit 0
