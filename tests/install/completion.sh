#!/bin/bash
# The bash completion of xm against a private xend with the fake VMM:
# commands from `xm help`, domain names from `xm list`, config files.
# Args: XEND XM FAKE_VMM COMPLETION_FILE
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 COMP=$4
. "$(dirname "$0")/../toolstack/lib.sh"
PATH=$(dirname "$BUILD_XM"):$PATH
. "$COMP"
write_conf
start_xend || exit 1
xm create "$(mkcfg web1)" >/dev/null
mkcfg web2 >/dev/null
mkdir "$T/cwd" && touch "$T/cwd/local.cfg" && cd "$T/cwd" || exit 1

comp() {  # comp WORD...: what Tab offers for the last word, sorted, one line
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _xm
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

check_eq "commands starting with 'block-'" "block-attach block-detach block-list" \
    "$(comp xm block-)"
check_eq "every command of xm help" "$(xm help | awk '/^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(comp xm '')"
check_eq "domains for pause" "Domain-0 web1" "$(comp xm pause '')"
check_eq "domains by prefix" "web1" "$(comp xm destroy we)"
check_eq "after -s SOCKET too" "web1" "$(comp xm -s "$T/xend.sock" unpause w)"
check_eq "no domains from a dead xend" "" "$(comp xm -s /nonexistent.sock pause '')"
check_eq "only the domain is completed for mem-set" "" "$(comp xm mem-set web1 '')"
check_eq "create: config names in \$XENO_CONFIG_DIR and files here" \
    "local.cfg web1 web2" "$(comp xm create '')"
check_eq "create options" "--dry-run -c -n" "$(comp xm create web1 -)"
check_eq "shutdown options" "-t -w" "$(comp xm shutdown -)"
check_eq "block-attach target kinds" "file: phy:" "$(comp xm block-attach web1 '')"
check_eq "block-attach file: paths" "file:local.cfg" "$(comp xm block-attach web1 file:lo)"
check_eq "block-attach mode" "r w" "$(comp xm block-attach web1 phy:sda7 xvdb '')"
check_eq "help COMMAND" "mem-max mem-set" "$(comp xm help mem-)"
done_tests
