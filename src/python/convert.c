/* libxenoctl's structs as plain dicts, and JSON through Python's json. */
#include "pyxenoctl.h"

static int put(PyObject *d, const char *key, PyObject *v)
{
    if (!v)
        return -1;
    int r = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return r;
}

#define PUT_STR(d, s, f) put(d, #f, PyUnicode_DecodeUTF8((s)->f, \
                                    strnlen((s)->f, sizeof((s)->f)), "replace"))
#define PUT_INT(d, s, f) put(d, #f, PyLong_FromLongLong((long long)(s)->f))
#define PUT_U64(d, s, f) put(d, #f, PyLong_FromUnsignedLongLong((s)->f))
#define PUT_DBL(d, s, f) put(d, #f, PyFloat_FromDouble((s)->f))

static PyObject *done(PyObject *d, int failed)
{
    if (failed) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

PyObject *pyx_domain_dict(const struct xenoctl_domain *x)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    int bad = PUT_INT(d, x, domid) || PUT_STR(d, x, name) ||
        PUT_STR(d, x, state) || PUT_U64(d, x, memory_mib) ||
        PUT_U64(d, x, maxmem_mib) || PUT_INT(d, x, vcpus) ||
        PUT_DBL(d, x, cpu_time) || PUT_DBL(d, x, uptime) ||
        PUT_INT(d, x, start_time) || PUT_INT(d, x, pid) ||
        PUT_INT(d, x, restarts) || PUT_STR(d, x, console_socket) ||
        PUT_INT(d, x, nr_vbds) || PUT_U64(d, x, vbd_rd_req) ||
        PUT_U64(d, x, vbd_wr_req) || PUT_U64(d, x, vbd_rd_bytes) ||
        PUT_U64(d, x, vbd_wr_bytes) || PUT_INT(d, x, nr_vifs) ||
        PUT_U64(d, x, vif_tx_bytes) || PUT_U64(d, x, vif_rx_bytes) ||
        PUT_U64(d, x, vif_tx_packets) || PUT_U64(d, x, vif_rx_packets);
    return done(d, bad);
}

PyObject *pyx_node_dict(const struct xenoctl_node *x)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    int bad = PUT_STR(d, x, host) || PUT_STR(d, x, release) ||
        PUT_STR(d, x, machine) || PUT_STR(d, x, version) ||
        PUT_INT(d, x, nr_cpus) || PUT_U64(d, x, total_memory_mib) ||
        PUT_U64(d, x, free_memory_mib) || PUT_U64(d, x, dom0_memory_mib) ||
        PUT_DBL(d, x, xend_uptime) || PUT_DBL(d, x, host_uptime) ||
        PUT_INT(d, x, nr_domains);
    return done(d, bad);
}

PyObject *pyx_vbd_dict(const struct xenoctl_vbd *x)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    int bad = PUT_STR(d, x, vdev) || PUT_INT(d, x, devid) ||
        PUT_INT(d, x, backend_id) || PUT_INT(d, x, state) ||
        PUT_INT(d, x, backend_state) || PUT_INT(d, x, event_channel) ||
        PUT_INT(d, x, ring_ref) || PUT_STR(d, x, backend) ||
        PUT_STR(d, x, target) || PUT_STR(d, x, type) || PUT_STR(d, x, mode);
    return done(d, bad);
}

PyObject *pyx_vif_dict(const struct xenoctl_vif *x)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    int bad = PUT_INT(d, x, devid) || PUT_INT(d, x, backend_id) ||
        PUT_INT(d, x, state) || PUT_INT(d, x, backend_state) ||
        PUT_INT(d, x, event_channel) || PUT_INT(d, x, tx_ring_ref) ||
        PUT_INT(d, x, rx_ring_ref) || PUT_STR(d, x, mac) ||
        PUT_STR(d, x, vifname) || PUT_STR(d, x, script) ||
        PUT_STR(d, x, bridge) || PUT_STR(d, x, ip) || PUT_STR(d, x, forward) ||
        PUT_STR(d, x, backend) || PUT_U64(d, x, tx_bytes) ||
        PUT_U64(d, x, rx_bytes) || PUT_U64(d, x, tx_packets) ||
        PUT_U64(d, x, rx_packets);
    return done(d, bad);
}

/* A list of conv(item) for n items of size bytes each. */
static PyObject *list_of(const void *items, size_t n, size_t size,
                         PyObject *(*conv)(const void *))
{
    PyObject *list = PyList_New(0);
    for (size_t k = 0; list && k < n; k++) {
        PyObject *o = conv((const char *)items + k * size);
        if (!o || PyList_Append(list, o) < 0)
            Py_CLEAR(list);
        Py_XDECREF(o);
    }
    return list;
}

static PyObject *domain_item(const void *p) { return pyx_domain_dict(p); }
static PyObject *vbd_item(const void *p) { return pyx_vbd_dict(p); }
static PyObject *vif_item(const void *p) { return pyx_vif_dict(p); }

PyObject *pyx_domain_list(const struct xenoctl_domain *d, size_t n)
{
    return list_of(d, n, sizeof(*d), domain_item);
}

PyObject *pyx_vbd_list(const struct xenoctl_vbd *v, size_t n)
{
    return list_of(v, n, sizeof(*v), vbd_item);
}

PyObject *pyx_vif_list(const struct xenoctl_vif *v, size_t n)
{
    return list_of(v, n, sizeof(*v), vif_item);
}

static PyObject *json_call(const char *fn, PyObject *arg)
{
    PyObject *json = PyImport_ImportModule("json"), *r = NULL;
    if (json) {
        r = PyObject_CallMethod(json, fn, "O", arg);
        Py_DECREF(json);
    }
    return r;
}

PyObject *pyx_json_loads(const char *text)
{
    PyObject *s = PyUnicode_FromString(text ? text : "null");
    if (!s)
        return NULL;
    PyObject *r = json_call("loads", s);
    Py_DECREF(s);
    return r;
}

char *pyx_json_dumps(PyObject *obj)
{
    PyObject *s = json_call("dumps", obj);
    if (!s)
        return NULL;
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    char *out = u ? PyMem_Malloc((size_t)n + 1) : NULL;
    if (out)
        memcpy(out, u, (size_t)n + 1);
    else if (u)
        PyErr_NoMemory();
    Py_DECREF(s);
    return out;
}
