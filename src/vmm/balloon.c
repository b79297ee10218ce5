/* Guest RAM given back to the host.  RAM is a memfd, mapped shared by the
 * VMM and by KVM's memslots: MADV_DONTNEED would free nothing there, so a
 * page the guest balloons out becomes a hole (FALLOC_FL_PUNCH_HOLE), which
 * drops it from every mapping at once; the next touch sees a zero page. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

void vm_discard(struct vm *vm, uint8_t *host, uint64_t len)
{
    static bool warned;
    off_t off = (off_t)(host - vm->mem);

    if (host < vm->mem || (uint64_t)off + len > vm->mem_size)
        return;
    if (fallocate(vm->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
                  (off_t)len) < 0 && !warned) {
        warned = true;
        log_warn("giving guest memory back (fallocate PUNCH_HOLE): %s", strerror(errno));
    }
}

uint64_t vm_held_bytes(struct vm *vm)
{
    struct stat st;

    return fstat(vm->mem_fd, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}
