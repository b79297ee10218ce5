/* import xenoctl */
#include "pyxenoctl.h"

static struct PyModuleDef xenoctl_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "xenoctl",
    .m_doc = "libxenoctl for Python: control xeno's domains through xend.\n\n"
             "    x = xenoctl.Xend()          # $XENO_XEND or " XENOCTL_DEFAULT_SOCKET "\n"
             "    for d in x.list(): print(d['name'], d['state'])\n\n"
             "Failures raise xenoctl.Error (.code: errno, .message: xend's "
             "words) or a subclass: NotFound, Exists, Refused, NoMemory, "
             "Timeout, NotRunning.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_xenoctl(void)
{
    if (PyType_Ready(&Xend_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&xenoctl_module);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Xend", (PyObject *)&Xend_Type) < 0 ||
        pyx_errors_init(m) < 0 ||
        PyModule_AddStringConstant(m, "DEFAULT_SOCKET",
                                   XENOCTL_DEFAULT_SOCKET) < 0 ||
        PyModule_AddStringConstant(m, "__version__", XENO_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
