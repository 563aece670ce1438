/* A URL against the URL filter's compiled lists and word lists, in one pass over the URL
 * (websieve.steps.lists.matcher; the Python twin is matcher.TwinMatcher, and the tests hold the two equal).
 *
 * Matcher(domains, urls, psl, selected, automaton, words, mode, fallback)
 *   domains, urls  (keys uint64, combos uint16, index uint32): sorted keys (urls.domain_key / url_key), the
 *                  category combination of each, and the bucket index: index[b] is the first key whose
 *                  top bits are b, len(index) = 2**bits + 1
 *   psl            (keys uint64, flags uint16, index uint32): the public suffix list's trie nodes
 *                  (suffixes.NODE, END, WILDCARD, EXCEPTION); empty unless mode is 1
 *   selected       uint8 per combination: 1 when one of its categories blocks
 *   automaton      (delta int32 [states x classes], classes uint8 [256], out_off int32 [states + 1],
 *                  out_items int32 [4 per output: rule, word, length, boundary], (root of each view)):
 *                  the word lists' Aho-Corasick automaton (url_words.build_automaton), with one root per
 *                  view of the URL (lower-cased; its letters and digits only; without "-" and ".")
 *   words          tuple of str: word ids to words
 *   mode           0: a listed domain blocks its subdomains, a listed URL the URLs under it; 1: datatrove's
 *                  rules (the registered domain or the host is listed; the URL as written is listed)
 *   fallback       callable(url) for URLs that are not ASCII (the Python twin)
 * Matcher.check(url) -> None when nothing matched, else (domain, domain_combo, url, url_combo, banned word,
 *   soft words, banned subword, RefinedWeb strict word, RefinedWeb hard word, RefinedWeb soft words).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xCBF29CE484222325ULL
#define FNV_PRIME 0x100000001B3ULL
#define N_RULES 6
#define RULE_SOFT 1
#define RULE_RW_SOFT 5
#define NONE_ID INT32_MAX
#define STACK_CHARS 1024

enum { PSL_NODE = 1, PSL_END = 2, PSL_WILDCARD = 4, PSL_EXCEPTION = 8 };
enum { B_ALNUM = 1, B_WORD = 2, B_KIND = 3, B_FIRST_WORD = 4, B_LAST_WORD = 8 };

static inline uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

static inline int is_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static inline int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline unsigned char lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }
/* str.isspace() on ASCII */
static inline int is_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }
static inline int is_scheme_char(unsigned char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; }

typedef struct {
    const uint64_t *keys;
    const uint16_t *values;
    const uint32_t *index;
    Py_ssize_t n;
    int shift;
} table_t;

/* the value of `key`, or -1 */
static inline int table_get(const table_t *t, uint64_t key) {
    if (t->n == 0)
        return -1;
    uint64_t b = key >> t->shift;
    for (uint32_t i = t->index[b], end = t->index[b + 1]; i < end; i++) {
        if (t->keys[i] >= key)
            return t->keys[i] == key ? t->values[i] : -1;
    }
    return -1;
}

static inline void table_prefetch(const table_t *t, uint64_t key) {
    if (t->n)
        __builtin_prefetch(t->index + (key >> t->shift));
}

#define N_BUFFERS 14

typedef struct {
    PyObject_HEAD
    Py_buffer buffers[N_BUFFERS];
    int n_buffers;
    table_t domains, urls, psl;
    const uint8_t *selected;
    Py_ssize_t n_combos;
    const int32_t *delta, *out_off, *out_items;
    const uint8_t *classes;
    Py_ssize_t n_classes, n_states;
    int32_t roots[3];
    PyObject *words, *fallback;
    Py_ssize_t n_words;
    uint8_t *seen;       /* per word id: found in this URL (soft words count once) */
    int32_t *soft, *ids; /* scratch: soft word ids found, in the order found; sorted */
    int32_t soft_lo[2], soft_hi[2]; /* the word ids of the two soft rules: one range each */
    int mode;
} Matcher;

