/* MinHash signatures and LSH band keys of texts, in one pass over each text's code points
 * (websieve.steps.dedup.signature).
 *
 * The module docstring of signature.py defines the words, the hashes and the permutations; its Python
 * twin (`signature._fast_words`, `_py_signature`, `_py_band_keys`) computes the same and is the
 * reference: the tests compare the two to the bit, and websieve falls back to it where this extension was
 * not built. The text is read from the str's own buffer (1, 2 or 4 bytes per code point): no word or
 * shingle becomes a Python object.
 *
 * hash_texts(texts, table, a, b, n, rows, out, valid) -> None
 *   texts  list of str: each is split into words (signature.py: "Words")
 *   table  bytes-like of 0x110000 classes, one per code point (signature._classes: SEP, WORD, DIGIT,
 *          MARK, SOLO below)
 *   a, b   the permutations: two uint64 buffers of K = bands * rows values, each in [0, 2^61 - 1)
 *   n      words per shingle, 1..MAX_N
 *   rows   0: write the K signature values of each text; else the K / rows band keys of each text
 *   out    writable uint64 buffer: len(texts) * K (rows = 0) or len(texts) * (K / rows) values
 *   valid  writable buffer of len(texts) bytes: 1 where the text has a word, else 0 (its row of `out` is 0)
 * hash_tokens(token_lists, table, a, b, n, rows, out, valid) -> None
 *   the same for texts already split into words by a segmenter: each token is one word once its SEP
 *   characters are removed (a token with nothing left is no word).
 *
 * hash_texts releases the GIL while it hashes; hash_tokens keeps it (its input is Python lists).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 32
#define N_CODE_POINTS 0x110000
#define P61 0x1FFFFFFFFFFFFFFFULL /* 2^61 - 1 */

/* the classes of signature._classes */
enum { SEP = 0, WORD = 1, DIGIT = 2, MARK = 3, SOLO = 4 };

/* the constants of signature.py's hashes */
#define WORD_SEED 0x243F6A8885A308D3ULL
#define WORD_MUL 0x9E3779B97F4A7C15ULL
#define SHINGLE_SEED 0x13198A2E03707344ULL
#define BAND_SEED 0xA4093822299F31D0ULL

static inline uint64_t fmix(uint64_t x) { /* splitmix64's finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t word_step(uint64_t h, uint32_t cp) {
    h = (h ^ cp) * WORD_MUL;
    return (h << 29) | (h >> 35);
}

static inline uint32_t fold(uint32_t cp, int cls) {
    if (cls == DIGIT) return '0';
    if (cp < 128) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return (uint32_t)Py_UNICODE_TOLOWER((Py_UCS4)cp);
}

typedef struct {
    const uint8_t *table;
    const uint64_t *a, *b;
    Py_ssize_t k, n;
    uint64_t *sig;          /* k running minima */
    uint64_t ring[2 * MAX_N]; /* the last n word hashes, twice: ring[pos..pos + n) oldest first */
    Py_ssize_t pos;           /* where the next word goes */
    Py_ssize_t words;         /* words seen */
    uint64_t mul[MAX_N];      /* the multiplier of each position of a shingle */
} hasher_t;

static void begin(hasher_t *h) {
    h->words = 0;
    h->pos = 0;
    for (Py_ssize_t i = 0; i < h->k; i++) h->sig[i] = P61; /* above every value */
}

/* The permutations of one shingle x (< P) into the k running minima: sig[i] = min(sig[i], (a[i] x + b[i]) mod P).
 * Three versions of the same arithmetic: 128-bit products (any compiler with __uint128_t), and, where the
 * CPU has them (checked once, at import), AVX2 and AVX-512 with 32 x 32 -> 64-bit products: with
 * a = ah 2^32 + al and x = xh 2^32 + xl (ah, xh < 2^29), a x = ah xh 2^64 + (ah xl + al xh) 2^32 + al xl,
 * and mod P = 2^61 - 1, 2^64 = 8 and mid 2^32 = (mid >> 29) + ((mid mod 2^29) << 32); the sum of the parts
 * and b stays below 2^63, and two folds and a subtraction bring it below P. */
