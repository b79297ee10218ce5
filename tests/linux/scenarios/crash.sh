#!/bin/bash
# A Linux that dies before hvc0 exists still leaves its text in the VMM
# log (the crash report of a panic is checked in boot.sh).
. "$(dirname "$0")/../lib.sh"
xs_start || exit 1

# Death before hvc0 exists: mem=2M leaves no room to move the initrd and
# Linux panics in setup_arch(), long before console_initcall.  The VMM's
# default earlyprintk=xen still carries the text (HYPERVISOR_console_io);
# the panic precedes Linux's Xen reboot hooks, so it resets through the
# keyboard controller (a reboot).
boot early 5 1 'mem=2M' --log "$WORK/early.log"
expect_rc early 101
expect_log early 'Kernel panic - not syncing: Cannot find place for new RAMDISK' "early panic text in the log"
expect_log early 'setup_arch\+0x' "early call trace in the log"
expect_log early 'reset through the keyboard controller' "reset seen"
if grep -q 'hvc0' "$WORK/early.log"; then fail "early: hvc0 was up (not an early death)"
else pass "early: died before hvc0"; fi
# The same without the early console: the log has no word of it (the
# reported empty log of a domain that died at boot).
boot early-silent 6 1 'mem=2M earlyprintk=none' --log "$WORK/early-silent.log"
expect_rc early-silent 101
if grep -q 'Kernel panic' "$WORK/early-silent.log"; then
    fail "early-silent: panic text without an early console?"
else pass "early-silent: without earlyprintk=xen nothing reaches the log"; fi

finish
