/* One pass over a page's lines for the line features (websieve.steps.clean.features), and the split of a
 * page into its non-blank lines.
 *
 * `features._text_rows_chunk` needs, for every line, counts of character classes, its words, its first
 * and last characters, and two "blanked" copies of the page (words only, letters only). In numpy that is
 * some twenty passes over the page's code points plus a Python loop or two per line; here it is one loop
 * in C. `features._scan_numpy` computes the same thing with numpy and is the reference: the tests compare
 * the two on real pages, and websieve falls back to it where this extension was not built.
 *
 * scan(lines, table, sample, astral) -> (counts: bytes, words: str, letters: str)
 *   lines   list of str, each non-empty (stripped lines)
 *   table   bytes of 65536 class bits, one per BMP code point (features._bmp_classes)
 *   sample  counts of a line are taken from its first `sample` code points
 *   astral  callable(code point) -> class bits, for code points above U+FFFF
 *   counts  int32, N_COLS per line (see the enum below), native byte order; the flags (underscore,
 *           copyright sign, "." or "@") are read from the sample too
 *   words   the sampled lines joined by a space, every non-word character a space
 *   letters the sampled lines joined by "\n", every non-letter character a space
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* class bits: the same values as features._C_* */
enum { C_WORD = 1, C_UPPER = 2, C_DIGIT = 4, C_SENT = 8, C_SEP = 16, C_COMMA = 32, C_LETTER = 64 };

/* the columns of `counts`: the same order as features._SCAN_COLUMNS */
enum {
    K_WORD_CHARS, K_UPPER, K_DIGIT, K_SENT, K_SEP, K_COMMA, K_WORDS, K_TITLE,
    K_FIRST_CLS, K_LAST_CLS, K_LAST_CP, K_FIRST_NOT_ALNUM, K_FIRST_UPPER, K_UNDERSCORE, K_COPYRIGHT,
    K_DOT_OR_AT, N_COLS
};

static int is_closer(Py_UCS4 c) {
    /* features._CLOSERS: "'”’»)]* */
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == 0xBB || c == ')' || c == ']' ||
           c == '*';
}