static void update_scalar(uint64_t *sig, const uint64_t *a, const uint64_t *b, Py_ssize_t k, uint64_t x) {
    for (Py_ssize_t i = 0; i < k; i++) {
        __uint128_t y = (__uint128_t)a[i] * x + b[i];
        uint64_t r = ((uint64_t)y & P61) + (uint64_t)(y >> 61);
        r = (r & P61) + (r >> 61);
        if (r >= P61) r -= P61;
        if (r < sig[i]) sig[i] = r;
    }
}

typedef void (*update_t)(uint64_t *, const uint64_t *, const uint64_t *, Py_ssize_t, uint64_t);
static update_t update = update_scalar;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_X86_DISPATCH 1

__attribute__((target("avx2"))) static void update_avx2(uint64_t *sig, const uint64_t *a, const uint64_t *b,
                                                        Py_ssize_t k, uint64_t x) {
    const __m256i xl = _mm256_set1_epi64x((long long)(x & 0xFFFFFFFFULL));
    const __m256i xh = _mm256_set1_epi64x((long long)(x >> 32));
    const __m256i p = _mm256_set1_epi64x((long long)P61);
    const __m256i p_minus_1 = _mm256_set1_epi64x((long long)(P61 - 1));
    Py_ssize_t i = 0;
    for (; i + 4 <= k; i += 4) {
        __m256i va = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i ah = _mm256_srli_epi64(va, 32);
        __m256i hh = _mm256_mul_epu32(ah, xh);
        __m256i mid = _mm256_add_epi64(_mm256_mul_epu32(ah, xl), _mm256_mul_epu32(va, xh));
        __m256i ll = _mm256_mul_epu32(va, xl);
        __m256i t = _mm256_add_epi64(_mm256_slli_epi64(hh, 3), _mm256_srli_epi64(mid, 29));
        t = _mm256_add_epi64(t, _mm256_srli_epi64(_mm256_slli_epi64(mid, 35), 3));
        t = _mm256_add_epi64(t, _mm256_srli_epi64(ll, 61));
        t = _mm256_add_epi64(t, _mm256_and_si256(ll, p));
        t = _mm256_add_epi64(t, _mm256_loadu_si256((const __m256i *)(b + i)));
        __m256i r = _mm256_add_epi64(_mm256_and_si256(t, p), _mm256_srli_epi64(t, 61));
        /* values below 2^63: signed comparisons are unsigned ones */
        r = _mm256_sub_epi64(r, _mm256_and_si256(_mm256_cmpgt_epi64(r, p_minus_1), p));
        __m256i old = _mm256_loadu_si256((const __m256i *)(sig + i));
        _mm256_storeu_si256((__m256i *)(sig + i), _mm256_blendv_epi8(old, r, _mm256_cmpgt_epi64(old, r)));
    }
    update_scalar(sig + i, a + i, b + i, k - i, x);
}

__attribute__((target("avx512f"))) static void update_avx512(uint64_t *sig, const uint64_t *a, const uint64_t *b,
                                                             Py_ssize_t k, uint64_t x) {
    const __m512i xl = _mm512_set1_epi64((long long)(x & 0xFFFFFFFFULL));
    const __m512i xh = _mm512_set1_epi64((long long)(x >> 32));
    const __m512i p = _mm512_set1_epi64((long long)P61);
    Py_ssize_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m512i va = _mm512_loadu_si512((const void *)(a + i));
        __m512i ah = _mm512_srli_epi64(va, 32);
        __m512i hh = _mm512_mul_epu32(ah, xh);
        __m512i mid = _mm512_add_epi64(_mm512_mul_epu32(ah, xl), _mm512_mul_epu32(va, xh));
        __m512i ll = _mm512_mul_epu32(va, xl);
        __m512i t = _mm512_add_epi64(_mm512_slli_epi64(hh, 3), _mm512_srli_epi64(mid, 29));
        t = _mm512_add_epi64(t, _mm512_srli_epi64(_mm512_slli_epi64(mid, 35), 3));
        t = _mm512_add_epi64(t, _mm512_srli_epi64(ll, 61));
        t = _mm512_add_epi64(t, _mm512_and_si512(ll, p));
        t = _mm512_add_epi64(t, _mm512_loadu_si512((const void *)(b + i)));
        __m512i r = _mm512_add_epi64(_mm512_and_si512(t, p), _mm512_srli_epi64(t, 61));
        r = _mm512_min_epu64(r, _mm512_sub_epi64(r, p)); /* r - P wraps around when r < P */
        __m512i old = _mm512_loadu_si512((const void *)(sig + i));
        _mm512_storeu_si512((void *)(sig + i), _mm512_min_epu64(old, r));
    }
    update_scalar(sig + i, a + i, b + i, k - i, x);
}
#endif