static int get_buffer(Matcher *self, PyObject *obj, Py_ssize_t itemsize, const void **data, Py_ssize_t *n,
                      const char *what) {
    if (self->n_buffers == N_BUFFERS) {
        PyErr_SetString(PyExc_RuntimeError, "too many buffers");
        return -1;
    }
    Py_buffer *view = &self->buffers[self->n_buffers];
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    self->n_buffers++;
    if (view->len % itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of %zd-byte items", what,
                     view->len, itemsize);
        return -1;
    }
    *data = view->buf;
    *n = view->len / itemsize;
    return 0;
}

static int get_table(Matcher *self, PyObject *keys, PyObject *values, PyObject *index, table_t *t,
                     const char *what) {
    Py_ssize_t n_values, n_index;
    if (get_buffer(self, keys, 8, (const void **)&t->keys, &t->n, what) < 0 ||
        get_buffer(self, values, 2, (const void **)&t->values, &n_values, what) < 0 ||
        get_buffer(self, index, 4, (const void **)&t->index, &n_index, what) < 0)
        return -1;
    Py_ssize_t buckets = n_index - 1;
    int bits = 0;
    while (bits < 40 && ((Py_ssize_t)1 << bits) < buckets)
        bits++;
    int fits = n_values == t->n && buckets >= 2 && ((Py_ssize_t)1 << bits) == buckets && t->index[0] == 0 &&
               t->index[buckets] == t->n;
    for (Py_ssize_t b = 0; fits && b < buckets; b++)
        fits = t->index[b] <= t->index[b + 1];
    if (!fits) {
        PyErr_Format(PyExc_ValueError, "%s: keys, values and bucket index do not fit together", what);
        return -1;
    }
    t->shift = 64 - bits;
    return 0;
}