static int class_of(Py_UCS4 c, const uint8_t *table, PyObject *astral, PyObject *cache) {
    if (c <= 0xFFFF) return table[c];
    PyObject *key = PyLong_FromUnsignedLong(c);
    if (key == NULL) return -1;
    PyObject *hit = PyDict_GetItemWithError(cache, key); /* borrowed */
    long bits;
    if (hit != NULL) {
        bits = PyLong_AsLong(hit);
    } else if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    } else {
        PyObject *res = PyObject_CallOneArg(astral, key);
        if (res == NULL) {
            Py_DECREF(key);
            return -1;
        }
        bits = PyLong_AsLong(res);
        if (!(bits == -1 && PyErr_Occurred()) && PyDict_SetItem(cache, key, res) < 0) bits = -1;
        Py_DECREF(res);
    }
    Py_DECREF(key);
    if (bits == -1 && PyErr_Occurred()) return -1;
    return (int)(bits & 0xFF);
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *lines, *astral;
    Py_buffer table;
    Py_ssize_t sample;
    if (!PyArg_ParseTuple(args, "O!y*nO:scan", &PyList_Type, &lines, &table, &sample, &astral)) return NULL;
    PyObject *cache = NULL, *counts = NULL, *words = NULL, *letters = NULL;
    Py_UCS4 *wbuf = NULL, *lbuf = NULL;
    /* a tuple of the lines: `astral` runs Python code, which must not be able to change them under us */
    lines = PySequence_Tuple(lines);
    if (lines == NULL) {
        PyBuffer_Release(&table);
        return NULL;
    }
    if (table.len != 65536) {
        PyErr_SetString(PyExc_ValueError, "scan: the class table must have 65536 entries");
        goto fail;
    }
    if (sample < 1) {
        PyErr_SetString(PyExc_ValueError, "scan: sample must be at least 1");
        goto fail;
    }
    const uint8_t *tab = (const uint8_t *)table.buf;
    Py_ssize_t n = PyTuple_GET_SIZE(lines);
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyTuple_GET_ITEM(lines, i);
        if (!PyUnicode_Check(s) || PyUnicode_GET_LENGTH(s) == 0) {
            PyErr_SetString(PyExc_TypeError, "scan: lines must be non-empty str");
            goto fail;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        total += (len < sample ? len : sample) + 1;
    }
    if (n) total -= 1; /* separators between lines */
    cache = PyDict_New();
    counts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(int32_t) * N_COLS * n);
    wbuf = PyMem_Malloc(sizeof(Py_UCS4) * (total + 1));
    lbuf = PyMem_Malloc(sizeof(Py_UCS4) * (total + 1));
    if (cache == NULL || counts == NULL || wbuf == NULL || lbuf == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
    }
    int32_t *out = (int32_t *)PyBytes_AS_STRING(counts);
    memset(out, 0, sizeof(int32_t) * N_COLS * n);
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyTuple_GET_ITEM(lines, i);
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        Py_ssize_t m = len < sample ? len : sample;
        int32_t *row = out + (Py_ssize_t)N_COLS * i;
        if (i) {
            wbuf[at] = ' ';
            lbuf[at] = '\n';
            at++;
        }
        int in_word = 0, title_first = 0, uppers = 0;
        for (Py_ssize_t j = 0; j < m; j++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, j);
            int cls = class_of(c, tab, astral, cache);
            if (cls < 0) goto fail;
            if (j == 0) row[K_FIRST_CLS] = cls;
            if (cls & C_WORD) {
                row[K_WORD_CHARS]++;
                if (!in_word) {
                    in_word = 1;
                    row[K_WORDS]++;
                    title_first = (cls & C_UPPER) != 0;
                    uppers = 0;
                }
                if (cls & C_UPPER) uppers++;
                wbuf[at] = c;
            } else {
                if (in_word && title_first && uppers == 1) row[K_TITLE]++;
                in_word = 0;
                wbuf[at] = ' ';
            }
            if (cls & C_UPPER) row[K_UPPER]++;
            if (cls & C_DIGIT) row[K_DIGIT]++;
            if (cls & C_SENT) row[K_SENT]++;
            if (cls & C_SEP) row[K_SEP]++;
            if (cls & C_COMMA) row[K_COMMA]++;
            lbuf[at] = (cls & C_LETTER) ? c : ' ';
            at++;
            if (c < 0x80 ? (c == '_' || c == '.' || c == '@') : c == 0xA9) {
                if (c == '_') row[K_UNDERSCORE] = 1;
                else if (c == 0xA9) row[K_COPYRIGHT] = 1;
                else row[K_DOT_OR_AT] = 1;
            }
        }
        if (in_word && title_first && uppers == 1) row[K_TITLE]++;
        /* the first and last characters of the line as given (features fixes the last one of a line it
         * sampled: the sample's is not the line's) */
        Py_UCS4 first = PyUnicode_READ(kind, data, 0);
        row[K_FIRST_NOT_ALNUM] = !Py_UNICODE_ISALNUM(first);
        row[K_FIRST_UPPER] = Py_UNICODE_ISUPPER(first) != 0;
        Py_ssize_t end = len;
        while (end > 0 && is_closer(PyUnicode_READ(kind, data, end - 1))) end--;
        Py_UCS4 last = PyUnicode_READ(kind, data, (end ? end : len) - 1);
        int last_cls = class_of(last, tab, astral, cache);
        if (last_cls < 0) goto fail;
        row[K_LAST_CLS] = last_cls;
        row[K_LAST_CP] = (int32_t)last;
    }
    words = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, wbuf, at);
    letters = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, lbuf, at);
    if (words == NULL || letters == NULL) goto fail;
    PyMem_Free(wbuf);
    PyMem_Free(lbuf);
    Py_DECREF(cache);
    Py_DECREF(lines);
    PyBuffer_Release(&table);
    return Py_BuildValue("(NNN)", counts, words, letters);

