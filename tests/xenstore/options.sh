#!/bin/bash
# Daemon options: --internal-db keeps nothing on disk, -T traces requests
# and replies, -F writes the pid, fork mode detaches, -Q/-E set quotas.
. "$(dirname "$0")/lib.sh"

xsd_start --internal-db -T "$TMP/trace" -F "$TMP/pid"
expect_rc "write" 0 xenstore-write /opt/x 1
expect_eq "pid file" "$XSD_PID" "$(cat "$TMP/pid")"
expect_rc "trace IN" 0 grep -q 'IN  dom0 .* WRITE .*/opt/x' "$TMP/trace"
expect_rc "trace OUT" 0 grep -q 'OUT dom0 .* WRITE .* OK' "$TMP/trace"
expect_rc "no db dir" 1 test -e "$TMP/db"
xsd_stop
xsd_start --internal-db
expect_rc "memory only: gone after restart" 1 xenstore-exists /opt/x
xsd_stop

# fork mode: the command returns, the daemon serves, -P prints its pid
PID=$("$XSD" -P -D "$TMP/db2" -E 7 2>>"$TMP/xenstored.log")
expect_rc "forked daemon serves" 0 xenstore-write /fork 1
expect_rc "forked daemon pid" 0 kill -0 "$PID"
kill "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
expect_rc "forked daemon stopped on SIGTERM" 1 kill -0 "$PID"
expect_rc "snapshot written" 0 test -s "$TMP/db2/snapshot"
expect_rc "bad option" 2 "$XSD" --no-such-option
expect_rc "bad quota" 2 "$XSD" -Q nodes=abc
finish options