static void Matcher_dealloc(Matcher *self) {
    for (int i = 0; i < self->n_buffers; i++)
        PyBuffer_Release(&self->buffers[i]);
    Py_XDECREF(self->words);
    Py_XDECREF(self->fallback);
    PyMem_Free(self->seen);
    PyMem_Free(self->soft);
    PyMem_Free(self->ids);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Matcher_init(Matcher *self, PyObject *args, PyObject *kwds) {
    PyObject *dk, *dc, *di, *uk, *uc, *ui, *pk, *pf, *pi, *sel, *delta, *classes, *out_off, *out_items;
    PyObject *words, *fallback;
    int mode;
    (void)kwds;
    if (self->n_buffers) {
        PyErr_SetString(PyExc_RuntimeError, "Matcher is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "(OOO)(OOO)(OOO)O(OOOO(iii))O!iO:Matcher", &dk, &dc, &di, &uk, &uc, &ui, &pk, &pf,
                          &pi, &sel, &delta, &classes, &out_off, &out_items, &self->roots[0], &self->roots[1],
                          &self->roots[2], &PyTuple_Type, &words, &mode, &fallback))
        return -1;
    Py_ssize_t n_delta, n_classes_map, n_off, n_items;
    if (get_table(self, dk, dc, di, &self->domains, "domains") < 0 ||
        get_table(self, uk, uc, ui, &self->urls, "urls") < 0 || get_table(self, pk, pf, pi, &self->psl, "psl") < 0 ||
        get_buffer(self, sel, 1, (const void **)&self->selected, &self->n_combos, "selected") < 0 ||
        get_buffer(self, delta, 4, (const void **)&self->delta, &n_delta, "delta") < 0 ||
        get_buffer(self, classes, 1, (const void **)&self->classes, &n_classes_map, "classes") < 0 ||
        get_buffer(self, out_off, 4, (const void **)&self->out_off, &n_off, "out_off") < 0 ||
        get_buffer(self, out_items, 4, (const void **)&self->out_items, &n_items, "out_items") < 0)
        return -1;
    self->n_states = n_off - 1;
    self->n_words = PyTuple_GET_SIZE(words);
    if (n_classes_map != 256 || self->n_states < 1 || n_delta % self->n_states || n_items % 4 ||
        self->out_off[self->n_states] != n_items / 4) {
        PyErr_SetString(PyExc_ValueError, "automaton: tables do not fit together");
        return -1;
    }
    for (Py_ssize_t s = 0; s < self->n_states; s++)
        if (self->out_off[s] < 0 || self->out_off[s] > self->out_off[s + 1]) {
            PyErr_SetString(PyExc_ValueError, "automaton: output offsets out of order");
            return -1;
        }
    self->n_classes = n_delta / self->n_states;
    for (int v = 0; v < 3; v++)
        if (self->roots[v] >= self->n_states) {
            PyErr_SetString(PyExc_ValueError, "automaton: root out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < 256; i++)
        if (self->classes[i] >= self->n_classes) {
            PyErr_SetString(PyExc_ValueError, "automaton: class out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < n_delta; i++)
        if (self->delta[i] < 0 || self->delta[i] >= self->n_states) {
            PyErr_SetString(PyExc_ValueError, "automaton: transition out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < n_items; i += 4)
        if (self->out_items[i] < 0 || self->out_items[i] >= N_RULES || self->out_items[i + 1] < 0 ||
            self->out_items[i + 1] >= self->n_words || self->out_items[i + 2] < 1) {
            PyErr_SetString(PyExc_ValueError, "automaton: output out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < self->domains.n; i++)
        if (self->domains.values[i] >= self->n_combos) {
            PyErr_SetString(PyExc_ValueError, "domains: combination out of range");
            return -1;
        }
    for (Py_ssize_t i = 0; i < self->urls.n; i++)
        if (self->urls.values[i] >= self->n_combos) {
            PyErr_SetString(PyExc_ValueError, "urls: combination out of range");
            return -1;
        }
    if (!PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "fallback must be callable");
        return -1;
    }
    size_t words_or_one = (size_t)(self->n_words > 0 ? self->n_words : 1);
    self->seen = PyMem_Calloc(words_or_one, 1);
    self->soft = PyMem_Calloc(words_or_one, sizeof(int32_t));
    self->ids = PyMem_Calloc(words_or_one, sizeof(int32_t));
    if (self->seen == NULL || self->soft == NULL || self->ids == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        self->soft_lo[s] = INT32_MAX;
        self->soft_hi[s] = 0;
    }
    for (Py_ssize_t i = 0; i < n_items; i += 4) {
        int s = self->out_items[i] == RULE_SOFT ? 0 : self->out_items[i] == RULE_RW_SOFT ? 1 : -1;
        int32_t word = self->out_items[i + 1];
        if (s >= 0 && word < self->soft_lo[s])
            self->soft_lo[s] = word;
        if (s >= 0 && word + 1 > self->soft_hi[s])
            self->soft_hi[s] = word + 1;
    }
    Py_INCREF(words);
    self->words = words;
    Py_INCREF(fallback);
    self->fallback = fallback;
    self->mode = mode;
    return 0;
}

/* The host of url[0:n] as tldextract's lenient_netloc finds it: [*hs, *he); *ae is where the authority
 * ends (the path, query or fragment starts). Returns 1 for a bracketed IPv6 host. */
static int find_host(const unsigned char *u, Py_ssize_t n, Py_ssize_t *hs, Py_ssize_t *he, Py_ssize_t *ae) {
    Py_ssize_t start = 0, dss = -1;
    for (Py_ssize_t i = 0; i + 1 < n; i++)
        if (u[i] == '/' && u[i + 1] == '/') {
            dss = i;
            break;
        }
    if (dss == 0) {
        start = 2;
    } else if (dss >= 2 && u[dss - 1] == ':') {
        int ok = 1;
        for (Py_ssize_t i = 0; i < dss - 1 && ok; i++)
            ok = is_scheme_char(u[i]);
        if (ok)
            start = dss + 2;
    }
    Py_ssize_t end = start;
    while (end < n && u[end] != '/' && u[end] != '?' && u[end] != '#')
        end++;
    *ae = end;
    Py_ssize_t s = start;
    for (Py_ssize_t i = end - 1; i >= start; i--)
        if (u[i] == '@') {
            s = i + 1;
            break;
        }
    if (s < end && u[s] == '[') {
        for (Py_ssize_t i = s; i < end; i++)
            if (u[i] == ']') {
                *hs = s;
                *he = i + 1;
                return 1;
            }
    }
    Py_ssize_t e = s;
    while (e < end && u[e] != ':')
        e++;
    while (s < e && is_space(u[s]))
        s++;
    while (e > s && is_space(u[e - 1]))
        e--;
    while (e > s && u[e - 1] == '.')
        e--;
    *hs = s;
    *he = e;
    return 0;
}

/* Where the listed domain starts in host[0:hl] (-1: none), and its combination. `keys` gets the key of
 * every suffix starting at a label (starts[k], shortest first). */
static Py_ssize_t match_domain(Matcher *self, const unsigned char *host, Py_ssize_t hl, uint64_t *keys,
                               Py_ssize_t *starts, int *combo) {
    Py_ssize_t n = 0;
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t i = hl - 1; i >= 0; i--) {
        h = (h ^ host[i]) * FNV_PRIME;
        if (i == 0 || host[i - 1] == '.') {
            keys[n] = mix(h);
            starts[n++] = i;
        }
    }
    if (self->mode == 0) {
        for (Py_ssize_t k = 0; k < n; k++)
            table_prefetch(&self->domains, keys[k]);
        for (Py_ssize_t k = 0; k < n; k++) {
            int c = table_get(&self->domains, keys[k]);
            if (c >= 0 && self->selected[c]) {
                *combo = c;
                return starts[k];
            }
        }
        return -1;
    }
    /* datatrove: tldextract's walk down the public suffix trie (ICANN section), then the registered
     * domain and the whole host */
    Py_ssize_t suffix = -1, node = hl;
    int node_flags = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        int f = table_get(&self->psl, keys[k]);
        if (f > 0 && (f & PSL_NODE)) {
            node = starts[k];
            node_flags = f;
            if (f & PSL_END)
                suffix = starts[k];
            continue;
        }
        if (node_flags & PSL_WILDCARD)
            suffix = (f > 0 && (f & PSL_EXCEPTION)) ? node : starts[k];
        break;
    }
    if (suffix <= 0)
        return -1;
    Py_ssize_t k = 0;
    while (k < n && starts[k] != suffix)
        k++;
    if (k + 1 >= n || starts[k + 1] == suffix - 1) /* no label before the suffix, or an empty one */
        return -1;
    int c = table_get(&self->domains, keys[k + 1]);
    if (c >= 0 && self->selected[c]) {
        *combo = c;
        return starts[k + 1];
    }
    if (k + 1 < n - 1) {
        c = table_get(&self->domains, keys[n - 1]);
        if (c >= 0 && self->selected[c]) {
            *combo = c;
            return 0;
        }
    }
    return -1;
}

/* The length of the listed URL prefix of text[0:tl] (the host is text[0:host_len]), or -1. */
static Py_ssize_t match_url_prefix(Matcher *self, const unsigned char *text, Py_ssize_t tl, Py_ssize_t host_len,
                                   int *combo) {
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < tl; i++) {
        if (i >= host_len && text[i] == '/') {
            int c = table_get(&self->urls, mix(h));
            if (c >= 0 && self->selected[c]) {
                *combo = c;
                return i;
            }
        }
        h = (h ^ text[i]) * FNV_PRIME;
    }
    int c = table_get(&self->urls, mix(h));
    if (c >= 0 && self->selected[c]) {
        *combo = c;
        return tl;
    }
    return -1;
}

typedef struct {
    int32_t best[N_RULES];
    int32_t *soft; /* word ids of soft words found, in the order found */
    Py_ssize_t n_soft;
} words_found_t;

static inline void emit(Matcher *self, words_found_t *found, const unsigned char *raw, Py_ssize_t n, int32_t state,
                        Py_ssize_t end, int check_bounds) {
    for (int32_t o = self->out_off[state], last = self->out_off[state + 1]; o < last; o++) {
        const int32_t *item = self->out_items + 4 * o;
        int32_t rule = item[0], word = item[1], bounds = item[3];
        if (check_bounds && (bounds & B_KIND)) {
            Py_ssize_t start = end - item[2] + 1;
            int before, after;
            if (bounds & B_ALNUM) {
                before = start > 0 && is_alnum(raw[start - 1]);
                after = end + 1 < n && is_alnum(raw[end + 1]);
            } else {
                before = start > 0 && (is_alnum(raw[start - 1]) || raw[start - 1] == '_');
                after = end + 1 < n && (is_alnum(raw[end + 1]) || raw[end + 1] == '_');
            }
            if (before == !!(bounds & B_FIRST_WORD) || after == !!(bounds & B_LAST_WORD))
                continue;
            if (bounds & B_ALNUM) { /* datatrove matches the URL's words as written: lower case only */
                int upper = 0;
                for (Py_ssize_t i = start; i <= end && !upper; i++)
                    upper = is_upper(raw[i]);
                if (upper)
                    continue;
            }
        }
        if (rule == RULE_SOFT || rule == RULE_RW_SOFT) {
            if (!self->seen[word]) {
                self->seen[word] = 1;
                found->soft[found->n_soft++] = word;
            }
        } else if (word < found->best[rule]) {
            found->best[rule] = word;
        }
    }
}

/* Runs the automaton over the three views of url[0:n] */
static void match_words(Matcher *self, const unsigned char *raw, Py_ssize_t n, words_found_t *found) {
    const int32_t *delta = self->delta;
    const uint8_t *classes = self->classes;
    Py_ssize_t nc = self->n_classes;
    int32_t sl = self->roots[0], sa = self->roots[1], ss = self->roots[2];
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = lower(raw[i]);
        int32_t cls = classes[c];
        if (sl >= 0) {
            sl = delta[sl * nc + cls];
            if (self->out_off[sl] != self->out_off[sl + 1])
                emit(self, found, raw, n, sl, i, 1);
        }
        if (sa >= 0 && is_alnum(c)) {
            sa = delta[sa * nc + cls];
            if (self->out_off[sa] != self->out_off[sa + 1])
                emit(self, found, raw, n, sa, i, 0);
        }
        if (ss >= 0 && c != '-' && c != '.') {
            ss = delta[ss * nc + cls];
            if (self->out_off[ss] != self->out_off[ss + 1])
                emit(self, found, raw, n, ss, i, 0);
        }
    }
}

static PyObject *word_or_none(Matcher *self, int32_t id) {
    if (id == NONE_ID)
        Py_RETURN_NONE;
    PyObject *w = PyTuple_GET_ITEM(self->words, id);
    Py_INCREF(w);
    return w;
}

/* the soft words found with ids in [lo, hi), by word id (the lists' alphabetical order) */
static PyObject *soft_words(Matcher *self, const words_found_t *found, int32_t lo, int32_t hi) {
    int32_t *ids = self->ids;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < found->n_soft; i++) {
        int32_t id = found->soft[i];
        if (id < lo || id >= hi)
            continue;
        Py_ssize_t j = k++;
        while (j > 0 && ids[j - 1] > id) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = id;
    }
    PyObject *out = PyTuple_New(k);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *w = PyTuple_GET_ITEM(self->words, ids[i]);
        Py_INCREF(w);
        PyTuple_SET_ITEM(out, i, w);
    }
    return out;
}

static PyObject *Matcher_check(Matcher *self, PyObject *url) {
    if (!PyUnicode_Check(url)) {
        PyErr_SetString(PyExc_TypeError, "check() expects a str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(url))
        return PyObject_CallOneArg(self->fallback, url);
    const unsigned char *u = (const unsigned char *)PyUnicode_1BYTE_DATA(url);
    Py_ssize_t n = PyUnicode_GET_LENGTH(url);
    PyObject *result = NULL;

    /* scratch: the lower-cased host, then the URL-list text; the keys and starts of the host's suffixes
     * (at most one per character) */
    unsigned char stack_text[STACK_CHARS];
    uint64_t stack_keys[STACK_CHARS];
    Py_ssize_t stack_starts[STACK_CHARS];
    unsigned char *text = stack_text;
    uint64_t *keys = stack_keys;
    Py_ssize_t *starts = stack_starts;
    if (n + 1 > STACK_CHARS) {
        text = PyMem_Malloc((size_t)n + 1);
        keys = PyMem_Malloc(((size_t)n + 1) * sizeof(uint64_t));
        starts = PyMem_Malloc(((size_t)n + 1) * sizeof(Py_ssize_t));
        if (!text || !keys || !starts) {
            PyErr_NoMemory();
            goto done;
        }
    }

    Py_ssize_t hs, he, ae;
    find_host(u, n, &hs, &he, &ae);
    Py_ssize_t hl = he - hs;
    for (Py_ssize_t i = 0; i < hl; i++)
        text[i] = lower(u[hs + i]);

    int domain_combo = -1, url_combo = -1;
    Py_ssize_t domain_at = -1, url_len = -1, url_from = 0;
    if (hl > 0 && self->domains.n)
        domain_at = match_domain(self, text, hl, keys, starts, &domain_combo);
    PyObject *domain = NULL;
    if (domain_at >= 0 && !(domain = PyUnicode_FromStringAndSize((const char *)text + domain_at, hl - domain_at)))
        goto done;

    const unsigned char *url_text = text;
    if (self->urls.n && self->mode == 1) { /* the URL as written: urls.written_key */
        uint64_t h = (FNV_OFFSET ^ 0) * FNV_PRIME;
        for (Py_ssize_t i = 0; i < n; i++)
            h = (h ^ u[i]) * FNV_PRIME;
        int c = table_get(&self->urls, mix(h));
        if (c >= 0 && self->selected[c]) {
            url_combo = c;
            url_text = u;
            url_len = n;
        }
    } else if (self->urls.n && hl > 0) {
        if (hl > 4 && memcmp(text, "www.", 4) == 0)
            url_from = 4;
        Py_ssize_t tl = hl, qe = ae;
        while (qe < n && u[qe] != '?' && u[qe] != '#')
            qe++;
        if (ae < n && u[ae] == '/')
            for (Py_ssize_t i = ae; i < qe; i++)
                text[tl++] = (unsigned char)u[i];
        while (tl > url_from && text[tl - 1] == '/')
            tl--;
        url_len = match_url_prefix(self, text + url_from, tl - url_from, hl - url_from, &url_combo);
    }
    PyObject *listed_url = NULL;
    if (url_len >= 0 &&
        !(listed_url = PyUnicode_FromStringAndSize((const char *)url_text + url_from, url_len))) {
        Py_XDECREF(domain);
        goto done;
    }

    words_found_t found;
    for (int r = 0; r < N_RULES; r++)
        found.best[r] = NONE_ID;
    found.soft = self->soft;
    found.n_soft = 0;
    if (self->n_words)
        match_words(self, u, n, &found);
    for (Py_ssize_t i = 0; i < found.n_soft; i++)
        self->seen[found.soft[i]] = 0;

    int any = domain != NULL || listed_url != NULL || found.n_soft > 0;
    for (int r = 0; r < N_RULES && !any; r++)
        any = found.best[r] != NONE_ID;
    if (!any) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    PyObject *soft_fw = soft_words(self, &found, self->soft_lo[0], self->soft_hi[0]);
    PyObject *soft_rw = soft_fw ? soft_words(self, &found, self->soft_lo[1], self->soft_hi[1]) : NULL;
    if (soft_rw == NULL) {
        Py_XDECREF(soft_fw);
        Py_XDECREF(domain);
        Py_XDECREF(listed_url);
        goto done;
    }
    if (domain == NULL) {
        domain = Py_None;
        Py_INCREF(domain);
    }
    if (listed_url == NULL) {
        listed_url = Py_None;
        Py_INCREF(listed_url);
    }
    result = Py_BuildValue("(NiNiNNNNNN)", domain, domain_combo, listed_url, url_combo,
                           word_or_none(self, found.best[0]), soft_fw, word_or_none(self, found.best[2]),
                           word_or_none(self, found.best[3]), word_or_none(self, found.best[4]), soft_rw);
done:
    if (text != stack_text) {
        PyMem_Free(text);
        PyMem_Free(keys);
        PyMem_Free(starts);
    }
    return result;
}

static PyMethodDef Matcher_methods[] = {
    {"check", (PyCFunction)Matcher_check, METH_O,
     "check(url) -> None when nothing matched, else (domain, domain_combo, url, url_combo, banned_word, "
     "soft_words, banned_subword, refinedweb_strict, refinedweb_hard, refinedweb_soft)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "websieve.steps.lists._urlscan.Matcher",
    .tp_basicsize = sizeof(Matcher),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The URL filter's lists and words, compiled for check(url).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Matcher_init,
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_methods = Matcher_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_urlscan", NULL, -1, NULL, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__urlscan(void) {
    if (PyType_Ready(&MatcherType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&MatcherType);
    if (PyModule_AddObject(m, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(&MatcherType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