fail:
    PyMem_Free(wbuf);
    PyMem_Free(lbuf);
    Py_XDECREF(cache);
    Py_XDECREF(counts);
    Py_XDECREF(words);
    Py_XDECREF(letters);
    Py_DECREF(lines);
    PyBuffer_Release(&table);
    return NULL;
}

/* split(text, line_type) -> list of line_type(text, line_no, block_start, stripped): the non-blank lines
 * of `text` (split at "\n"; blank: nothing left once str.strip() has run), as features.split_lines
 * builds them. `line_type` is a tuple subclass of four fields (features.Line). */
static PyObject *split(PyObject *self, PyObject *args) {
    PyObject *text;
    PyTypeObject *line_type;
    if (!PyArg_ParseTuple(args, "UO!:split", &text, &PyType_Type, &line_type)) return NULL;
    if (!PyType_IsSubtype(line_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "split: line_type must be a tuple subclass");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    Py_ssize_t start = 0, line_no = 0;
    int blank = 1;
    while (start <= len) {
        Py_ssize_t end = start;
        while (end < len && PyUnicode_READ(kind, data, end) != '\n') end++;
        Py_ssize_t a = start, b = end;
        while (a < b && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) a++;
        while (b > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1))) b--;
        if (a < b) {
            PyObject *raw = PyUnicode_Substring(text, start, end);
            PyObject *stripped = NULL;
            if (raw != NULL) {
                if (a == start && b == end) {
                    stripped = Py_NewRef(raw);
                } else {
                    stripped = PyUnicode_Substring(text, a, b);
                }
            }
            PyObject *no = PyLong_FromSsize_t(line_no);
            PyObject *line = line_type->tp_alloc(line_type, 4);
            if (raw == NULL || stripped == NULL || no == NULL || line == NULL) {
                Py_XDECREF(raw);
                Py_XDECREF(stripped);
                Py_XDECREF(no);
                Py_XDECREF(line);
                Py_DECREF(out);
                return NULL;
            }
            PyTuple_SET_ITEM(line, 0, raw);
            PyTuple_SET_ITEM(line, 1, no);
            PyTuple_SET_ITEM(line, 2, Py_NewRef(blank ? Py_True : Py_False));
            PyTuple_SET_ITEM(line, 3, stripped);
            int failed = PyList_Append(out, line);
            Py_DECREF(line);
            if (failed) {
                Py_DECREF(out);
                return NULL;
            }
            blank = 0;
        } else {
            blank = 1;
        }
        start = end + 1;
        line_no++;
    }
    return out;
}

/* FNV-1a, 64 bits, one step per code point: features._word_hash computes the same in Python */
static uint64_t word_hash(int kind, const void *data, Py_ssize_t a, Py_ssize_t b) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t j = a; j < b; j++) {
        h ^= (uint64_t)PyUnicode_READ(kind, data, j);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* an open-addressing set of word hashes (features._stop_hashes): a power-of-two number of slots, linear
 * probing from hash & (slots - 1), 0 for an empty slot */
static int table_contains(const uint64_t *table, Py_ssize_t slots, uint64_t h) {
    Py_ssize_t mask = slots - 1;
    for (Py_ssize_t i = (Py_ssize_t)(h & (uint64_t)mask);; i = (i + 1) & mask) {
        if (table[i] == h) return 1;
        if (table[i] == 0) return 0;
    }
}

/* the next run of non-whitespace characters (what str.split() yields) in [*j, end): its start, with *j
 * moved to its end; *j == the start when there is none left */
static Py_ssize_t next_run(int kind, const void *data, Py_ssize_t *j, Py_ssize_t end) {
    while (*j < end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, *j))) (*j)++;
    Py_ssize_t a = *j;
    while (*j < end && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, *j))) (*j)++;
    return a;
}

static int valid_table(Py_buffer *b) {
    Py_ssize_t slots = b->len / 8;
    return b->len % 8 == 0 && slots > 0 && (slots & (slots - 1)) == 0;
}

