/* xenoctl.Xend: a connection to xend; one method per libxenoctl call. */
#include <errno.h>
#include <stdlib.h>

#include "pyxenoctl.h"

static int Xend_init(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "where", NULL };
    const char *where = NULL;
    char err[256] = "";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|z", kwlist, &where))
        return -1;
    if (self->h)
        xenoctl_close(self->h);
    if (!self->lock && !(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    self->h = xenoctl_open(where, err, sizeof(err));
    if (!self->h) {
        pyx_raise(-EINVAL, err);
        return -1;
    }
    return 0;
}

static void Xend_dealloc(XendObject *self)
{
    if (self->h)
        xenoctl_close(self->h);
    if (self->lock)
        PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Xend_close(XendObject *self, PyObject *unused)
{
    (void)unused;
    if (self->h) {
        int r;
        PYX_CALL(self, r, 0);       /* wait for a call in another thread */
        (void)r;
        xenoctl_close(self->h);
        self->h = NULL;
        PyThread_release_lock(self->lock);
    }
    Py_RETURN_NONE;
}

static PyObject *Xend_enter(XendObject *self, PyObject *unused)
{
    (void)unused;
    return Py_NewRef((PyObject *)self);
}

static PyObject *Xend_exit(XendObject *self, PyObject *args)
{
    (void)args;
    return Xend_close(self, NULL);
}

static PyObject *Xend_list(XendObject *self, PyObject *unused)
{
    (void)unused;
    struct xenoctl_domain *d = NULL;
    size_t n = 0;
    int r;
    if (pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_list(self->h, &d, &n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *list = pyx_domain_list(d, n);
    free(d);
    return list;
}

/* info(dom): the list's fields plus "record", xend's whole record (with
 * the configuration) as it sent it. */
static PyObject *Xend_domain(XendObject *self, PyObject *args)
{
    const char *dom;
    struct xenoctl_domain d;
    char *full = NULL;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_domain_info(self->h, dom, &d, &full));
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *o = pyx_domain_dict(&d), *rec = o ? pyx_json_loads(full) : NULL;
    free(full);
    if (rec && PyDict_SetItemString(o, "record", rec) == 0) {
        Py_DECREF(rec);
        return o;
    }
    Py_XDECREF(rec);
    Py_XDECREF(o);
    return NULL;
}

static PyObject *Xend_info(XendObject *self, PyObject *unused)
{
    (void)unused;
    struct xenoctl_node n;
    int r;
    if (pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_info(self->h, &n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    return pyx_node_dict(&n);
}

static PyObject *Xend_create(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "config", "vars", NULL };
    PyObject *config, *vars = NULL;
    int r, domid = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &config, &vars) ||
        pyx_opened(self) < 0)
        return NULL;
    char *json = pyx_config_json(config, vars);
    if (!json)
        return NULL;
    PYX_CALL(self, r, xenoctl_create(self->h, json, &domid));
    PyMem_Free(json);
    if (pyx_settle(self, r) < 0)
        return NULL;
    return PyLong_FromLong(domid);
}

/* The calls that take only a domain. */
static PyObject *dom_op(XendObject *self, PyObject *args,
                        int (*fn)(struct xenoctl *, const char *))
{
    const char *dom;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, fn(self->h, dom));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Xend_destroy(XendObject *self, PyObject *args)
{
    return dom_op(self, args, xenoctl_destroy);
}

static PyObject *Xend_reboot(XendObject *self, PyObject *args)
{
    return dom_op(self, args, xenoctl_reboot);
}

static PyObject *Xend_pause(XendObject *self, PyObject *args)
{
    return dom_op(self, args, xenoctl_pause);
}

static PyObject *Xend_unpause(XendObject *self, PyObject *args)
{
    return dom_op(self, args, xenoctl_unpause);
}

static PyObject *Xend_shutdown(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "dom", "wait", "timeout", NULL };
    const char *dom;
    int wait = 0, r;
    unsigned timeout = 60;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|pI", kwlist, &dom, &wait,
                                     &timeout) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_shutdown(self->h, dom, wait, timeout));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Xend_mem_set(XendObject *self, PyObject *args)
{
    const char *dom;
    unsigned long long mib;
    int r;
    if (!PyArg_ParseTuple(args, "sK", &dom, &mib) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_mem_set(self->h, dom, mib));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Xend_mem_max(XendObject *self, PyObject *args)
{
    const char *dom;
    unsigned long long mib;
    int r;
    if (!PyArg_ParseTuple(args, "sK", &dom, &mib) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_mem_max(self->h, dom, mib));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Xend_uptime(XendObject *self, PyObject *args)
{
    const char *dom;
    double s = 0;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_uptime(self->h, dom, &s));
    if (pyx_settle(self, r) < 0)
        return NULL;
    return PyFloat_FromDouble(s);
}

static PyObject *Xend_console_path(XendObject *self, PyObject *args)
{
    const char *dom;
    char path[256];
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_console_path(self->h, dom, path, sizeof(path)));
    if (pyx_settle(self, r) < 0)
        return NULL;
    return PyUnicode_DecodeFSDefault(path);
}

