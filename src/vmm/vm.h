/* The per-domain VMM: one struct vm per process. */
#ifndef XENO_VMM_VM_H
#define XENO_VMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "xeno/layout.h"
#include "backends/console.h"

#define VM_MAX_SLOTS 128

struct vm;

/* What KVM held of a vCPU when its thread stopped (vcpu_stall.c). */
struct vcpu_final {
    bool valid, lapic, msrs;
    uint32_t mp_state;
    uint64_t rip, rflags;
    uint32_t lvtt, tmict, tmcct, tpr;
    int irr_top, isr_top;             /* -1: none */
    uint64_t tsc_deadline, tsc;
    uint32_t tsc_khz;
};

struct vcpu {
    struct vm *vm;
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    bool sync_regs;             /* KVM_CAP_SYNC_REGS in use */
    uint64_t exits_io, exits_hcall, exits_mmio, exits_msr, exits_other;
    int tid;                    /* its thread's id, once it runs */
    unsigned probe_req, probe_done; /* vcpu_state.c: under vm->state_lock */
    bool guest_online;          /* at the last probe */
    uint64_t nexits;            /* KVM_RUN returns (vcpu_stall.c) */
    uint64_t seen_exits, progress_ns; /* I/O thread: at the last change */
    struct vcpu_final final;    /* read by its thread as it stops */
};

#define VM_MAX_DISKS 16

/* --disk fd=N,devid=D,mode=r|w[,type=file|phy][,name=xvda] */
struct vm_disk_cfg {
    int fd;
    unsigned devid;        /* Xen virtual-device number */
    bool readonly;         /* mode=r */
    char type[8];          /* file | phy */
    char name[16];         /* xvda... ("" = none given) */
};

#define VM_MAX_NICS 8

/* --nic fd=N,devid=D,mac=XX:XX:XX:XX:XX:XX[,mtu=M] */
struct vm_nic_cfg {
    int fd;                /* a tap (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR) */
    unsigned devid;        /* the vif's handle: vif<domid>.<devid> */
    uint8_t mac[6];        /* the guest's MAC */
    unsigned mtu;          /* 1500 unless given */
};

/* --jail uid=U,gid=G[,nofile=N]: namespaces, empty root, uid (jail.c) */
struct vm_jail_cfg {
    bool on;
    unsigned uid, gid;
    unsigned nofile;
};

#define VM_XS_TOKEN_MIN 16 /* xenstored's token rules (ident.c) */
#define VM_XS_TOKEN_LEN 65 /* 64 characters and the NUL */

struct vm_config {
    const char *kernel_path;
    const char *ramdisk_path;
    const char *cmdline;
    const char *name;
    const char *log_path;
    const char *xenstored_dir;
    char xs_token[VM_XS_TOKEN_LEN]; /* --xenstore-token, "" without */
    const char *control_path;
    const char *console_socket;
    uint64_t memory_mib;
    uint64_t maxmem_mib;       /* RAM in the memory map (>= memory_mib) */
    unsigned vcpus;             /* created (--maxvcpus, else --vcpus) */
    unsigned boot_vcpus;        /* --vcpus: online at boot (xend says so in xenstore) */
    unsigned domid;
    bool stdio_console;
    bool verbose;
    bool seccomp;          /* on unless --no-seccomp (docs/privilege.md) */
    struct vm_jail_cfg jail;
    struct vm_disk_cfg disks[VM_MAX_DISKS];
    unsigned nr_disks;
    struct vm_nic_cfg nics[VM_MAX_NICS];
    unsigned nr_nics;
};

struct vm {
    struct vm_config cfg;
    int kvm_fd, vm_fd;
    struct kvm_cpuid2 *host_cpuid; /* KVM_GET_SUPPORTED_CPUID, asked once */
    bool kvm_xen;               /* KVM_CAP_XEN_HVM hypercall intercept on */
    int mem_fd;                 /* memfd: RAM, then the special pages */
    uint8_t *mem;               /* whole memfd mapping */
    uint64_t mem_size;
    uint64_t low_size, high_size;
    uint8_t *special;           /* XENO_SPECIAL_PAGES pages */
    unsigned next_slot;
    struct { uint64_t gpa; unsigned slot; } frame_slot[VM_MAX_SLOTS];
    unsigned nr_frame_slots;
    pthread_mutex_t slot_lock;

    struct hv_domain dom;
    struct vcpu vcpu[HV_MAX_VCPUS];
    uint64_t hcall_page_gpa;
    uint64_t start_ns;
    uint64_t wc_boot_ns;

    /* Run state. */
    pthread_mutex_t state_lock;
    pthread_cond_t state_cond;  /* paused/stopping changes, poll kicks */
    uint64_t poll_gen;
    bool paused;
    bool stopping;
    uint64_t stop_ns;           /* vm_now_ns() when the stop was asked for */
    int exit_status;

    /* Console. */
    struct console_backend pvcon;
    unsigned console_port;
    unsigned store_port;
    int store_kick_fd, store_notify_fd, store_sock;

    uint64_t store_kicks, store_notifies, console_kicks, upcalls_reasserted;
    int wake_fd;                /* eventfd: wakes the I/O loop */
    struct ksymtab *syms;       /* the kernel's symbols, for crash reports */