/* the fastest version this CPU runs, or the one named ("avx512", "avx2", "scalar"; NULL: the fastest);
 * 0 when the named one cannot run here */
static int choose_update(const char *name) {
    int fastest = name == NULL;
#ifdef HAVE_X86_DISPATCH
    __builtin_cpu_init();
    if ((fastest || strcmp(name, "avx512") == 0) && __builtin_cpu_supports("avx512f")) {
        update = update_avx512;
        return 1;
    }
    if ((fastest || strcmp(name, "avx2") == 0) && __builtin_cpu_supports("avx2")) {
        update = update_avx2;
        return 1;
    }
#endif
    if (fastest || strcmp(name, "scalar") == 0) {
        update = update_scalar;
        return 1;
    }
    return 0;
}

static const char *update_name(void) {
#ifdef HAVE_X86_DISPATCH
    if (update == update_avx512) return "avx512";
    if (update == update_avx2) return "avx2";
#endif
    return "scalar";
}

/* one shingle: its hash mod P through the k permutations, into the minima */
static inline void add_shingle(hasher_t *h, uint64_t s) {
    uint64_t x = (s & P61) + (s >> 61);
    if (x >= P61) x -= P61;
    update(h->sig, h->a, h->b, h->k, x);
}

/* the shingle of the m (<= n, <= words) words that end with the newest one: a sum of products, so that
 * its n multiplications do not wait for each other */
static inline uint64_t shingle_of(const hasher_t *h, Py_ssize_t m) {
    const uint64_t *w = h->ring + h->pos + h->n - m;
    uint64_t s = 0;
    for (Py_ssize_t j = 0; j < m; j++) s += h->mul[j] * w[j];
    return fmix(s);
}

static inline void add_word(hasher_t *h, uint64_t w) {
    h->ring[h->pos] = h->ring[h->pos + h->n] = w;
    h->pos = h->pos + 1 == h->n ? 0 : h->pos + 1;
    h->words++;
    if (h->words >= h->n) add_shingle(h, shingle_of(h, h->n));
}

/* 1 when the text had a word (the minima are its signature), else 0 */
static int finish(hasher_t *h) {
    if (h->words == 0) return 0;
    if (h->words < h->n) add_shingle(h, shingle_of(h, h->words));
    return 1;
}

#define WORD_END(len, hw) fmix((hw) ^ (uint64_t)(len))

enum { OUT, RUN, ALONE }; /* outside a word, in a run of WORD characters, in a SOLO character's word */

/* the words of one text (signature.py: "Words"), for each kind of str buffer */
#define SCAN(NAME, TYPE)                                                                                \
    static void NAME(hasher_t *h, const TYPE *data, Py_ssize_t len) {                                  \
        const uint8_t *table = h->table;                                                                \
        int state = OUT;                                                                                \
        uint64_t hw = 0;                                                                                \
        Py_ssize_t wl = 0;                                                                              \
        for (Py_ssize_t i = 0; i < len; i++) {                                                          \
            uint32_t cp = data[i];                                                                      \
            int cls = table[cp];                                                                        \
            if (cls == SEP) {                                                                           \
                if (state != OUT) add_word(h, WORD_END(wl, hw));                                        \
                state = OUT;                                                                            \
                continue;                                                                               \
            }                                                                                           \
            if (cls == SOLO || (state != RUN && !(cls == MARK && state == ALONE))) {                    \
                if (state != OUT) add_word(h, WORD_END(wl, hw));                                        \
                hw = WORD_SEED;                                                                         \
                wl = 0;                                                                                 \
                state = cls == SOLO ? ALONE : RUN;                                                      \
            }                                                                                           \
            hw = word_step(hw, fold(cp, cls));                                                          \
            wl++;                                                                                       \
        }                                                                                               \
        if (state != OUT) add_word(h, WORD_END(wl, hw));                                                \
    }