/* dmesg() and log(): the text, with the library's buffer freed. */
static PyObject *text_result(XendObject *self, int r, char *text)
{
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *s = PyUnicode_DecodeUTF8(text ? text : "", text ? strlen(text) : 0,
                                       "replace");
    free(text);
    return s;
}

static PyObject *Xend_dmesg(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "clear", NULL };
    int clear = 0, r;
    char *text = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p", kwlist, &clear) ||
        pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_dmesg(self->h, clear, &text));
    return text_result(self, r, text);
}

static PyObject *Xend_log(XendObject *self, PyObject *unused)
{
    (void)unused;
    char *text = NULL;
    int r;
    if (pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_log(self->h, &text));
    return text_result(self, r, text);
}

PyObject *pyx_block_attach(XendObject *self, PyObject *args, PyObject *kw);
PyObject *pyx_block_detach(XendObject *self, PyObject *args);
PyObject *pyx_block_list(XendObject *self, PyObject *args);
PyObject *pyx_network_attach(XendObject *self, PyObject *args);
PyObject *pyx_network_detach(XendObject *self, PyObject *args);
PyObject *pyx_network_list(XendObject *self, PyObject *args);
PyObject *pyx_vcpu_set(XendObject *self, PyObject *args);
PyObject *pyx_vcpu_pin(XendObject *self, PyObject *args);
PyObject *pyx_vcpu_list(XendObject *self, PyObject *args);
PyObject *pyx_sched_credit(XendObject *self, PyObject *args, PyObject *kw);
PyObject *pyx_request(XendObject *self, PyObject *args, PyObject *kw);

#define M(name, fn, flags, doc) \
    { name, (PyCFunction)(void (*)(void))fn, flags, doc }