    /* Block devices (vbd.c): the VMM's own xenstore client, the disks. */
    struct xs_client *xsc;
    struct vbd_set *vbds;
    /* Network interfaces (vif.c), on the same xenstore client. */
    struct vif_set *vifs;
};

/* balloon.c (vmm): give guest RAM back to the host; the memory held. */
void vm_discard(struct vm *vm, uint8_t *host, uint64_t len);
uint64_t vm_held_bytes(struct vm *vm);

/* kvm.c */
int kvm_open_vm(struct vm *vm, char *err, size_t errlen);
int kvm_setup_memory(struct vm *vm, char *err, size_t errlen);
int kvm_create_irqchip(struct vm *vm, char *err, size_t errlen);
int kvm_map_frame(struct vm *vm, uint64_t gpa, void *host, uint64_t len);
int kvm_signal_upcall(struct vm *vm, unsigned vcpu, uint8_t vector);

/* cpuid.c */
int cpuid_setup(struct vm *vm, struct vcpu *v);
bool cpuid_host_is_intel(struct vm *vm);
long vm_tsc_khz(struct vm *vm);

/* vcpu.c */
int vcpu_create(struct vm *vm, unsigned id);
int vcpu_set_boot_state(struct vcpu *v, uint64_t entry, uint64_t start_info);
int vcpu_start(struct vcpu *v);
void vm_request_stop(struct vm *vm, int status);
void vm_kick_all(struct vm *vm);
void vcpu_kick(struct vcpu *v);
struct vcpu *vcpu_current(void);    /* on a vCPU thread, else NULL */

/* vcpu_state.c: is the guest using its vCPUs?  A vCPU is offline when KVM
 * has not started it (no INIT/SIPI yet) or it halts with interrupts off
 * (Linux's play_dead), or it is VCPUOP_down. */
void vcpu_probe_self(struct vcpu *v);       /* on v's thread, when asked */
bool vcpu_must_wait(struct vcpu *v);        /* VCPUOP_down: under state_lock */
/* Asks every vCPU (kicks them) and waits up to timeout_ms; then the
 * guest_online flags are fresh (or the last known, for a paused domain).
 * Returns how many are online.  I/O thread. */
unsigned vm_vcpus_probe(struct vm *vm, int timeout_ms);

/* vcpu_stall.c: which vCPUs stopped leaving KVM_RUN, and in what state. */
void vcpu_note_exit(struct vcpu *v);                  /* its thread, each exit */
void vcpu_progress_tick(struct vm *vm, uint64_t now, bool paused); /* I/O thread */
void vcpu_final_capture(struct vcpu *v);              /* its thread, stopping */
void vcpu_stall_report(struct vm *vm);                /* after the join */

/* hcall.c */
int hcall_handle_io(struct vcpu *v);
int hcall_handle_xen(struct vcpu *v);
int hcall_setup_kvm_xen(struct vm *vm);
int hcall_page_fill(struct vm *vm, uint64_t gpa);
int msr_filter_setup(struct vm *vm);

/* pio.c */
int pio_dispatch(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                 unsigned size);
void pio_count_enable(void);
void pio_count_report(void);

/* conout.c: where the guest console goes. */
int conout_init(struct vm *vm);
void conout_write(const char *buf, size_t len);
void conout_set_client(int fd);
void conout_break_line(void);
unsigned conout_last_lines(unsigned n, void (*fn)(void *opaque, const char *line),
                           void *opaque);

/* uart.c */
void uart_io(struct vm *vm, uint16_t off, bool in, uint8_t *data);
void uart_input(const char *buf, size_t len);

/* ioloop.c */
int ioloop_run(struct vm *vm);
/* The sockets and signal fd of the loop, before the jail (idempotent). */
int ioloop_prepare(struct vm *vm);
/* SIGTERM, SIGINT, SIGHUP blocked (the loop reads them from a signalfd). */
void ioloop_block_signals(sigset_t *set);
/* After setup, before the vCPUs: jail (jail.c) and the I/O filter. */
int vm_lockdown(struct vm *vm);
int vm_parse_jail(const char *arg, struct vm_jail_cfg *j);   /* 0 or -EINVAL */
int vm_take_xs_token(char *arg, char out[VM_XS_TOKEN_LEN]);  /* 0 or -EINVAL */
/* Backends' fds: fn(opaque) runs on the I/O thread when fd is readable
 * (and may, rarely, run spuriously).  Callable before ioloop_run. */
typedef void (*ioloop_fn)(void *opaque);
int ioloop_add(int fd, ioloop_fn fn, void *opaque);
void ioloop_del(int fd);
void vm_console_input(struct vm *vm, const char *buf, size_t len);

/* xsattach.c */
int xs_attach(struct vm *vm, char *err, size_t errlen);
void xs_kick(struct vm *vm);

/* crashdump.c: the first crash is captured on its vCPU thread; the report
 * is written once every vCPU thread has stopped. */
void crash_capture(struct vcpu *v, const char *why);
bool crash_captured(void);
void crash_report(struct vm *vm);
/* crash_deliver.c: whether the IDT gates, code segment and stacks an
 * exception needs are sound in guest memory (part of the report). */
struct hv_vcpu_state;
struct kvm_sregs;
void crash_check_delivery(struct vm *vm, const struct hv_vcpu_state *vs,
                          const struct kvm_sregs *s);

/* hvops.c */
extern const struct hv_ops vm_hv_ops;
uint64_t vm_now_ns(void);

#endif
