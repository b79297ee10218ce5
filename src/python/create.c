/* What Xend.create() takes: a config file's path, or a dict of the same
 * keys as a config file ({"name": "web", "memory": 256, "disk": [...]}).
 * A dict is written out as config text and parsed by the same parser as
 * a file, so both are checked alike and give file:line:col errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_json.h"
#include "pyxenoctl.h"

#define MAX_VARS 32
#define MAX_DEPTH 4

/* The text is built as a list of str parts, joined at the end. */
static int add_s(PyObject *parts, const char *s)
{
    PyObject *u = PyUnicode_FromString(s);
    int r = u ? PyList_Append(parts, u) : -1;
    Py_XDECREF(u);
    return r;
}

static int add_str(PyObject *parts, PyObject *v)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(v, &n);
    if (!s)
        return -1;
    for (Py_ssize_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f) {
            PyErr_SetString(PyExc_ValueError,
                            "config: control character in a string");
            return -1;
        }
    /* the config language escapes as Python does: backslash, quote */
    PyObject *q = PyObject_CallMethod(v, "replace", "ss", "\\", "\\\\"),
             *qq = q ? PyObject_CallMethod(q, "replace", "ss", "\"", "\\\"")
                     : NULL;
    int r = qq && add_s(parts, "\"") == 0 && PyList_Append(parts, qq) == 0 &&
            add_s(parts, "\"") == 0 ? 0 : -1;
    Py_XDECREF(q);
    Py_XDECREF(qq);
    return r;
}

static int add_value(PyObject *parts, PyObject *v, int depth)
{
    char num[32];
    if (v == Py_None || v == Py_True || v == Py_False)
        return add_s(parts, v == Py_None ? "None" : v == Py_True ? "True"
                                                                : "False");
    if (PyLong_Check(v)) {
        long long n = PyLong_AsLongLong(v);
        if (n == -1 && PyErr_Occurred())
            return -1;
        snprintf(num, sizeof(num), "%lld", n);
        return add_s(parts, num);
    }
    if (PyUnicode_Check(v))
        return add_str(parts, v);
    if ((PyList_Check(v) || PyTuple_Check(v)) && depth < MAX_DEPTH) {
        PyObject *seq = PySequence_Fast(v, "config: a list");
        if (!seq)
            return -1;
        int r = add_s(parts, "[");
        for (Py_ssize_t k = 0; r == 0 && k < PySequence_Fast_GET_SIZE(seq); k++)
            r = (k ? add_s(parts, ", ") : 0) ||
                add_value(parts, PySequence_Fast_GET_ITEM(seq, k), depth + 1);
        Py_DECREF(seq);
        return r ? -1 : add_s(parts, "]");
    }
    PyErr_Format(PyExc_TypeError, "config: values are str, int, bool, None "
                 "or lists of them, not %s", Py_TYPE(v)->tp_name);
    return -1;
}

static int identifier(PyObject *k)
{
    if (PyUnicode_Check(k) && PyUnicode_IsIdentifier(k) == 1)
        return 0;
    PyErr_SetString(PyExc_ValueError, "config: keys are identifiers");
    return -1;
}

/* The dict as config text (UTF-8 bytes), one `key = value` line an item. */
static PyObject *dict_text(PyObject *dict)
{
    PyObject *parts = PyList_New(0), *k, *v, *text = NULL;
    Py_ssize_t pos = 0;
    int r = parts ? 0 : -1;
    while (r == 0 && PyDict_Next(dict, &pos, &k, &v))
        r = identifier(k) || PyList_Append(parts, k) ||
            add_s(parts, " = ") || add_value(parts, v, 0) ||
            add_s(parts, "\n") ? -1 : 0;
    PyObject *sep = r == 0 ? PyUnicode_FromString("") : NULL;
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    if (joined)
        text = PyUnicode_AsUTF8String(joined);
    Py_XDECREF(joined);
    Py_XDECREF(sep);
    Py_XDECREF(parts);
    return text;
}

/* vars: None or a dict of str to str (xm create CONFIG VAR=VALUE). */
static int get_vars(PyObject *vars, struct cfg_var *out, size_t *n)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    *n = 0;
    if (!vars || vars == Py_None)
        return 0;
    if (!PyDict_Check(vars)) {
        PyErr_SetString(PyExc_TypeError, "vars: a dict of str to str");
        return -1;
    }
    while (PyDict_Next(vars, &pos, &k, &v)) {
        if (*n == MAX_VARS || identifier(k) < 0 || !PyUnicode_Check(v)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError,
                                "vars: at most 32, each str to str");
            return -1;
        }
        out[*n].name = PyUnicode_AsUTF8(k);
        out[*n].value = PyUnicode_AsUTF8(v);
        if (!out[*n].name || !out[*n].value)
            return -1;
        (*n)++;
    }
    return 0;
}

/* xend runs in another directory: relative kernel and ramdisk paths are
 * taken from the caller's. */
static int make_absolute(char **path)
{
    char cwd[4096], *abs;
    if (!*path || (*path)[0] == '/')
        return 0;
    if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, *path) < 0)
        return -1;
    free(*path);
    *path = abs;
    return 0;
}

/* -1 when the warnings filter turned one into an exception. */
static int warn_all(const struct cfg_diag *d)
{
    for (size_t k = 0; k < d->n_warnings; k++)
        if (PyErr_WarnEx(PyExc_UserWarning, d->warnings[k], 2) < 0)
            return -1;
    return 0;
}

static char *to_json(struct domain_config *cfg)
{
    if (make_absolute(&cfg->kernel) < 0 || make_absolute(&cfg->ramdisk) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
    json_object *j = config_to_json(cfg);
    const char *s = j ? json_object_to_json_string_ext(j,
        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
    char *out = s ? PyMem_Malloc(strlen(s) + 1) : NULL;
    if (out)
        strcpy(out, s);
    else
        PyErr_NoMemory();
    json_object_put(j);
    return out;
}

static int parse(PyObject *config, const struct cfg_var *vars, size_t n,
                 struct domain_config *cfg, struct cfg_diag *diag)
{
    if (PyDict_Check(config)) {
        PyObject *text = dict_text(config);
        if (!text)
            return -1;
        int r = config_parse("<dict>", PyBytes_AS_STRING(text),
                             (size_t)PyBytes_GET_SIZE(text), vars, n, cfg, diag);
        Py_DECREF(text);
        return r < 0 ? -2 : 0;
    }
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(config, &bytes))
        return -1;
    int r = config_parse_file(PyBytes_AS_STRING(bytes), vars, n, cfg, diag);
    Py_DECREF(bytes);
    return r < 0 ? -2 : 0;
}

char *pyx_config_json(PyObject *config, PyObject *vars)
{
    struct cfg_var v[MAX_VARS];
    struct domain_config cfg;
    struct cfg_diag diag;
    size_t n;
    char *out = NULL;
    if (get_vars(vars, v, &n) < 0)
        return NULL;
    memset(&diag, 0, sizeof(diag));
    config_init(&cfg);
    int r = parse(config, v, n, &cfg, &diag);
    if (r == -2 && warn_all(&diag) == 0)
        pyx_raise(-EINVAL, diag.error);
    else if (r == 0 && warn_all(&diag) == 0)
        out = to_json(&cfg);
    config_free(&cfg);
    return out;
}