/* words(low_words, low_letters, lines, stops, label_limit, short_limit, firsts, cues, slug, wanted)
 *   -> (stop_counts: bytes, slug_hits: bytes, candidates: bytes, labels: list)
 *   low_words, low_letters  scan()'s two blanked texts, lower-cased, of the same length as before
 *   lines                   the lines given to scan() (their lengths place them in the texts)
 *   stops, firsts, cues     word-hash sets (features._hash_set): the stop words, the first words of the
 *                           interface phrases, the interface cue words
 *   label_limit             only lines shorter than this are read letter run by letter run
 *   short_limit             only lines shorter than this can be interface candidates
 *   slug                    the hashes of the URL slug's words, at most 64, as plain uint64
 *   wanted                  one byte per line: 1 to get its letter runs even if it is no candidate
 *   stop_counts             int32 per line: its words (runs between whitespace) that are stop words
 *   slug_hits               int32 per line: how many distinct slug words are among its letter runs
 *   candidates              uint8 per line: a short line whose first letter run is in firsts or one of
 *                           whose runs is in cues (vocab.ui_candidate)
 *   labels                  per line: its letter runs (what str.split() gives on its segment of
 *                           low_letters) for candidates and wanted lines shorter than label_limit, [] else */
static PyObject *words(PyObject *self, PyObject *args) {
    PyObject *low_words, *low_letters, *lines;
    Py_buffer stops, firsts, cues, slug, wanted;
    Py_ssize_t label_limit, short_limit;
    if (!PyArg_ParseTuple(args, "UUO!y*nny*y*y*y*:words", &low_words, &low_letters, &PyList_Type, &lines,
                          &stops, &label_limit, &short_limit, &firsts, &cues, &slug, &wanted))
        return NULL;
    PyObject *counts = NULL, *slug_hits = NULL, *candidates = NULL, *labels = NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    Py_ssize_t total = PyUnicode_GET_LENGTH(low_words);
    if (PyUnicode_GET_LENGTH(low_letters) != total) {
        PyErr_SetString(PyExc_ValueError, "words: texts of different lengths");
        goto fail;
    }
    if (!valid_table(&stops) || !valid_table(&firsts) || !valid_table(&cues)) {
        PyErr_SetString(PyExc_ValueError, "words: a bad hash table (a power of two of uint64 slots)");
        goto fail;
    }
    if (slug.len % 8 || slug.len > 64 * 8 || wanted.len != n) {
        PyErr_SetString(PyExc_ValueError, "words: at most 64 slug hashes, and one wanted byte per line");
        goto fail;
    }
    const uint64_t *stop_t = stops.buf, *first_t = firsts.buf, *cue_t = cues.buf, *slug_h = slug.buf;
    Py_ssize_t stop_n = stops.len / 8, first_n = firsts.len / 8, cue_n = cues.len / 8, slug_n = slug.len / 8;
    const uint8_t *want = wanted.buf;
    counts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(int32_t) * n);
    slug_hits = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(int32_t) * n);
    candidates = PyBytes_FromStringAndSize(NULL, n);
    labels = PyList_New(n);
    if (counts == NULL || slug_hits == NULL || candidates == NULL || labels == NULL) goto fail;
    int32_t *out = (int32_t *)PyBytes_AS_STRING(counts);
    int32_t *hits_out = (int32_t *)PyBytes_AS_STRING(slug_hits);
    uint8_t *cand_out = (uint8_t *)PyBytes_AS_STRING(candidates);
    int wk = PyUnicode_KIND(low_words), lk = PyUnicode_KIND(low_letters);
    const void *wd = PyUnicode_DATA(low_words), *ld = PyUnicode_DATA(low_letters);
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(s)) {
            PyErr_SetString(PyExc_TypeError, "words: lines must be str");
            goto fail;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        if (at + len > total) {
            PyErr_SetString(PyExc_ValueError, "words: the lines are longer than the texts");
            goto fail;
        }
        int32_t hits = 0;
        Py_ssize_t j = at, end = at + len;
        while (j < end) {
            Py_ssize_t a = next_run(wk, wd, &j, end);
            if (j > a && table_contains(stop_t, stop_n, word_hash(wk, wd, a, j))) hits++;
        }
        out[i] = hits;
        uint64_t seen = 0; /* the slug words found, one bit each */
        int candidate = 0, first_run = 1;
        if (len < label_limit) {
            j = at;
            while (j < end) {
                Py_ssize_t a = next_run(lk, ld, &j, end);
                if (j == a) continue;
                uint64_t h = word_hash(lk, ld, a, j);
                for (Py_ssize_t k = 0; k < slug_n; k++)
                    if (slug_h[k] == h) seen |= (uint64_t)1 << k;
                if (len < short_limit && !candidate)
                    candidate = (first_run && table_contains(first_t, first_n, h)) ||
                                table_contains(cue_t, cue_n, h);
                first_run = 0;
            }
        }
        int32_t distinct = 0;
        for (; seen; seen &= seen - 1) distinct++;
        hits_out[i] = distinct;
        cand_out[i] = (uint8_t)candidate;
        PyObject *runs = PyList_New(0);
        if (runs == NULL) goto fail;
        PyList_SET_ITEM(labels, i, runs);
        if (len < label_limit && (candidate || want[i])) {
            j = at;
            while (j < end) {
                Py_ssize_t a = next_run(lk, ld, &j, end);
                if (j > a) {
                    PyObject *w = PyUnicode_Substring(low_letters, a, j);
                    if (w == NULL || PyList_Append(runs, w) < 0) {
                        Py_XDECREF(w);
                        goto fail;
                    }
                    Py_DECREF(w);
                }
            }
        }
        at = end + 1; /* the separator */
    }
    PyBuffer_Release(&stops);
    PyBuffer_Release(&firsts);
    PyBuffer_Release(&cues);
    PyBuffer_Release(&slug);
    PyBuffer_Release(&wanted);
    return Py_BuildValue("(NNNN)", counts, slug_hits, candidates, labels);