static PyMethodDef Xend_methods[] = {
    M("list", Xend_list, METH_NOARGS, "list() -> [dict]: every domain"),
    M("domain", Xend_domain, METH_VARARGS,
      "domain(dom) -> dict: one domain (name or id), with its 'record'"),
    M("info", Xend_info, METH_NOARGS, "info() -> dict: the host (xm info)"),
    M("create", Xend_create, METH_VARARGS | METH_KEYWORDS,
      "create(config, vars=None) -> domid: config is a file's path or a "
      "dict of config keys; vars as xm create's VAR=VALUE"),
    M("destroy", Xend_destroy, METH_VARARGS, "destroy(dom): at once"),
    M("shutdown", Xend_shutdown, METH_VARARGS | METH_KEYWORDS,
      "shutdown(dom, wait=False, timeout=60): ask the guest to power off"),
    M("reboot", Xend_reboot, METH_VARARGS, "reboot(dom): ask it to reboot"),
    M("pause", Xend_pause, METH_VARARGS, "pause(dom): stop its vCPUs"),
    M("unpause", Xend_unpause, METH_VARARGS, "unpause(dom)"),
    M("mem_max", Xend_mem_max, METH_VARARGS,
      "mem_max(dom, mib): the most the memory target may be set to"),
    M("mem_set", Xend_mem_set, METH_VARARGS,
      "mem_set(dom, mib): memory target (dom 0: the host's share)"),
    M("uptime", Xend_uptime, METH_VARARGS, "uptime(dom) -> seconds"),
    M("console_path", Xend_console_path, METH_VARARGS,
      "console_path(dom) -> the unix socket of its console"),
    M("dmesg", Xend_dmesg, METH_VARARGS | METH_KEYWORDS,
      "dmesg(clear=False) -> str: xend's message ring"),
    M("log", Xend_log, METH_NOARGS, "log() -> str: xend's log"),
    M("block_attach", pyx_block_attach, METH_VARARGS | METH_KEYWORDS,
      "block_attach(dom, target, vdev, mode='w'): hot-plug a disk"),
    M("block_detach", pyx_block_detach, METH_VARARGS,
      "block_detach(dom, vdev) -> None, or the warning when it was forced"),
    M("block_list", pyx_block_list, METH_VARARGS,
      "block_list(dom) -> [dict]: its disks as xenstore shows them"),
    M("network_attach", pyx_network_attach, METH_VARARGS,
      "network_attach(dom, spec=''): hot-plug a vif ('mac=..,bridge=..')"),
    M("network_detach", pyx_network_detach, METH_VARARGS,
      "network_detach(dom, devid): unplug a vif"),
    M("network_list", pyx_network_list, METH_VARARGS,
      "network_list(dom) -> [dict]: its vifs, host side and xenstore"),
    M("vcpu_set", pyx_vcpu_set, METH_VARARGS,
      "vcpu_set(dom, n): vCPUs online (at most maxvcpus)"),
    M("vcpu_pin", pyx_vcpu_pin, METH_VARARGS,
      "vcpu_pin(dom, vcpu, cpus): pin vCPU (-1: all) to host CPUs '0-3'"),
    M("vcpu_list", pyx_vcpu_list, METH_VARARGS,
      "vcpu_list(dom) -> [dict]: vcpu, cpu, online, state, time, affinity"),
    M("sched_credit", pyx_sched_credit, METH_VARARGS | METH_KEYWORDS,
      "sched_credit(dom, weight=-1, cap=-1): Xen credit weight and cap"),
    M("request", pyx_request, METH_VARARGS | METH_KEYWORDS,
      "request(method, path, body=None) -> (status, reply): any API call; "
      "body and reply as Python objects (JSON)"),
    M("close", Xend_close, METH_NOARGS, "close()"),
    M("__enter__", Xend_enter, METH_NOARGS, NULL),
    M("__exit__", Xend_exit, METH_VARARGS, NULL),
    { NULL, NULL, 0, NULL },
};

static PyObject *Xend_get_target(XendObject *self, void *closure)
{
    (void)closure;
    if (pyx_opened(self) < 0)
        return NULL;
    return PyUnicode_FromString(xenoctl_target(self->h));
}

static PyGetSetDef Xend_getset[] = {
    { "target", (getter)Xend_get_target, NULL, "where xend is", NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject Xend_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "xenoctl.Xend",
    .tp_doc = "Xend(where=None): a connection to xend.  where: a socket "
              "path, unix:PATH or http://HOST:PORT; None: $XENO_XEND, then "
              XENOCTL_DEFAULT_SOCKET ".  Nothing connects until a call.",
    .tp_basicsize = sizeof(XendObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Xend_init,
    .tp_dealloc = (destructor)Xend_dealloc,
    .tp_methods = Xend_methods,
    .tp_getset = Xend_getset,
};