SCAN(scan1, Py_UCS1)
SCAN(scan2, Py_UCS2)
SCAN(scan4, Py_UCS4)

/* one token: a word of its non-SEP characters (none: no word) */
static void scan_token(hasher_t *h, PyObject *token) {
    int kind = PyUnicode_KIND(token);
    const void *data = PyUnicode_DATA(token);
    Py_ssize_t len = PyUnicode_GET_LENGTH(token), wl = 0;
    uint64_t hw = WORD_SEED;
    for (Py_ssize_t i = 0; i < len; i++) {
        uint32_t cp = PyUnicode_READ(kind, data, i);
        int cls = h->table[cp];
        if (cls == SEP) continue;
        hw = word_step(hw, fold(cp, cls));
        wl++;
    }
    if (wl > 0) add_word(h, WORD_END(wl, hw));
}

/* the text's row of `out` and its `valid` byte, from the minima */
static void write_row(const hasher_t *h, int ok, Py_ssize_t rows, uint64_t *out, char *valid) {
    *valid = (char)ok;
    if (rows == 0) {
        for (Py_ssize_t i = 0; i < h->k; i++) out[i] = ok ? h->sig[i] : 0;
        return;
    }
    for (Py_ssize_t band = 0; band < h->k / rows; band++) {
        uint64_t key = fmix(BAND_SEED ^ (uint64_t)band);
        for (Py_ssize_t r = 0; r < rows; r++) key = fmix(key ^ h->sig[band * rows + r]);
        out[band] = ok ? key : 0;
    }
}

typedef struct {
    Py_buffer table, a, b, out, valid;
    Py_ssize_t n, rows, count, width;
} call_t;

static void call_free(call_t *c) {
    PyBuffer_Release(&c->table);
    PyBuffer_Release(&c->a);
    PyBuffer_Release(&c->b);
    PyBuffer_Release(&c->out);
    PyBuffer_Release(&c->valid);
}

/* the arguments after the first, checked; 0 on success (release with call_free) */
static int call_get(PyObject *args, const char *format, PyObject **items, call_t *c) {
    if (!PyArg_ParseTuple(args, format, &PyList_Type, items, &c->table, &c->a, &c->b, &c->n, &c->rows,
                          &c->out, &c->valid))
        return -1;
    const char *error = NULL;
    Py_ssize_t k = c->a.len / 8;
    c->count = PyList_GET_SIZE(*items);
    c->width = c->rows > 0 ? k / c->rows : k;
    if (c->table.len != N_CODE_POINTS)
        error = "the class table must have 0x110000 entries";
    else if (k == 0 || c->a.len % 8 != 0 || c->b.len != c->a.len)
        error = "a and b must be uint64 buffers of the same non-zero length";
    else if (c->n < 1 || c->n > MAX_N)
        error = "n must be between 1 and 32";
    else if (c->rows < 0 || (c->rows > 0 && k % c->rows != 0))
        error = "rows must be 0 or divide the number of permutations";
    else if (c->out.len != c->count * c->width * 8)
        error = "out must hold one row of uint64 per text";
    else if (c->valid.len != c->count)
        error = "valid must hold one byte per text";
    if (error == NULL) return 0;
    PyErr_SetString(PyExc_ValueError, error);
    call_free(c);
    return -1;
}

