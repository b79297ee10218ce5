/* The per-domain VMM: one struct vm per process. */
#ifndef XENO_VMM_VM_H
#define XENO_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "xeno/layout.h"
#include "backends/console.h"

#define VM_MAX_SLOTS 128

struct vm;

struct vcpu {
    struct vm *vm;
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    bool sync_regs;             /* KVM_CAP_SYNC_REGS in use */
    uint64_t exits_io, exits_hcall, exits_mmio, exits_msr, exits_other;
};

struct vm_config {
    const char *kernel_path;
    const char *ramdisk_path;
    const char *cmdline;
    const char *name;
    const char *log_path;
    const char *xenstored_dir;
    const char *control_path;
    const char *console_socket;
    uint64_t memory_mib;
    unsigned vcpus;
    unsigned domid;
    bool stdio_console;
    bool verbose;
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
    int exit_status;

    /* Console. */
    struct console_backend pvcon;
    unsigned console_port;
    unsigned store_port;
    int store_kick_fd, store_notify_fd, store_sock;

    uint64_t store_kicks, store_notifies, console_kicks, upcalls_reasserted;
    int wake_fd;                /* eventfd: wakes the I/O loop */
};

/* kvm.c */
int kvm_open_vm(struct vm *vm, char *err, size_t errlen);
int kvm_setup_memory(struct vm *vm, char *err, size_t errlen);
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

/* uart.c */
void uart_io(struct vm *vm, uint16_t off, bool in, uint8_t *data);
void uart_input(const char *buf, size_t len);

/* ioloop.c */
int ioloop_run(struct vm *vm);
void vm_console_input(struct vm *vm, const char *buf, size_t len);

/* xsattach.c */
int xs_attach(struct vm *vm, char *err, size_t errlen);
void xs_kick(struct vm *vm);

/* hvops.c */
extern const struct hv_ops vm_hv_ops;
uint64_t vm_now_ns(void);

#endif
