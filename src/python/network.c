/* Xend's vif calls (xm network-attach/-detach/-list). */
#include <stdlib.h>

#include "pyxenoctl.h"

PyObject *pyx_network_attach(XendObject *self, PyObject *args)
{
    const char *dom, *spec = "";
    int r;
    if (!PyArg_ParseTuple(args, "s|s", &dom, &spec) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_network_attach(self->h, dom, spec));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *pyx_network_detach(XendObject *self, PyObject *args)
{
    const char *dom;
    unsigned devid;
    int r;
    if (!PyArg_ParseTuple(args, "sI", &dom, &devid) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_network_detach(self->h, dom, devid));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *pyx_network_list(XendObject *self, PyObject *args)
{
    const char *dom;
    struct xenoctl_vif *v = NULL;
    size_t n = 0;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_network_list(self->h, dom, &v, &n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *list = pyx_vif_list(v, n);
    free(v);
    return list;
}