static int hasher_init(hasher_t *h, const call_t *c) {
    h->table = c->table.buf;
    h->a = c->a.buf;
    h->b = c->b.buf;
    h->k = c->a.len / 8;
    h->n = c->n;
    for (Py_ssize_t j = 0; j < MAX_N; j++) h->mul[j] = fmix(SHINGLE_SEED + (uint64_t)j) | 1;
    h->sig = malloc((size_t)h->k * sizeof(uint64_t));
    if (h->sig == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *hash_texts(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *texts;
    call_t c;
    if (call_get(args, "O!y*y*y*nnw*w*:hash_texts", &texts, &c) < 0) return NULL;
    for (Py_ssize_t t = 0; t < c.count; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "hash_texts: texts[%zd] is not a str", t);
            call_free(&c);
            return NULL;
        }
#if PY_VERSION_HEX < 0x030C0000
        /* a string made by the legacy C API is filled in here, with the GIL (a no-op for all others) */
        if (PyUnicode_READY(text) < 0) {
            call_free(&c);
            return NULL;
        }
#endif
    }
    /* a tuple of the texts: they stay alive while the GIL is released, whatever happens to the list */
    PyObject *held = PyList_AsTuple(texts);
    hasher_t h;
    if (held == NULL || hasher_init(&h, &c) < 0) {
        Py_XDECREF(held);
        call_free(&c);
        return NULL;
    }
    uint64_t *out = c.out.buf;
    char *valid = c.valid.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t t = 0; t < c.count; t++) {
        PyObject *text = PyTuple_GET_ITEM(held, t);
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        begin(&h);
        switch (PyUnicode_KIND(text)) {
        case PyUnicode_1BYTE_KIND:
            scan1(&h, PyUnicode_1BYTE_DATA(text), len);
            break;
        case PyUnicode_2BYTE_KIND:
            scan2(&h, PyUnicode_2BYTE_DATA(text), len);
            break;
        default:
            scan4(&h, PyUnicode_4BYTE_DATA(text), len);
        }
        write_row(&h, finish(&h), c.rows, out + t * c.width, valid + t);
    }
    Py_END_ALLOW_THREADS
    free(h.sig);
    Py_DECREF(held);
    call_free(&c);
    Py_RETURN_NONE;
}

static PyObject *hash_tokens(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *lists;
    call_t c;
    if (call_get(args, "O!y*y*y*nnw*w*:hash_tokens", &lists, &c) < 0) return NULL;
    hasher_t h;
    if (hasher_init(&h, &c) < 0) {
        call_free(&c);
        return NULL;
    }
    uint64_t *out = c.out.buf;
    char *valid = c.valid.buf;
    for (Py_ssize_t t = 0; t < c.count; t++) {
        PyObject *tokens = PyList_GET_ITEM(lists, t);
        if (!PyList_Check(tokens)) {
            PyErr_Format(PyExc_TypeError, "hash_tokens: token_lists[%zd] is not a list", t);
            goto fail;
        }
        begin(&h);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(tokens); j++) {
            PyObject *token = PyList_GET_ITEM(tokens, j);
            if (!PyUnicode_Check(token)) {
                PyErr_Format(PyExc_TypeError, "hash_tokens: token_lists[%zd][%zd] is not a str", t, j);
                goto fail;
            }
            scan_token(&h, token);
        }
        write_row(&h, finish(&h), c.rows, out + t * c.width, valid + t);
    }
    free(h.sig);
    call_free(&c);
    Py_RETURN_NONE;
fail:
    free(h.sig);
    call_free(&c);
    return NULL;
}

/* _use(name) -> bool: for the tests, hash with the version named ("avx512", "avx2", "scalar"; "" for the
 * fastest), if this CPU runs it; _used() -> the name of the version in use */
static PyObject *use(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    if (!PyArg_ParseTuple(args, "s:_use", &name)) return NULL;
    return PyBool_FromLong(choose_update(name[0] ? name : NULL));
}

static PyObject *used(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return PyUnicode_FromString(update_name());
}

static PyMethodDef methods[] = {
    {"_use", use, METH_VARARGS, "_use(name) -> bool: hash with that version of the arithmetic (tests)"},
    {"_used", used, METH_NOARGS, "_used() -> str: the version of the arithmetic in use"},
    {"hash_texts", hash_texts, METH_VARARGS,
     "hash_texts(texts, table, a, b, n, rows, out, valid) -> None (see _minhash.c)"},
    {"hash_tokens", hash_tokens, METH_VARARGS,
     "hash_tokens(token_lists, table, a, b, n, rows, out, valid) -> None (see _minhash.c)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__minhash(void) {
    choose_update(NULL);
    return PyModule_Create(&module);
}
