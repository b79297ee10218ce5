/* Xend's disk calls (xm block-attach/-detach/-list) and request(), any
 * call of xend's JSON API. */
#include <stdlib.h>

#include "pyxenoctl.h"

PyObject *pyx_block_attach(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "dom", "target", "vdev", "mode", NULL };
    const char *dom, *target, *vdev, *mode = "w";
    int r;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sss|s", kwlist, &dom, &target,
                                     &vdev, &mode) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_block_attach(self->h, dom, target, vdev, mode));
    if (pyx_settle(self, r) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyObject *pyx_block_detach(XendObject *self, PyObject *args)
{
    const char *dom, *vdev;
    char warning[256] = "";
    int r;
    if (!PyArg_ParseTuple(args, "ss", &dom, &vdev) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_block_detach(self->h, dom, vdev, warning,
                                       sizeof(warning)));
    if (pyx_settle(self, r) < 0)
        return NULL;
    if (!warning[0])
        Py_RETURN_NONE;
    return PyUnicode_FromString(warning);
}

PyObject *pyx_block_list(XendObject *self, PyObject *args)
{
    const char *dom;
    struct xenoctl_vbd *v = NULL;
    size_t n = 0;
    int r;
    if (!PyArg_ParseTuple(args, "s", &dom) || pyx_opened(self) < 0)
        return NULL;
    PYX_CALL(self, r, xenoctl_block_list(self->h, dom, &v, &n));
    if (pyx_settle(self, r) < 0)
        return NULL;
    PyObject *list = pyx_vbd_list(v, n);
    free(v);
    return list;
}

/* (status, reply): reply parsed as JSON, or the text when it is not. */
static PyObject *reply_tuple(int status, char *reply)
{
    PyObject *body = Py_NewRef(Py_None);
    if (reply) {
        Py_DECREF(body);
        body = pyx_json_loads(reply);
        if (!body && PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            body = PyUnicode_DecodeUTF8(reply, strlen(reply), "replace");
        }
    }
    free(reply);
    if (!body)
        return NULL;
    PyObject *t = Py_BuildValue("(iN)", status, body);
    return t;
}

PyObject *pyx_request(XendObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "method", "path", "body", NULL };
    const char *method, *path;
    PyObject *body = Py_None;
    char *json = NULL, *reply = NULL;
    int status = 0, r;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ss|O", kwlist, &method, &path,
                                     &body) || pyx_opened(self) < 0)
        return NULL;
    if (body != Py_None && !(json = pyx_json_dumps(body)))
        return NULL;
    PYX_CALL(self, r, xenoctl_request(self->h, method, path, json, &status,
                                  &reply));
    PyMem_Free(json);
    if (pyx_settle(self, r) < 0) {
        free(reply);
        return NULL;
    }
    return reply_tuple(status, reply);
}
