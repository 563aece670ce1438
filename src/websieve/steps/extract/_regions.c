/* Region markers of a rendered page -> the text without them, and per line the share of its characters
 * inside each region (websieve.steps.extract.dom; the Python twin is dom._read_markers_py).
 *
 * Markers are the noncharacters U+FDD0 + 2*region (opens) and U+FDD0 + 2*region + 1 (closes). Nested
 * regions of one kind count once; a close without an open is ignored. Rows are float32, one per line of
 * the text (lines end at '\n'), n_regions + 1 columns (the last is left 0 for the caller), in a bytearray
 * the caller's numpy view can write into.
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
    PyObject *table = PyByteArray_FromStringAndSize(NULL, rows * cols * (Py_ssize_t)sizeof(float));
    if (table == NULL)
        return NULL;
    float *out = (float *)PyByteArray_AS_STRING(table);
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
                                   "colgroup", NULL};
/* Elements whose content is raw text: skipped up to their end tag (guard._RAW). */
static const char *const RAW[] = {"script", "style", "textarea", "title", "xmp", NULL};

#define NAME_MAX 16

static int in_list(const char *const *list, const char *name, Py_ssize_t len) {
    for (int k = 0; list[k] != NULL; k++)
        if ((Py_ssize_t)strlen(list[k]) == len && memcmp(list[k], name, (size_t)len) == 0)
            return 1;
    return 0;
}

static int is_alpha(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(Py_UCS4 c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static int is_space(Py_UCS4 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
static Py_UCS4 lower(Py_UCS4 c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* The first i >= from where text[i:] starts with `needle` (ASCII, lower case), case-insensitively;
 * n when there is none. */
static Py_ssize_t find_ci(int kind, const void *data, Py_ssize_t n, Py_ssize_t from, const char *needle) {
    Py_ssize_t m = (Py_ssize_t)strlen(needle);
    for (Py_ssize_t i = from; i + m <= n; i++) {
        Py_ssize_t k = 0;
        while (k < m && lower(PyUnicode_READ(kind, data, i + k)) == (Py_UCS4)needle[k])
            k++;
        if (k == m)
            return i;
    }
    return n;
}

/* Open-element counts per tag name (its first NAME_MAX characters): an open-addressing table; the first
 * NAMES_OWN distinct names get a count of their own, later ones share one. */
#define NAMES_OWN 511
#define TABLE 1024
typedef struct {
    char keys[TABLE][NAME_MAX + 1];
    unsigned char taken[TABLE];
    long counts[TABLE];
    long shared;
    int used;
} names_t;

static long *slot(names_t *t, const char *name, Py_ssize_t len) {
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t k = 0; k < len; k++)
        h = (h ^ (unsigned char)name[k]) * 1099511628211ULL;
    for (size_t at = (size_t)(h % TABLE);; at = (at + 1) % TABLE) {
        if (!t->taken[at]) {
            if (t->used == NAMES_OWN)
                return &t->shared;
            t->taken[at] = 1;
            memcpy(t->keys[at], name, (size_t)len);
            t->keys[at][len] = 0;
            t->used++;
            return &t->counts[at];
        }
        if ((Py_ssize_t)strlen(t->keys[at]) == len && memcmp(t->keys[at], name, (size_t)len) == 0)
            return &t->counts[at];
    }
}

/* scan_tags(html, limit) -> (depth, attributes, markers), reading the tags left to right:
 * - a tag is '<', an optional '/', a letter, letters and digits (its name), anything up to the next '>';
 * - comments (<!-- ... -->) and the content of raw-text elements (script, style...) are skipped;
 * - a start tag of a non-flat element opens one level; an end tag closes one only when an element of
 *   its name is open (stray end tags change nothing);
 * - `attributes`: the most attribute-like tokens in a tag: a character that is not a space, '/' or a quote
 *   after a space, outside quoted values;
 * - `markers`: the characters in U+FDD0..U+FDEF (dom's region markers) anywhere in the text.
 * Stops reading tags once the depth passes limit (limit < 0: no limit). */
static PyObject *scan_tags(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "Un", &text, &limit))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    names_t *open = PyMem_Calloc(1, sizeof(names_t));
    if (open == NULL)
        return PyErr_NoMemory();
    Py_ssize_t markers = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_UCS4 m = PyUnicode_READ(kind, data, k);
        markers += m >= MARK_BASE && m <= MARK_LAST;
    }
    Py_ssize_t depth = 0, deepest = 0, most = 0, i = 0;
    char name[NAME_MAX + 1];
    while (i < n) {
        if (PyUnicode_READ(kind, data, i) != '<') {
            i++;
            continue;
        }
        if (i + 3 < n && PyUnicode_READ(kind, data, i + 1) == '!' && PyUnicode_READ(kind, data, i + 2) == '-' &&
            PyUnicode_READ(kind, data, i + 3) == '-') {
            Py_ssize_t end = find_ci(kind, data, n, i + 4, "-->");
            i = end + 3;
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
        Py_ssize_t start = j, len = 0, tokens = 0;
        while (j < n && is_alnum(PyUnicode_READ(kind, data, j))) {
            if (len < NAME_MAX)
                name[len] = (char)lower(PyUnicode_READ(kind, data, j));
            len++;
            j++;
        }
        int space = 1;
        Py_UCS4 c, quote = 0;
        while (j < n && (c = PyUnicode_READ(kind, data, j)) != '>') {
            if (quote) {
                if (c == quote)
                    quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
                space = 0;
            } else if (is_space(c)) {
                space = 1;
            } else {
                tokens += space && c != '/';
                space = 0;
            }
            j++;
        }
        if (j >= n)
            break; /* no '>' left: no later '<' can match either */
        if (tokens > most)
            most = tokens;
        int self_closing = PyUnicode_READ(kind, data, j - 1) == '/' && j - 1 >= start + len;
        i = j + 1;
        Py_ssize_t key = len < NAME_MAX ? len : NAME_MAX;
        if (!closing && !self_closing && len <= NAME_MAX && in_list(RAW, name, len)) {
            char needle[NAME_MAX + 3] = "</";
            memcpy(needle + 2, name, (size_t)len);
            needle[len + 2] = 0;
            i = find_ci(kind, data, n, i, needle); /* its end tag is read as a stray one */
            continue;
        }
        if (self_closing || (len <= NAME_MAX && in_list(FLAT, name, len)))
            continue;
        long *count = slot(open, name, key);
        if (closing) {
            if (*count) {
                (*count)--;
                depth--;
            }
            continue;
        }
        (*count)++;
        depth++;
        if (depth > deepest) {
            deepest = depth;
            if (limit >= 0 && deepest > limit)
                break;
        }
    }
    PyMem_Free(open);
    return Py_BuildValue("(nnn)", deepest, most, markers);
}

static PyMethodDef methods[] = {
    {"scan_tags", scan_tags, METH_VARARGS,
     "scan_tags(html, limit) -> (deepest nesting, most attributes in a tag, markers); limit < 0: none"},
    {"read_markers", read_markers, METH_VARARGS,
     "read_markers(text, n_regions) -> (text without markers, float32 rows as a bytearray)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_regions", NULL, -1, methods};

PyMODINIT_FUNC PyInit__regions(void) { return PyModule_Create(&module); }
