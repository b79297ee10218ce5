/* The xeno-vmm command line and control socket, as used by xend.
 *
 * xeno-vmm --kernel PATH [--ramdisk PATH] [--cmdline STR] [--memory MiB]
 *          [--maxmem MiB]          RAM in the memory map (default: memory);
 *                                  above memory the guest boots pre-ballooned
 *          [--vcpus N] [--name NAME] [--domid N] [--log FILE]
 *          [--maxvcpus M]          the guest sees M CPUs (MADT), N <= M of
 *                                  them meant online at boot: the toolstack
 *                                  writes cpu/<n>/availability (docs/cpu.md)
 *          [--xenstored-dir DIR]   attach the xenstore ring to the xenstored
 *                                  whose rundir is DIR (default: none; the
 *                                  domain then has no xenstore)
 *          [--control PATH]        listen on a unix socket for xend
 *          [--console-socket PATH] listen on a unix socket for `xm console`
 *          [--no-stdio-console]    don't copy the console to stdout/stdin
 *          [--disk fd=N,devid=D,mode=r|w[,type=file|phy][,name=xvda]]
 *                                  a virtual disk (up to 16): N an inherited
 *                                  fd open O_RDONLY (r) or O_RDWR (w), D the
 *                                  Xen virtual-device number (xvda = 51712).
 *                                  Needs --xenstored-dir and the frontend and
 *                                  backend dirs written first (docs/vbd-xenbus.md).
 *                                  Bad syntax exits 2, an fd that is not
 *                                  open (or read-only for w) exits 1.
 *          [--nic fd=N,devid=D,mac=XX:XX:XX:XX:XX:XX[,mtu=M]]
 *                                  a network interface (up to 8): N an
 *                                  inherited tap fd (IFF_TAP|IFF_NO_PI|
 *                                  IFF_VNET_HDR, opened by xend, which
 *                                  names it vif<domid>.<D> and bridges it),
 *                                  D the vif handle (0..65535), mac the
 *                                  guest's MAC, mtu 68..65521 (1500).
 *                                  Needs --xenstored-dir and the vif dirs
 *                                  written first (docs/netback.md).  Bad
 *                                  syntax exits 2, an fd that is not an
 *                                  open tap exits 1.  The VMM never
 *                                  creates taps.
 *
 * Exit status: see xeno/exit.h.
 *
 * Control protocol (--control): one request per line, one reply per line,
 * both JSON objects.  Requests:
 *   {"cmd":"info"}     -> {"ok":true,"name":..,"domid":..,"pid":..,
 *                          "memory_mib":..,"vcpus":..,"vcpus_online":..,
 *                          "state":"running"|"paused",
 *                          "cpu_time_ns":..,"start_time":<unix s>,
 *                          "maxmem_mib":.., "mem_kib": pages in the guest's
 *                          reservation, "max_kib": the limit (mem-max),
 *                          "held_kib": the host memory behind it (memfd)}
 *   {"cmd":"vcpus"}    -> {"ok":true,"online":n,"vcpus":[{"id":0,"tid":T,
 *                          "online":true|false,"down":true|false},...]}: T the
 *                          vCPU thread's id (0 before it ran); online = the
 *                          guest uses it (not waiting for INIT/SIPI, not halted
 *                          with interrupts off); down = VCPUOP_down.
 *   {"cmd":"mem-max","kib":N} -> {"ok":true,"max_kib":..}: populate stops at N
 *                          (refused above maxmem); see docs/memory.md
 *   {"cmd":"pause"} / {"cmd":"unpause"} -> {"ok":true}
 *   {"cmd":"destroy"}  -> {"ok":true}, then the VMM exits with status
 *                          XENO_EXIT_DESTROYED.
 *   {"cmd":"sysrq","key":"c"} -> {"ok":true}
 *   {"cmd":"disk-attach","devid":D,"mode":"r"|"w","type":"file"|"phy","name":"xvdb"}
 *       with exactly one fd, the disk, in the same sendmsg (SCM_RIGHTS)
 *                      -> {"ok":true}: the backend is at InitWait and the
 *                         guest connects on its own.  The xenstore dirs must
 *                         exist already.
 *   {"cmd":"disk-detach","devid":D}
 *                      -> backend Closing; once the frontend is Closed (at
 *                         most 10 s) backend Closed, grants released, fd
 *                         closed, then {"ok":true}; after 10 s it is forced
 *                         closed: {"ok":false,"error":"frontend did not close
 *                         in 10 s"}.  The reply comes late: send nothing else
 *                         on that connection meanwhile.
 *   {"cmd":"disk-stats"} -> {"ok":true,"disks":[{"devid":D,"name":..,
 *                         "mode":"r"|"w","state":<backend xenbus state>,
 *                         "sectors":N,"rd_req":n,"wr_req":n,"flush_req":n,
 *                         "discard_req":n,"rd_bytes":n,"wr_bytes":n,
 *                         "errors":n},...]}
 *   {"cmd":"nic-attach","devid":D,"mac":"XX:XX:XX:XX:XX:XX","mtu":M}
 *       with exactly one fd, the tap, in the same sendmsg (SCM_RIGHTS);
 *       mtu optional (1500)
 *                      -> {"ok":true}: the backend is at InitWait; the
 *                         xenstore dirs must exist already.  On an error
 *                         the tap fd is closed.
 *   {"cmd":"nic-detach","devid":D}
 *                      -> as disk-detach: backend Closing, the frontend's
 *                         Closed (at most 10 s, else forced and
 *                         {"ok":false,"error":"frontend did not close in
 *                         10 s"}), backend Closed, tap fd closed, then
 *                         {"ok":true}.  The reply comes late.
 *   {"cmd":"nic-stats"} -> {"ok":true,"nics":[{"devid":D,"mac":"..",
 *                         "ifname":"vif1.0","state":<backend xenbus state>,
 *                         "queues":Q (0 until connected),"tx_packets":n,
 *                         "tx_bytes":n,"tx_dropped":n,"tx_errors":n,
 *                         "rx_packets":n,"rx_bytes":n,"rx_dropped":n,
 *                         "notifies":n,"kicks":n},...]}  (tx = guest ->
 *                         host, rx = host -> guest)
 * Errors: {"ok":false,"error":"text"}.
 *
 * Console socket (--console-socket): a byte stream; what the guest writes
 * on its console is sent to the connected client (the last 16 KiB are
 * replayed on connect), bytes from the client go to the guest's console
 * input.  One client at a time; a second one replaces the first. */
#ifndef XENO_VMM_CONTROL_H
#define XENO_VMM_CONTROL_H

#define XENO_EXIT_DESTROYED 3  /* killed by {"cmd":"destroy"} or SIGTERM */

#endif
