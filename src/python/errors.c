/* xenoctl.Error and its subclasses, one per errno the library documents. */
#include <errno.h>
#include <string.h>

#include "pyxenoctl.h"

static PyObject *error_base;

static const struct {
    int err;
    const char *name;           /* xenoctl.NAME */
    const char *doc;
    PyObject *cls;
} classes[] = {
    { ENOENT, "NotFound", "No such domain (or no xend at that socket).", NULL },
    { EEXIST, "Exists", "The name is in use.", NULL },
    { EACCES, "Refused", "xend refused the request.", NULL },
    { ENOSPC, "NoMemory", "Not enough memory for the domain.", NULL },
    { ETIMEDOUT, "Timeout", "The domain did not finish in time.", NULL },
    { ECONNREFUSED, "NotRunning", "Nothing listens where xend should.", NULL },
};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))
static PyObject *class_objs[N_CLASSES];

int pyx_errors_init(PyObject *module)
{
    error_base = PyErr_NewExceptionWithDoc("xenoctl.Error",
        "A libxenoctl call failed: .code is the errno, .message xend's (or "
        "the library's) words.", NULL, NULL);
    if (!error_base || PyModule_AddObjectRef(module, "Error", error_base) < 0)
        return -1;
    for (size_t k = 0; k < N_CLASSES; k++) {
        char qual[64];
        snprintf(qual, sizeof(qual), "xenoctl.%s", classes[k].name);
        class_objs[k] = PyErr_NewExceptionWithDoc(qual, classes[k].doc,
                                                  error_base, NULL);
        if (!class_objs[k] ||
            PyModule_AddObjectRef(module, classes[k].name, class_objs[k]) < 0)
            return -1;
    }
    return 0;
}

static PyObject *class_for(int err)
{
    for (size_t k = 0; k < N_CLASSES; k++)
        if (classes[k].err == err)
            return class_objs[k];
    return error_base;
}

/* err: a negative errno; message: NULL or "" for strerror's. */
PyObject *pyx_raise(int err, const char *message)
{
    int code = err < 0 ? -err : err;
    const char *msg = message && *message ? message : strerror(code);
    PyObject *cls = class_for(code);
    PyObject *exc = PyObject_CallFunction(cls, "s", msg);
    if (!exc)
        return NULL;
    PyObject *c = PyLong_FromLong(code), *m = PyUnicode_FromString(msg);
    if (c && m && PyObject_SetAttrString(exc, "code", c) == 0 &&
        PyObject_SetAttrString(exc, "message", m) == 0)
        PyErr_SetObject(cls, exc);
    Py_XDECREF(c);
    Py_XDECREF(m);
    Py_DECREF(exc);
    return NULL;
}

PyObject *pyx_raise_h(XendObject *self, int err)
{
    return pyx_raise(err, self->h ? xenoctl_error(self->h) : NULL);
}

int pyx_settle(XendObject *self, int r)
{
    if (r < 0)
        pyx_raise_h(self, r);
    PyThread_release_lock(self->lock);
    return r;
}

int pyx_opened(XendObject *self)
{
    if (self->h)
        return 0;
    PyErr_SetString(PyExc_ValueError, "xenoctl.Xend: closed");
    return -1;
}
