/* Region markers of a rendered page -> the text without them, and per line the share of its characters
 * inside each region (websieve.steps.extract.dom; the Python twin is dom._read_markers_py).
 *
 * Markers are the noncharacters U+FDD0 + 2*region (opens) and U+FDD0 + 2*region + 1 (closes). Nested
 * regions of one kind count once; a close without an open is ignored. Rows are float32, one per line of
 * the text (lines end at '\n'), n_regions + 1 columns (the last is left 0 for the caller).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MARK_BASE 0xFDD0
#define MARK_LAST 0xFDEF
#define MAX_REGIONS 16

static PyObject *read_markers(PyObject *self, PyObject *args) {
    PyObject *text;
    int n_regions;
    if (!PyArg_ParseTuple(args, "Ui", &text, &n_regions))
        return NULL;
    if (n_regions < 1 || n_regions > MAX_REGIONS) {
        PyErr_SetString(PyExc_ValueError, "n_regions must be between 1 and 16");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t rows = 1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == '\n')
            rows++;
    Py_ssize_t cols = n_regions + 1;
    PyObject *table = PyBytes_FromStringAndSize(NULL, rows * cols * (Py_ssize_t)sizeof(float));
    if (table == NULL)
        return NULL;
    float *out = (float *)PyBytes_AS_STRING(table);
    memset(out, 0, (size_t)(rows * cols) * sizeof(float));
    Py_UCS4 *chars = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(Py_UCS4));
    if (chars == NULL) {
        Py_DECREF(table);
        return PyErr_NoMemory();
    }
    Py_ssize_t kept = 0, row = 0, length = 0, run = 0;
    long depth[MAX_REGIONS] = {0};
    long counts[MAX_REGIONS] = {0};
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_UCS4 c = i < n ? PyUnicode_READ(kind, data, i) : '\n';
        int marker = c >= MARK_BASE && c <= MARK_LAST;
        if (!marker && c != '\n') {
            chars[kept++] = c;
            run++;
            continue;
        }
        /* a marker or the end of a line: the run of text before it belongs to the open regions */
        if (run) {
            length += run;
            for (int r = 0; r < n_regions; r++)
                if (depth[r])
                    counts[r] += run;
            run = 0;
        }
        if (marker) {
            int code = (int)(c - MARK_BASE), region = code >> 1;
            if (region >= n_regions)
                continue;
            if (code & 1) {
                if (depth[region])
                    depth[region]--;
            } else {
                depth[region]++;
            }
            continue;
        }
        if (length)
            for (int r = 0; r < n_regions; r++)
                out[row * cols + r] = (float)((double)counts[r] / (double)length);
        memset(counts, 0, sizeof(counts));
        length = 0;
        row++;
        if (i < n)
            chars[kept++] = '\n';
    }
    PyObject *clean = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, kept);
    PyMem_Free(chars);
    if (clean == NULL) {
        Py_DECREF(table);
        return NULL;
    }
    return Py_BuildValue("(NN)", clean, table);
}

/* Tag names that never raise the nesting depth: void elements and those whose end tag is optional
 * (guard._FLAT; the Python twin is guard._scan_tags_py). */
static const char *const FLAT[] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                                   "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd",
                                   "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
                                   "colgroup", "rb", "rt", "rp", NULL};

static int is_flat(const char *name, Py_ssize_t len) {
    for (int k = 0; FLAT[k] != NULL; k++)
        if ((Py_ssize_t)strlen(FLAT[k]) == len && memcmp(FLAT[k], name, (size_t)len) == 0)
            return 1;
    return 0;
}

static int is_alpha(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(Py_UCS4 c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

/* scan_tags(html, limit) -> (depth, attributes, markers): the tags of the regex
 * <(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)> read left to right; a start tag of a non-flat element is one
 * level deeper, an end tag one level up (never below 0); `attributes` is the most '=' signs in one tag;
 * `markers` counts the characters in U+FDD0..U+FDEF (dom's region markers) seen.
 * Stops once the depth passes limit (limit < 0: no limit). */
static PyObject *scan_tags(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "Un", &text, &limit))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t depth = 0, deepest = 0, most = 0, markers = 0, i = 0;
    char name[16];
    while (i < n) {
        Py_UCS4 here = PyUnicode_READ(kind, data, i);
        if (here != '<') {
            markers += here >= MARK_BASE && here <= MARK_LAST;
            i++;
            continue;
        }
        Py_ssize_t j = i + 1;
        int closing = 0;
        if (j < n && PyUnicode_READ(kind, data, j) == '/') {
            closing = 1;
            j++;
        }
        if (j >= n || !is_alpha(PyUnicode_READ(kind, data, j))) {
            i++;
            continue;
        }
        Py_ssize_t start = j, len = 0, equals = 0;
        while (j < n && is_alnum(PyUnicode_READ(kind, data, j))) {
            if (len < (Py_ssize_t)sizeof(name)) {
                Py_UCS4 c = PyUnicode_READ(kind, data, j);
                name[len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            len++;
            j++;
        }
        Py_UCS4 c;
        while (j < n && (c = PyUnicode_READ(kind, data, j)) != '>') {
            equals += c == '=';
            markers += c >= MARK_BASE && c <= MARK_LAST;
            j++;
        }
        if (j >= n)
            break; /* no '>' left (the loop above counted the markers up to the end) */
        if (equals > most)
            most = equals;
        int self_closing = PyUnicode_READ(kind, data, j - 1) == '/' && j - 1 >= start + len;
        i = j + 1;
        if (self_closing || (len <= (Py_ssize_t)sizeof(name) && is_flat(name, len)))
            continue;
        if (closing) {
            if (depth)
                depth--;
            continue;
        }
        depth++;
        if (depth > deepest) {
            deepest = depth;
            if (limit >= 0 && deepest > limit) {
                for (Py_ssize_t k = i; k < n; k++) { /* the rest is only read for markers */
                    Py_UCS4 m = PyUnicode_READ(kind, data, k);
                    markers += m >= MARK_BASE && m <= MARK_LAST;
                }
                break;
            }
        }
    }
    return Py_BuildValue("(nnn)", deepest, most, markers);
}

static PyMethodDef methods[] = {
    {"scan_tags", scan_tags, METH_VARARGS,
     "scan_tags(html, limit) -> (deepest nesting, most attributes in a tag, markers); limit < 0: none"},
    {"read_markers", read_markers, METH_VARARGS,
     "read_markers(text, n_regions) -> (text without markers, float32 rows as bytes)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_regions", NULL, -1, methods};

PyMODINIT_FUNC PyInit__regions(void) { return PyModule_Create(&module); }