fail:
    Py_XDECREF(counts);
    Py_XDECREF(slug_hits);
    Py_XDECREF(candidates);
    Py_XDECREF(labels);
    PyBuffer_Release(&stops);
    PyBuffer_Release(&firsts);
    PyBuffer_Release(&cues);
    PyBuffer_Release(&slug);
    PyBuffer_Release(&wanted);
    return NULL;
}

/* context(q, n, k) -> bytes: features.context_features of the first-pass scores q (float32, n lines by
 * k models, row-major) as float32 (k, n, 16), with the same arithmetic (window means and score mass
 * from running sums in double, ranks from a stable sort), so the two agree to the bit. */
typedef struct {
    float v;
    Py_ssize_t i;
} scored;

static int by_score_desc(const void *a, const void *b) {
    const scored *x = a, *y = b;
    if (x->v > y->v) return -1;
    if (x->v < y->v) return 1;
    return (x->i > y->i) - (x->i < y->i); /* ties in page order: a stable sort of -q */
}

static PyObject *context(PyObject *self, PyObject *args) {
    Py_buffer qb;
    Py_ssize_t n, k;
    if (!PyArg_ParseTuple(args, "y*nn:context", &qb, &n, &k)) return NULL;
    PyObject *res = NULL;
    double *csum = NULL;
    scored *order = NULL;
    if (n < 1 || k < 1 || qb.len != (Py_ssize_t)sizeof(float) * n * k) {
        PyErr_SetString(PyExc_ValueError, "context: q must hold n * k float32 scores");
        goto done;
    }
    const float *q = qb.buf;
    res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(float) * k * n * 16);
    csum = PyMem_Malloc(sizeof(double) * (n + 1));
    order = PyMem_Malloc(sizeof(scored) * n);
    if (res == NULL || csum == NULL || order == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        Py_CLEAR(res);
        goto done;
    }
    float *out = (float *)PyBytes_AS_STRING(res);
    static const Py_ssize_t widths[4] = {2, 5, 10, 20};
    static const int width_col[4] = {7, 8, 9, 13};
    for (Py_ssize_t m = 0; m < k; m++) {
#define Q(i) q[(i) * k + m]
        float *o = out + m * n * 16;
        csum[0] = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) csum[i + 1] = csum[i] + (double)Q(i);
        double total = csum[n] == 0.0 ? 1.0 : csum[n];
        for (Py_ssize_t i = 0; i < n; i++) {
            float *row = o + i * 16;
            row[0] = Q(i);
            row[1] = i >= 1 ? Q(i - 1) : 0.0f;
            row[2] = i + 1 < n ? Q(i + 1) : 0.0f;
            row[3] = i >= 2 ? Q(i - 2) : 0.0f;
            row[4] = i + 2 < n ? Q(i + 2) : 0.0f;
            row[5] = i >= 3 ? Q(i - 3) : 0.0f;
            row[6] = i + 3 < n ? Q(i + 3) : 0.0f;
            for (int w = 0; w < 4; w++) {
                Py_ssize_t lo = i - widths[w] < 0 ? 0 : i - widths[w];
                Py_ssize_t hi = i + widths[w] + 1 > n ? n : i + widths[w] + 1;
                row[width_col[w]] = (float)((csum[hi] - csum[lo]) / (double)(hi - lo));
            }
            row[12] = (float)((csum[i + 1] - (double)Q(i)) / total);
        }
        float best = 0.0f;
        for (Py_ssize_t i = 0; i < n; i++) { /* the best score before each line (0 before the first) */
            o[i * 16 + 10] = best;
            if (i == 0 || Q(i) > best) best = Q(i);
        }
        best = 0.0f;
        for (Py_ssize_t i = n - 1; i >= 0; i--) { /* and after it */
            o[i * 16 + 11] = best;
            if (i == n - 1 || Q(i) > best) best = Q(i);
        }
        for (Py_ssize_t i = 0; i < n;) { /* runs of lines scored 0.5 or more */
            if (!(Q(i) >= 0.5f)) {
                o[i * 16 + 14] = 0.0f;
                i++;
                continue;
            }
            Py_ssize_t j = i;
            while (j < n && Q(j) >= 0.5f) j++;
            float len = (float)log1p((double)(j - i));
            for (; i < j; i++) o[i * 16 + 14] = len;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            order[i].v = Q(i);
            order[i].i = i;
        }
        qsort(order, (size_t)n, sizeof(scored), by_score_desc);
        double denom = n - 1 > 1 ? (double)(n - 1) : 1.0;
        for (Py_ssize_t r = 0; r < n; r++) o[order[r].i * 16 + 15] = (float)((double)r / denom);
#undef Q
    }
done:
    PyMem_Free(csum);
    PyMem_Free(order);
    PyBuffer_Release(&qb);
    return res;
}

static PyMethodDef methods[] = {
    {"context", context, METH_VARARGS,
     "context(q, n, k) -> float32 bytes (k, n, 16): features.context_features of the scores q (float32, "
     "n lines by k models)."},
    {"words", words, METH_VARARGS,
     "words(low_words, low_letters, lines, stops, label_limit, short_limit, firsts, cues, slug, wanted) -> "
     "(stop_counts, slug_hits, candidates, labels): per line, from scan()'s texts lower-cased."},
    {"split", split, METH_VARARGS,
     "split(text, line_type) -> the non-blank lines of text as line_type(text, line_no, block_start, "
     "stripped) (see features.split_lines)."},
    {"scan", scan, METH_VARARGS,
     "scan(lines, table, sample, astral) -> (counts, words, letters): per-line character counts and the "
     "blanked texts the line features need (see features._scan_numpy, the reference)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_linescan", "Per-line character counts for the line features, in one pass.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__linescan(void) { return PyModule_Create(&module); }
