#!/usr/bin/env python3
"""List every domain, as the Xen Demo CD's tools/examples/listdoms.py did
with Xc (the Demo CD left prettier printing "as an exercise for the
reader"; this is one answer).  Run it where xm works: it finds xend at
$XENO_XEND or /run/xeno/xend.sock.  -r prints the raw dicts instead."""
import sys

import xenoctl


def main(argv):
    try:
        doms = xenoctl.Xend().list()
    except xenoctl.Error as e:
        print(f"listdoms: {e.message}", file=sys.stderr)
        return 1
    if "-r" in argv:
        for d in doms:
            print(d)
        return 0
    print(f"{'Name':<24} {'ID':>4} {'Mem(MiB)':>8} {'VCPUs':>5} "
          f"{'State':<9} {'Time(s)':>9}")
    for d in doms:
        print(f"{d['name']:<24} {d['domid']:>4} {d['memory_mib']:>8} "
              f"{d['vcpus']:>5} {d['state']:<9} {d['cpu_time']:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
