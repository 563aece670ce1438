/* The two n-gram counts of Gopher's repetition rules (websieve.steps.quality.gopher_repetition), each in
 * one pass with a hash table instead of numpy sorts.
 *
 * An n-gram is given by its 64-bit key (equal n-grams, equal keys: NGrams.keys) and its characters
 * without separators. `NGrams.top_chars` and `NGrams.repeated_chars` compute the same with numpy and are
 * the reference: the tests compare the two, and websieve falls back to them where this was not built.
 *
 * top_chars(keys, chars, n) -> int
 *   (characters of the most frequent n-gram + n - 1 separators) * its count; among equally frequent
 *   n-grams, the first to occur; 0 without n-grams.
 * repeated_chars(keys, chars, n) -> int
 *   datatrove's walk (find_all_duplicate): read the n-grams left to right; one whose key was read before
 *   adds its characters and is jumped over with the n - 1 n-grams that overlap it (``jump`` = n); any
 *   other is read.
 *   keys, chars: buffers of 8-byte items (numpy uint64 and int64), the same length.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t *keys;
    Py_ssize_t *first; /* where the key first occurs; -1: empty slot */
    Py_ssize_t *count;
    size_t mask;
} table_t;

static uint64_t mix(uint64_t x) { /* splitmix64's finaliser: keys are polynomials of small ids */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int table_init(table_t *t, Py_ssize_t items) {
    size_t size = 16;
    while (size < (size_t)items * 2) size <<= 1;
    t->mask = size - 1;
    t->keys = PyMem_Malloc(size * sizeof(uint64_t));
    t->first = PyMem_Malloc(size * sizeof(Py_ssize_t));
    t->count = PyMem_Malloc(size * sizeof(Py_ssize_t));
    if (t->keys == NULL || t->first == NULL || t->count == NULL) {
        PyMem_Free(t->keys);
        PyMem_Free(t->first);
        PyMem_Free(t->count);
        PyErr_NoMemory();
        return -1;
    }
    memset(t->first, 0xff, size * sizeof(Py_ssize_t)); /* -1 everywhere */
    return 0;
}

static void table_free(table_t *t) {
    PyMem_Free(t->keys);
    PyMem_Free(t->first);
    PyMem_Free(t->count);
}

/* the slot of `key`: where it is, or the empty slot where it goes */
static size_t table_slot(const table_t *t, uint64_t key) {
    size_t at = mix(key) & t->mask;
    while (t->first[at] >= 0 && t->keys[at] != key) at = (at + 1) & t->mask;
    return at;
}

/* the arguments (keys, chars, n) of both functions: keys and chars as two 8-byte buffers of one length,
 * and a table for their m items when m > 0; 0 on success (release with args_free) */
typedef struct {
    Py_buffer kb, cb;
    const uint64_t *keys;
    const int64_t *chars;
    Py_ssize_t m, n;
    table_t table;
} args_t;

static int args_get(PyObject *args, args_t *a) {
    PyObject *keys_obj, *chars_obj;
    if (!PyArg_ParseTuple(args, "OOn", &keys_obj, &chars_obj, &a->n)) return -1;
    if (PyObject_GetBuffer(keys_obj, &a->kb, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (PyObject_GetBuffer(chars_obj, &a->cb, PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&a->kb);
        return -1;
    }
    if (a->kb.itemsize != 8 || a->cb.itemsize != 8 || a->kb.len != a->cb.len) {
        PyErr_SetString(PyExc_ValueError, "keys and chars must be 8-byte arrays of the same length");
    } else {
        a->keys = a->kb.buf;
        a->chars = a->cb.buf;
        a->m = a->kb.len / 8;
        if (a->m == 0 || table_init(&a->table, a->m) == 0) return 0;
    }
    PyBuffer_Release(&a->kb);
    PyBuffer_Release(&a->cb);
    return -1;
}

static void args_free(args_t *a) {
    if (a->m > 0) table_free(&a->table);
    PyBuffer_Release(&a->kb);
    PyBuffer_Release(&a->cb);
}

static PyObject *top_chars(PyObject *self, PyObject *args) {
    (void)self;
    args_t a;
    if (args_get(args, &a) < 0) return NULL;
    long long result = 0;
    if (a.m > 0) {
        table_t *t = &a.table;
        Py_ssize_t best = 0, best_first = 0;
        for (Py_ssize_t i = 0; i < a.m; i++) {
            size_t at = table_slot(t, a.keys[i]);
            if (t->first[at] < 0) {
                t->keys[at] = a.keys[i];
                t->first[at] = i;
                t->count[at] = 0;
            }
            Py_ssize_t c = ++t->count[at];
            /* the most frequent; among equals, the one that occurred first */
            if (c > best || (c == best && t->first[at] < best_first)) {
                best = c;
                best_first = t->first[at];
            }
        }
        result = ((long long)a.chars[best_first] + a.n - 1) * best;
    }
    args_free(&a);
    return PyLong_FromLongLong(result);
}

static PyObject *repeated_chars(PyObject *self, PyObject *args) {
    (void)self;
    args_t a;
    if (args_get(args, &a) < 0) return NULL;
    long long total = 0;
    Py_ssize_t i = 0, jump = a.n > 0 ? a.n : 1;
    while (i < a.m) {
        table_t *t = &a.table;
        size_t at = table_slot(t, a.keys[i]);
        if (t->first[at] >= 0) { /* read before: a repeat */
            total += a.chars[i];
            i += jump;
        } else {
            t->keys[at] = a.keys[i];
            t->first[at] = i;
            i++;
        }
    }
    args_free(&a);
    return PyLong_FromLongLong(total);
}

static PyMethodDef methods[] = {
    {"top_chars", top_chars, METH_VARARGS, "top_chars(keys, chars, n) -> int (see _ngrams.c)"},
    {"repeated_chars", repeated_chars, METH_VARARGS, "repeated_chars(keys, chars, n) -> int (see _ngrams.c)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ngrams", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ngrams(void) { return PyModule_Create(&module); }
