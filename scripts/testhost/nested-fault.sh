#!/bin/bash
# scripts/testhost/nested-fault.sh LOG...: is each guest triple fault in
# these xeno-vmm logs one the CPU below could not have made?
#
# A triple fault means the CPU failed to deliver an exception, then a
# double fault.  xeno's crash report (src/vmm/crash_deliver.c) checks,
# through the guest's own page tables, everything that delivery reads: the
# IDT, the GDT, the TSS, the #PF/#GP/#DF gates, their code segment and the
# stacks they switch to.  When every one of those is intact, a real CPU
# delivers the exception; a triple fault then says the (nested, emulated)
# CPU failed, not the guest or xeno.  docs/testhost.md has the cases seen.
#
# An AMD host's KVM re-initialises a vCPU on a shutdown intercept (SVM
# leaves the VMCB undefined there), so a triple fault there may come with
# the INIT state instead of the guest's registers: nothing can be judged.
#
# Prints one line per log with a triple fault: "LOG: nested", "LOG:
# unjudged (registers lost ...)" or "LOG: guest (first damaged
# structure)".  Exit 0 when there is at least one triple fault and all are
# "nested" (with --unjudged-ok: "nested" or "unjudged"); 1 otherwise.
set -u
unjudged_ok=0
[ "${1:-}" = --unjudged-ok ] && { unjudged_ok=1; shift; }
[ $# -gt 0 ] || { echo "usage: nested-fault.sh [--unjudged-ok] LOG..." >&2; exit 2; }

# The delivery section of the first-crashed vCPU: "nested", or what is
# damaged, or "no delivery check".
verdict() {
    awk '
        /crash: domain .* crashed: / { crashed = ($0 ~ /crashed: triple fault/) }
        /registers are the INIT state/ { lost = 1 }
        /crash:   exception delivery, as the CPU would read it:/ { in_d = 1; seen = 1; next }
        in_d && !/crash:   / { in_d = 0 }
        in_d {
            line = $0; sub(/.*crash:  +/, "", line)
            # Tables are only read (Linux maps its IDT and GDT read-only);
            # the stacks are written.
            if (line ~ /^(IDT|GDT|TSS) / && line !~ /: mapped (writable|READ-ONLY) at gpa/)
                bad = bad ? bad : line
            else if (line ~ / gate: /) { gates++; if (line !~ / ok$/) bad = bad ? bad : line }
            else if (line ~ /^CS /) { if (line !~ / ok \(/) bad = bad ? bad : line }
            else if (line ~ /^stack /) { if (line !~ /: mapped writable at gpa/) bad = bad ? bad : line }
            else if (line ~ /TSS at .* not readable/) bad = bad ? bad : line
        }
        END {
            if (!crashed) print "none"
            else if (lost) print "unjudged (registers lost: the INIT state)"
            else if (bad) print "guest (" bad ")"
            else if (!seen) print "guest (no delivery check in the report)"
            else if (gates < 3) print "guest (only " gates + 0 " gates checked)"
            else print "nested"
        }' "$1"
}

n=0 guest=0
for f in "$@"; do
    v=$(verdict "$f")
    [ "$v" = none ] && continue
    echo "$f: $v"
    n=$((n + 1))
    case $v in
    nested) ;;
    unjudged*) [ $unjudged_ok = 1 ] || guest=$((guest + 1)) ;;
    *) guest=$((guest + 1)) ;;
    esac
done
[ $n -gt 0 ] && [ $guest = 0 ]
