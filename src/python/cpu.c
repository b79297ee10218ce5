/* Xend's vCPU calls (xm vcpu-set, vcpu-pin, vcpu-list, sched-credit). */
#include <stdlib.h>

#include "pyxenoctl.h"

PyObject *pyx_vcpu_set(XendObject *self, PyObject *args)
{
    const char *dom;
    unsigned n;
    int r;
    if (!PyArg_ParseTuple(args, "sI", &dom, &n) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_vcpu_set(self->h, dom, n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* vcpu -1: every vCPU (xm vcpu-pin DOM all CPUS). */
PyObject *pyx_vcpu_pin(XendObject *self, PyObject *args)
{
    const char *dom, *cpus;
    int vcpu, r;
    if (!PyArg_ParseTuple(args, "sis", &dom, &vcpu, &cpus) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_vcpu_pin(self->h, dom, vcpu, cpus));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* weight or cap -1: unchanged. */
PyObject *pyx_sched_credit(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "dom", "weight", "cap", NULL };
    const char *dom;
    long weight = -1, cap = -1;
    int r;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|ll", kwlist, &dom, &weight, &cap) ||
        pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_sched_credit(self->h, dom, weight, cap));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *vcpu_dict(const struct xenoctl_vcpu *v)
{
    return Py_BuildValue("{s:i,s:i,s:O,s:s,s:d,s:s,s:i}", "vcpu", v->vcpu,
                         "cpu", v->cpu, "online", v->online ? Py_True : Py_False,
                         "state", v->state, "time", v->time, "affinity",
                         v->affinity, "tid", v->tid);
}

PyObject *pyx_vcpu_list(XendObject *self, PyObject *args)
{
    const char *dom;
    struct xenoctl_vcpu *v = NULL;
    size_t n = 0;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_vcpu_list(self->h, dom, &v, &n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *list = PyList_New(0);
    for (size_t k = 0; list && k < n; k++) {
        PyObject *d = vcpu_dict(&v[k]);
        if (!d || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(d);
    }
    free(v);
    return list;
}
