/* On xenstored's socket ($XENSTORED_RUNDIR/socket):
 *   xs-probe TOKEN DOMID OTHER   stands in for a VMM: identifies with
 *       TOKEN, then writes its own backend dir and tries domain OTHER's;
 *       prints "identify=E own=E other=E" (0 or each reply's errno).
 *   xs-probe authorise DOMID TOKEN   does what xend does before it starts
 *       a VMM (for scenarios that run xeno-vmm without xend). */
#include "xenstore/xs_client.h"

/* XS_CONTROL with NUL-separated words; 0 or the reply's errno. */
static int control(struct tc *c, const char *const *words, int n)
{
    char body[256];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(words[i]) + 1;
        if (len + l > sizeof(body))
            return E2BIG;
        memcpy(body + len, words[i], l);
        len += l;
    }
    return tc_req(c, XS_CONTROL, 0, body, (uint32_t)len);
}

int main(int argc, char **argv)
{
    char own[96], other[96];
    struct tc c;
    int id, w1, w2;

    if (argc != 4 || tc_open_socket(&c, "socket"))
        return 2;
    if (!strcmp(argv[1], "authorise")) {
        const char *w[3] = { "authorise", argv[2], argv[3] };
        int rc = control(&c, w, 3);
        if (rc)
            fprintf(stderr, "xs-probe: authorise: %s\n", strerror(rc > 0 ? rc : EIO));
        return rc ? 1 : 0;
    }
    const char *w[2] = { "identify", argv[1] };
    id = control(&c, w, 2);
    snprintf(own, sizeof(own), "/local/domain/0/backend/vbd/%s/51712/probe", argv[2]);
    snprintf(other, sizeof(other), "/local/domain/0/backend/vbd/%s/51712/probe", argv[3]);
    w1 = tc_write(&c, 0, own, "1");
    w2 = tc_write(&c, 0, other, "1");
    printf("identify=%d own=%d other=%d\n", id, w1, w2);
    tc_close(&c);
    return 0;
}
