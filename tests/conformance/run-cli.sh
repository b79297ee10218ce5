#!/bin/sh
# Runs xeno-vmm with bad input and checks it refuses cleanly.
#
#   run-cli.sh VMM EXPECTED_EXITS [--stderr-match REGEX] -- VMM-ARGS...
#
# EXPECTED_EXITS is a comma-separated list (e.g. "1" or "1,2").  The VMM
# must exit with one of them within 30 s (no signal, no hang) and print a
# message on stderr (matching REGEX if given, case-insensitive).
set -u

die() { echo "run-cli: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: run-cli.sh VMM EXPECTED_EXITS [--stderr-match RE] -- ARGS"
vmm=$1 expected=$2
shift 2
match=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	--stderr-match) match=$2; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
[ "${1:-}" = "--" ] || die "missing -- before the VMM arguments"
shift
[ -x "$vmm" ] || die "VMM $vmm is not an executable file"

out=$(mktemp) err=$(mktemp) || die "mktemp failed"
trap 'rm -f "$out" "$err"' EXIT INT TERM
echo "run-cli: $vmm $*"
timeout -k 5 30 "$vmm" "$@" </dev/null >"$out" 2>"$err"
status=$?

reason=
case ",$expected," in
*",$status,"*) ;;
*) reason="exit status $status, expected one of $expected" ;;
esac
[ "$status" -eq 124 ] && reason="hung: still running after 30 s"
[ "$status" -gt 128 ] && [ "$status" -ne 124 ] && reason="killed by signal $((status - 128))"
if [ -z "$reason" ] && [ ! -s "$err" ]; then
	reason="no message on stderr"
fi
if [ -z "$reason" ] && [ -n "$match" ] && ! grep -qiE -- "$match" "$err"; then
	reason="stderr does not match /$match/"
fi
echo "--- stderr ---"
head -n 20 "$err"
if [ -n "$reason" ]; then
	echo "--- stdout ---"
	head -n 20 "$out"
	echo "run-cli: FAILED: $reason" >&2
	exit 1
fi
echo "run-cli: ok (exit $status)"
