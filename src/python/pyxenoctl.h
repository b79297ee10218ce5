/* The xenoctl Python module: libxenoctl for Python (the "Xc" of the Xen
 * READMEs).  A Xend object owns one libxenoctl handle; every method is
 * one library call made with the GIL released, its -errno and xend's
 * message raised as xenoctl.Error (or a subclass per errno). */
#ifndef PYXENOCTL_H
#define PYXENOCTL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "xenoctl.h"

typedef struct {
    PyObject_HEAD
    struct xenoctl *h;
    PyThread_type_lock lock;    /* one call at a time on h (its error) */
} XendObject;

extern PyTypeObject Xend_Type;

/* Every call: the handle's lock held (the error text lives in it), the
 * GIL released while the library talks to xend.  Then pyx_settle(). */
#define PYX_CALL(self, r, expr) do {                              \
        Py_BEGIN_ALLOW_THREADS                                    \
        PyThread_acquire_lock((self)->lock, WAIT_LOCK);           \
        (r) = (expr);                                             \
        Py_END_ALLOW_THREADS                                      \
    } while (0)
/* After PYX_CALL: the lock let go; r < 0 raised as xenoctl.Error. */
int pyx_settle(XendObject *self, int r);
/* -1 with ValueError when the handle was closed. */
int pyx_opened(XendObject *self);

/* errors.c: the exception classes, and raising one from a call's result */
int pyx_errors_init(PyObject *module);
PyObject *pyx_raise(int err, const char *message);
PyObject *pyx_raise_h(XendObject *self, int err);

/* convert.c: library structs as dicts; JSON text as Python objects */
PyObject *pyx_domain_dict(const struct xenoctl_domain *d);
PyObject *pyx_node_dict(const struct xenoctl_node *n);
PyObject *pyx_vbd_dict(const struct xenoctl_vbd *v);
PyObject *pyx_domain_list(const struct xenoctl_domain *d, size_t n);
PyObject *pyx_vbd_list(const struct xenoctl_vbd *v, size_t n);
PyObject *pyx_vif_dict(const struct xenoctl_vif *v);
PyObject *pyx_vif_list(const struct xenoctl_vif *v, size_t n);
PyObject *pyx_json_loads(const char *text);
char *pyx_json_dumps(PyObject *obj);     /* PyMem_Free() it */

/* create.c: a config file (path) or a dict of config keys, as the JSON
 * that xenoctl_create() takes; NULL with an exception set. */
char *pyx_config_json(PyObject *config, PyObject *vars);

#endif
