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

#define TAG_NAME_MAX 16

#define FNV_START 1469598103934665603ULL
static uint64_t fnv(uint64_t h, Py_UCS4 c) { return (h ^ (uint64_t)c) * 1099511628211ULL; }
typedef uint64_t flags_t;
static flags_t tag_flags(uint64_t hash, int kind, const void *data, Py_ssize_t from, Py_ssize_t to);
/* the flags of a known tag name (text[from:to], ASCII-lowered, found by its hash); 0 for others */
#define F_GUARD_FLAT (1ULL << 29)       /* never raises the nesting depth (guard._FLAT) */
#define F_GUARD_RAW (1ULL << 30)        /* raw text up to its end tag (guard._RAW) */
#define F_FORMATTING (1ULL << 31)       /* closed by the adoption agency (mark._FORMATTING) */
#define F_UNRENDERED (1ULL << 32)       /* resiliparse renders nothing inside (mark._UNRENDERED) */
#define F_AFE_MARKER (1ULL << 33)       /* formatting elements to reopen start afresh (mark._AFE_MARKERS) */
#define RECONSTRUCT_STEPS 100           /* mark._RECONSTRUCT_STEPS */

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

/* Open-element counts per tag name (its first TAG_NAME_MAX characters): an open-addressing table; the first
 * NAMES_OWN distinct names get a count of their own, later ones share one. */
#define NAMES_OWN 511
#define TABLE 1024
typedef struct {
    char keys[TABLE][TAG_NAME_MAX + 1];
    unsigned char taken[TABLE], lens[TABLE];
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
            t->lens[at] = (unsigned char)len;
            t->used++;
            return &t->counts[at];
        }
        if (t->lens[at] == len && memcmp(t->keys[at], name, (size_t)len) == 0)
            return &t->counts[at];
    }
}

/* the first i >= from with text[i] == '<'; n when there is none (memchr on one-byte text) */
static Py_ssize_t next_lt(int kind, const void *data, Py_ssize_t n, Py_ssize_t from) {
    if (from >= n)
        return n;
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *text = (const Py_UCS1 *)data;
        const void *found = memchr(text + from, '<', (size_t)(n - from));
        return found ? (const Py_UCS1 *)found - text : n;
    }
    for (Py_ssize_t i = from; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == '<')
            return i;
    return n;
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
    if (PyUnicode_MAX_CHAR_VALUE(text) >= MARK_BASE) /* one- and most two-byte pages cannot hold one */
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_UCS4 m = PyUnicode_READ(kind, data, k);
            markers += m >= MARK_BASE && m <= MARK_LAST;
        }
    Py_ssize_t depth = 0, deepest = 0, most = 0, i = 0;
    char name[TAG_NAME_MAX + 1];
    while ((i = next_lt(kind, data, n, i)) < n) {
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
        uint64_t hash = FNV_START;
        while (j < n && is_alnum(PyUnicode_READ(kind, data, j))) {
            Py_UCS4 c = lower(PyUnicode_READ(kind, data, j));
            if (len < TAG_NAME_MAX)
                name[len] = (char)c;
            hash = fnv(hash, c);
            len++;
            j++;
        }
        flags_t guard_flags = tag_flags(hash, kind, data, start, j);
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
        Py_ssize_t key = len < TAG_NAME_MAX ? len : TAG_NAME_MAX;
        if (!closing && !self_closing && (guard_flags & F_GUARD_RAW)) {
            char needle[TAG_NAME_MAX + 3] = "</";
            Py_ssize_t kept = len < TAG_NAME_MAX ? len : TAG_NAME_MAX; /* raw-text names are short */
            memcpy(needle + 2, name, (size_t)kept);
            needle[kept + 2] = 0;
            i = find_ci(kind, data, n, i, needle); /* its end tag is read as a stray one */
            continue;
        }
        if (self_closing || (guard_flags & F_GUARD_FLAT))
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

/* ---- mark_regions: the page's DOM regions bracketed by markers (the Python twin is mark._mark_regions_py,
 * whose docstring and lists this follows rule for rule) ---------------------------------------------- */

enum {
    F_VOID = 1 << 0, F_RAW = 1 << 1, F_HEAD = 1 << 2, F_UNMARKED = 1 << 3, F_SPECIAL = 1 << 4,
    F_SCOPE = 1 << 5, F_CLOSES_P = 1 << 6, F_BLOCK_END = 1 << 7, F_HEADING = 1 << 8, F_TABLE_PART = 1 << 9,
    F_FOREIGN = 1 << 10, F_TABLE = 1 << 11, F_HTML_TEMPLATE = 1 << 12, F_OLUL = 1 << 13, F_BUTTON = 1 << 14,
    F_TR = 1 << 15, F_SECTION = 1 << 16, F_ADP = 1 << 17, F_TDTH = 1 << 18, F_DDDT = 1 << 19, F_LI = 1 << 20,
    F_P = 1 << 21, F_A = 1 << 22, F_OPTION = 1 << 23, F_OPTGROUP = 1 << 24, F_BODY = 1 << 25,
    F_HTML_HEAD = 1 << 26, F_PLAINTEXT = 1 << 27, F_BODY_HTML = 1 << 28,
};

typedef struct {
    const char *names;
    flags_t flags;
} tag_flags_t;

/* name lists (space-separated) and the flag each one carries; a name takes every flag of every list */
static const tag_flags_t TAG_FLAGS[] = {
    {"area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr",
     F_VOID},
    {"script style textarea title xmp iframe noembed noframes", F_RAW},
    {"html head title meta link base style script noscript template basefont bgsound", F_HEAD},
    {"html head body table thead tbody tfoot tr colgroup", F_UNMARKED},
    {"address applet area article aside base basefont bgsound blockquote body br button caption center "
     "col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset "
     "h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li link listing main marquee "
     "menu meta nav noembed noframes noscript object ol p param plaintext pre script search section "
     "select source style summary table tbody td template textarea tfoot th thead title tr track ul wbr "
     "xmp",
     F_SPECIAL},
    {"applet caption html table td th marquee object template", F_SCOPE},
    {"address article aside blockquote center details dialog dir div dl fieldset figcaption figure "
     "footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing "
     "form plaintext table hr xmp li dd dt",
     F_CLOSES_P | F_BLOCK_END},
    {"button applet marquee object", F_BLOCK_END},
    {"h1 h2 h3 h4 h5 h6", F_HEADING},
    {"tr td th tbody thead tfoot caption colgroup", F_TABLE_PART},
    {"svg math", F_FOREIGN},
    {"table", F_TABLE},
    {"html template", F_HTML_TEMPLATE},
    {"ol ul", F_OLUL},
    {"button", F_BUTTON},
    {"tr", F_TR},
    {"tbody thead tfoot", F_SECTION},
    {"address div p", F_ADP},
    {"td th", F_TDTH},
    {"dd dt", F_DDDT},
    {"li", F_LI},
    {"p", F_P},
    {"a", F_A},
    {"option", F_OPTION},
    {"optgroup", F_OPTGROUP},
    {"body", F_BODY},
    {"html head", F_HTML_HEAD},
    {"plaintext", F_PLAINTEXT},
    {"body html", F_BODY_HTML},
    /* the guard's own lists (scan_tags; guard._FLAT and guard._RAW) */
    {"area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option "
     "optgroup thead tbody tfoot colgroup",
     F_GUARD_FLAT},
    {"script style textarea title xmp", F_GUARD_RAW},
    {"a b big code em font i nobr s small strike strong tt u", F_FORMATTING},
    {"button label select option noscript template", F_UNRENDERED},
    {"applet object marquee template td th caption", F_AFE_MARKER},
    {NULL, 0},
};

/* regions by tag name (mark._TAGS); Region numbers as in mark.Region */
enum { R_NAV, R_COMMENT, R_SHARE, R_BYLINE, R_ARTICLE, R_LINK, R_TITLE, R_HEADING, R_LIST, R_FORM, R_TABLE,
       R_QUOTE, R_FIGURE, R_PARAGRAPH, R_HIDDEN, N_REGIONS };
typedef struct {
    const char *names;
    int region;
} words_t;
static const words_t TAG_REGIONS[] = {
    {"nav header footer aside menu", R_NAV}, {"article main", R_ARTICLE}, {"a", R_LINK}, {"h1", R_TITLE},
    {"h2 h3 h4 h5 h6", R_HEADING}, {"li dt dd", R_LIST}, {"form button label", R_FORM}, {"td th", R_TABLE},
    {"blockquote q", R_QUOTE}, {"figure figcaption", R_FIGURE}, {"p", R_PARAGRAPH}, {NULL, 0},
};
static const words_t CLASS_WORDS[] = {
    {"nav menu breadcrumb footer header sidebar widget", R_NAV},
    {"comment reply disqus", R_COMMENT},
    {"share social related newsletter cookie promo advert subscribe teaser recommend", R_SHARE},
    {"tag author byline meta date", R_BYLINE},
    {"article content post entry story body text", R_ARTICLE},
    {"caption credit", R_FIGURE},
    {NULL, 0},
};
static const words_t ID_WORDS[] = {
    {"nav menu footer header sidebar", R_NAV},
    {"comment respond", R_COMMENT},
    {NULL, 0},
};

#define KNOWN 512
typedef struct {
    uint64_t hash;
    flags_t flags;
    int region; /* -1: none */
    int used;
    char name[TAG_NAME_MAX + 1];
} known_t;
static known_t known[KNOWN];

static known_t *known_slot(uint64_t hash, int create) {
    for (size_t at = (size_t)(hash % KNOWN);; at = (at + 1) % KNOWN) {
        if (!known[at].used) {
            if (!create)
                return NULL;
            known[at].used = 1;
            known[at].hash = hash;
            known[at].region = -1;
            return &known[at];
        }
        if (known[at].hash == hash)
            return &known[at];
    }
}

/* the known tag named text[from:to] (ASCII letters lowered): found by hash, its name compared */
static known_t *known_tag(uint64_t hash, int kind, const void *data, Py_ssize_t from, Py_ssize_t to) {
    known_t *tag = known_slot(hash, 0);
    if (tag == NULL || to - from != (Py_ssize_t)strlen(tag->name))
        return NULL;
    for (Py_ssize_t k = 0; k < to - from; k++)
        if (lower(PyUnicode_READ(kind, data, from + k)) != (Py_UCS4)(unsigned char)tag->name[k])
            return NULL;
    return tag;
}

static flags_t tag_flags(uint64_t hash, int kind, const void *data, Py_ssize_t from, Py_ssize_t to) {
    known_t *tag = known_tag(hash, kind, data, from, to);
    return tag ? tag->flags : 0;
}

/* calls fn(word, len, value) for each space-separated word of names */
static void each_word(const char *names, void (*fn)(const char *, size_t, flags_t), flags_t value) {
    const char *p = names;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q > p)
            fn(p, (size_t)(q - p), value);
        p = q;
    }
}

static uint64_t hash_ascii(const char *w, size_t len) {
    uint64_t h = FNV_START;
    for (size_t k = 0; k < len; k++)
        h = fnv(h, (unsigned char)w[k]);
    return h;
}

static known_t *add_known(const char *w, size_t len) {
    known_t *tag = known_slot(hash_ascii(w, len), 1);
    memcpy(tag->name, w, len < TAG_NAME_MAX ? len : TAG_NAME_MAX);
    return tag;
}

static void add_flags(const char *w, size_t len, flags_t flags) {
    add_known(w, len)->flags |= flags;
}

static void add_region(const char *w, size_t len, flags_t region) {
    add_known(w, len)->region = (int)region;
}


/* does text[from:to] contain the ASCII word w? (case-sensitive, as CSS's [class*=w]) */
static int contains(int kind, const void *data, Py_ssize_t from, Py_ssize_t to, const char *w, size_t len) {
    Py_ssize_t m = (Py_ssize_t)len;
    for (Py_ssize_t i = from; i + m <= to; i++) {
        Py_ssize_t k = 0;
        while (k < m && PyUnicode_READ(kind, data, i + k) == (Py_UCS4)(unsigned char)w[k])
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

/* the words of a table, bucketed by their first character, for one pass over an attribute's value */
#define MAX_WORDS 64
typedef struct {
    const char *word[MAX_WORDS];
    int len[MAX_WORDS], region[MAX_WORDS], next[MAX_WORDS];
    int first[128]; /* the first word starting with each ASCII character; -1: none */
    int count;
} word_index_t;
static word_index_t class_index, id_index;

static void index_words(word_index_t *index, const words_t *table) {
    memset(index->first, -1, sizeof(index->first));
    for (int k = 0; table[k].names != NULL; k++) {
        const char *p = table[k].names;
        while (*p && index->count < MAX_WORDS) {
            const char *q = p;
            while (*q && *q != ' ')
                q++;
            int w = index->count++;
            index->word[w] = p;
            index->len[w] = (int)(q - p);
            index->region[w] = table[k].region;
            index->next[w] = -1;
            /* appended, so words are tried in table order */
            int *at = &index->first[(unsigned char)*p];
            while (*at >= 0)
                at = &index->next[*at];
            *at = w;
            p = *q ? q + 1 : q;
        }
    }
}

/* the regions whose words text[from:to] contains (case-sensitive, as CSS's [class*=word]) */
static int words_mask(int kind, const void *data, Py_ssize_t from, Py_ssize_t to, const word_index_t *index) {
    int mask = 0;
    if (kind == PyUnicode_1BYTE_KIND) { /* most pages: the same, on bytes */
        const Py_UCS1 *text = (const Py_UCS1 *)data;
        for (Py_ssize_t i = from; i < to; i++) {
            Py_UCS1 c = text[i];
            if (c >= 128)
                continue;
            for (int w = index->first[c]; w >= 0; w = index->next[w]) {
                int len = index->len[w];
                if (!(mask >> index->region[w] & 1) && i + len <= to &&
                    memcmp(text + i + 1, index->word[w] + 1, (size_t)(len - 1)) == 0)
                    mask |= 1 << index->region[w];
            }
        }
        return mask;
    }
    for (Py_ssize_t i = from; i < to; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 128)
            continue;
        for (int w = index->first[c]; w >= 0; w = index->next[w]) {
            int len = index->len[w];
            if (mask >> index->region[w] & 1 || i + len > to)
                continue;
            int k = 1;
            while (k < len && PyUnicode_READ(kind, data, i + k) == (Py_UCS4)(unsigned char)index->word[w][k])
                k++;
            if (k == len)
                mask |= 1 << index->region[w];
        }
    }
    return mask;
}

static void init_known(void) {
    for (int k = 0; TAG_FLAGS[k].names != NULL; k++)
        each_word(TAG_FLAGS[k].names, add_flags, TAG_FLAGS[k].flags);
    for (int k = 0; TAG_REGIONS[k].names != NULL; k++)
        each_word(TAG_REGIONS[k].names, add_region, TAG_REGIONS[k].region);
    index_words(&class_index, CLASS_WORDS);
    index_words(&id_index, ID_WORDS);
}

static int equals(int kind, const void *data, Py_ssize_t from, Py_ssize_t to, const char *w) {
    Py_ssize_t m = (Py_ssize_t)strlen(w);
    if (to - from != m)
        return 0;
    for (Py_ssize_t k = 0; k < m; k++)
        if (PyUnicode_READ(kind, data, from + k) != (Py_UCS4)(unsigned char)w[k])
            return 0;
    return 1;
}

/* the attributes mark reads: the first of each name, as (start, end) of its value; start < 0: absent */
enum { A_CLASS, A_ID, A_ROLE, A_ITEMPROP, A_STYLE, A_ARIA_HIDDEN, A_HIDDEN, N_ATTRS };
static const char *const ATTR_NAMES[N_ATTRS] = {"class", "id", "role", "itemprop", "style", "aria-hidden",
                                                 "hidden"};
static const Py_ssize_t ATTR_LENGTHS[N_ATTRS] = {5, 2, 4, 8, 5, 11, 6};

typedef struct {
    uint64_t hash;
    flags_t flags;
    int mask;
    Py_ssize_t content;
    Py_ssize_t name_from, name_len; /* its name in the page, to tell names of one hash apart */
    const known_t *tag;             /* NULL: not a known tag */
    Py_ssize_t saved;               /* an AFE marker: the formatting elements to reopen before it */
} open_t;

typedef struct {
    Py_UCS4 *buf;
    Py_ssize_t len, cap;
} out_t;

static int out_reserve(out_t *o, Py_ssize_t more) {
    if (o->len + more <= o->cap)
        return 0;
    Py_ssize_t cap = o->cap * 2 > o->len + more ? o->cap * 2 : o->len + more + 1024;
    Py_UCS4 *buf = PyMem_Realloc(o->buf, (size_t)cap * sizeof(Py_UCS4));
    if (buf == NULL)
        return -1;
    o->buf = buf;
    o->cap = cap;
    return 0;
}

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n, done;
    out_t out;
    open_t *stack;
    Py_ssize_t depth, stack_cap;
    int foreign;
    long marks;
    Py_ssize_t steps;
    Py_ssize_t stale; /* formatting elements closed by another's end tag: the parser reopens them */
} marker_t;

static int flush(marker_t *m, Py_ssize_t at) {
    if (at <= m->done)
        return 0;
    if (out_reserve(&m->out, at - m->done) < 0)
        return -1;
    Py_UCS4 *dst = m->out.buf + m->out.len;
    if (m->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *src = (const Py_UCS1 *)m->data + m->done;
        for (Py_ssize_t k = 0; k < at - m->done; k++)
            dst[k] = src[k];
    } else if (m->kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *src = (const Py_UCS2 *)m->data + m->done;
        for (Py_ssize_t k = 0; k < at - m->done; k++)
            dst[k] = src[k];
    } else {
        memcpy(dst, (const Py_UCS4 *)m->data + m->done, (size_t)(at - m->done) * sizeof(Py_UCS4));
    }
    m->out.len += at - m->done;
    m->done = at;
    return 0;
}

static int put_markers(marker_t *m, int mask, int closing) {
    if (out_reserve(&m->out, N_REGIONS) < 0)
        return -1;
    for (int r = 0; r < N_REGIONS; r++)
        if (mask >> r & 1)
            m->out.buf[m->out.len++] = (Py_UCS4)(MARK_BASE + 2 * r + closing);
    return 0;
}

/* write "</name>" for an element closed here (a known tag: its name is at most TAG_NAME_MAX long) */
static int put_end_tag(marker_t *m, const open_t *e) {
    const char *name = e->tag->name;
    Py_ssize_t len = (Py_ssize_t)strlen(name);
    if (out_reserve(&m->out, len + 3) < 0)
        return -1;
    m->out.buf[m->out.len++] = '<';
    m->out.buf[m->out.len++] = '/';
    for (Py_ssize_t k = 0; k < len; k++)
        m->out.buf[m->out.len++] = (Py_UCS4)(unsigned char)name[k];
    m->out.buf[m->out.len++] = '>';
    return 0;
}

/* close stack[index:], innermost first, their closers before text[at]; named: the tag at `at` is
 * stack[index]'s own end tag (the others close implicitly). An element resiliparse does not render
 * (a button, a select...) that closes implicitly is closed in writing before any closer that follows,
 * which would otherwise land inside it and be lost. */
static int close_to_named(marker_t *m, Py_ssize_t index, Py_ssize_t at, int named) {
    if (flush(m, at) < 0)
        return -1;
    Py_ssize_t unrendered_from = m->depth; /* stack[unrendered_to..unrendered_from) still to write */
    Py_ssize_t pending = 0;
    open_t *popped = m->stack; /* popped elements stay readable above m->depth */
    while (m->depth > index) {
        open_t *e = &m->stack[--m->depth];
        int implicit = !(named && m->depth == index);
        if (e->flags & F_FOREIGN)
            m->foreign--;
        if (e->flags & F_AFE_MARKER)
            m->stale = e->saved;
        else if ((e->flags & F_FORMATTING) && implicit)
            m->stale++;
        if ((e->flags & F_UNRENDERED) && implicit)
            pending++;
        if (!e->mask)
            continue;
        if (e->content == at) { /* nothing inside: take its opener back */
            int count = __builtin_popcount((unsigned)e->mask);
            m->out.len -= count;
            m->marks -= count;
            continue;
        }
        if (pending) { /* the unrendered elements popped since the last closer (this one included),
                        * innermost first */
            for (Py_ssize_t k = unrendered_from - 1; k >= m->depth && pending; k--) {
                if ((popped[k].flags & F_UNRENDERED) && !(named && k == index)) {
                    if (put_end_tag(m, &popped[k]) < 0)
                        return -1;
                    pending--;
                }
            }
            pending = 0;
        }
        unrendered_from = m->depth;
        if (put_markers(m, e->mask, 1) < 0)
            return -1;
    }
    return 0;
}

static int close_to(marker_t *m, Py_ssize_t index, Py_ssize_t at) { return close_to_named(m, index, at, 0); }

/* take stack[index] alone off, its closers before text[at] (the adoption agency: blocks above stay) */
static int take_off(marker_t *m, Py_ssize_t index, Py_ssize_t at) {
    open_t e = m->stack[index];
    memmove(&m->stack[index], &m->stack[index + 1], (size_t)(m->depth - index - 1) * sizeof(open_t));
    m->depth--;
    if (!e.mask)
        return 0;
    if (flush(m, at) < 0)
        return -1;
    return put_markers(m, e.mask, 1);
}

static int special_above(const marker_t *m, Py_ssize_t index) {
    for (Py_ssize_t k = index + 1; k < m->depth; k++)
        if (m->stack[k].flags & F_SPECIAL)
            return 1;
    return 0;
}

/* whether the open element e is named text[from:from+len] (ASCII letters lowered) */
static int same_name(const marker_t *m, const open_t *e, Py_ssize_t from, Py_ssize_t len) {
    if (e->name_len != len)
        return 0;
    for (Py_ssize_t k = 0; k < len; k++)
        if (lower(PyUnicode_READ(m->kind, m->data, e->name_from + k)) !=
            lower(PyUnicode_READ(m->kind, m->data, from + k)))
            return 0;
    return 1;
}

/* index of the innermost open element matching (by flags when want_flags, else by name), not past one
 * whose flags meet stop (and not exclude); -1 */
static Py_ssize_t find_open(marker_t *m, uint64_t hash, Py_ssize_t name_from, Py_ssize_t name_len,
                            flags_t want_flags, flags_t stop, flags_t exclude) {
    for (Py_ssize_t k = m->depth - 1; k >= 0; k--) {
        open_t *e = &m->stack[k];
        m->steps++;
        if (want_flags ? (e->flags & want_flags) != 0
                       : e->hash == hash && same_name(m, e, name_from, name_len))
            return k;
        if ((e->flags & stop) && !(e->flags & exclude))
            return -1;
    }
    return -1;
}

static int close_found(marker_t *m, Py_ssize_t index, Py_ssize_t at) {
    return index >= 0 ? close_to(m, index, at) : 0;
}

static Py_ssize_t find_char(marker_t *m, Py_ssize_t from, Py_UCS4 c) {
    for (Py_ssize_t i = from; i < m->n; i++)
        if (PyUnicode_READ(m->kind, m->data, i) == c)
            return i;
    return -1;
}

#define SCOPE_STOP (F_SCOPE)
#define TABLE_STOP (F_TABLE | F_HTML_TEMPLATE)

static PyObject *mark_regions(PyObject *self, PyObject *args) {
    PyObject *text;
    long max_marks;
    Py_ssize_t max_steps;
    if (!PyArg_ParseTuple(args, "Uln", &text, &max_marks, &max_steps))
        return NULL;
    marker_t m = {0};
    m.kind = PyUnicode_KIND(text);
    m.data = PyUnicode_DATA(text);
    m.n = PyUnicode_GET_LENGTH(text);
    const int kind = m.kind;
    const void *data = m.data;
    const Py_ssize_t n = m.n;
    m.out.cap = n + n / 8 + 1024;
    m.out.buf = PyMem_Malloc((size_t)m.out.cap * sizeof(Py_UCS4));
    m.stack_cap = 256;
    m.stack = PyMem_Malloc((size_t)m.stack_cap * sizeof(open_t));
    if (m.out.buf == NULL || m.stack == NULL)
        goto nomemory;
    int in_body = 0, body_seen = 0;
    Py_ssize_t at = 0;
    for (;;) {
        if (m.steps > max_steps) { /* tag soup that would take the parser seconds: the caller refuses it */
            PyMem_Free(m.out.buf);
            PyMem_Free(m.stack);
            Py_RETURN_NONE;
        }
        /* the next '<' followed by '!', '?', '/' or an ASCII letter */
        Py_ssize_t start = -1;
        for (Py_ssize_t i = next_lt(kind, data, n, at); i + 1 < n; i = next_lt(kind, data, n, i + 1)) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i + 1);
            if (c == '!' || c == '?' || c == '/' || is_alpha(c)) {
                start = i;
                break;
            }
        }
        if (start < 0)
            break;
        Py_UCS4 second = PyUnicode_READ(kind, data, start + 1);
        if (second == '!' && start + 3 < n && PyUnicode_READ(kind, data, start + 2) == '-' &&
            PyUnicode_READ(kind, data, start + 3) == '-') {
            Py_ssize_t end = find_ci(kind, data, n, start + 4, "-->");
            at = end >= n ? n : end + 3;
            continue;
        }
        if (second == '!' || second == '?') {
            Py_ssize_t end = find_char(&m, start + 2, '>');
            at = end < 0 ? n : end + 1;
            continue;
        }
        int closing = second == '/';
        if (closing && (start + 2 >= n || !is_alpha(PyUnicode_READ(kind, data, start + 2)))) {
            Py_ssize_t end = find_char(&m, start + 2, '>');
            at = end < 0 ? n : end + 1;
            continue;
        }
        /* the name: up to a space, '/' or '>' */
        Py_ssize_t pos = start + (closing ? 2 : 1);
        uint64_t hash = FNV_START;
        Py_UCS4 c;
        while (pos < n && !is_space(c = PyUnicode_READ(kind, data, pos)) && c != '/' && c != '>') {
            hash = fnv(hash, lower(c));
            pos++;
        }
        Py_ssize_t name_end = pos, name_from = start + (closing ? 2 : 1), name_len = name_end - name_from;
        known_t *tag = known_tag(hash, kind, data, name_from, name_end);
        flags_t flags = tag ? tag->flags : 0;
        Py_ssize_t attr_from[N_ATTRS], attr_to[N_ATTRS];
        for (int k = 0; k < N_ATTRS; k++)
            attr_from[k] = -1;
        int cut = 0;
        while (pos < n) {
            while (pos < n && (is_space(c = PyUnicode_READ(kind, data, pos)) || c == '/'))
                pos++;
            if (pos >= n || PyUnicode_READ(kind, data, pos) == '>')
                break;
            /* an attribute name: '=' may open it; then up to a space, '/', '>' or '=' */
            Py_ssize_t key_from = pos;
            if (PyUnicode_READ(kind, data, pos) == '=')
                pos++;
            while (pos < n && !is_space(c = PyUnicode_READ(kind, data, pos)) && c != '/' && c != '>' &&
                   c != '=')
                pos++;
            Py_ssize_t key_to = pos;
            while (pos < n && is_space(PyUnicode_READ(kind, data, pos)))
                pos++;
            Py_ssize_t value_from = pos, value_to = pos;
            if (pos < n && PyUnicode_READ(kind, data, pos) == '=') {
                pos++;
                while (pos < n && is_space(PyUnicode_READ(kind, data, pos)))
                    pos++;
                if (pos < n && ((c = PyUnicode_READ(kind, data, pos)) == '"' || c == '\'')) {
                    Py_ssize_t end = find_char(&m, pos + 1, c);
                    if (end < 0)
                        end = n;
                    value_from = pos + 1;
                    value_to = end;
                    pos = end + 1;
                } else {
                    value_from = pos;
                    while (pos < n && !is_space(c = PyUnicode_READ(kind, data, pos)) && c != '>')
                        pos++;
                    value_to = pos;
                }
            }
            if (!closing) {
                for (int k = 0; k < N_ATTRS; k++) {
                    if (attr_from[k] >= 0 || key_to - key_from != ATTR_LENGTHS[k])
                        continue;
                    int same = 1;
                    for (Py_ssize_t q = 0; q < key_to - key_from && same; q++)
                        same = lower(PyUnicode_READ(kind, data, key_from + q)) == (Py_UCS4)ATTR_NAMES[k][q];
                    if (same) {
                        attr_from[k] = value_from;
                        attr_to[k] = value_to;
                    }
                }
            }
        }
        if (pos >= n) {
            cut = 1;
        }
        if (cut)
            break; /* a tag cut off by the end of the page: text */
        int self_closing = pos > name_end && PyUnicode_READ(kind, data, pos - 1) == '/';
        at = pos + 1;
        if (closing) {
            Py_ssize_t index;
            if (flags & F_BODY_HTML)
                continue;
            if (flags & F_TABLE_PART)
                index = find_open(&m, hash, name_from, name_len, 0, TABLE_STOP, 0);
            else if (flags & F_TABLE)
                index = find_open(&m, hash, name_from, name_len, 0, F_HTML_TEMPLATE, 0);
            else if (flags & F_HEADING)
                index = find_open(&m, 0, 0, 0, F_HEADING, SCOPE_STOP, 0);
            else if (flags & F_LI)
                index = find_open(&m, hash, name_from, name_len, 0, SCOPE_STOP | F_OLUL, 0);
            else if (flags & F_BLOCK_END)
                index = find_open(&m, hash, name_from, name_len, 0, SCOPE_STOP, 0);
            else if (flags & F_FORMATTING) {
                index = find_open(&m, hash, name_from, name_len, 0, SCOPE_STOP, 0);
                if (index >= 0 && special_above(&m, index)) {
                    if (take_off(&m, index, start) < 0)
                        goto nomemory;
                    continue;
                }
                if (index < 0 && m.stale)
                    m.stale--; /* it was one of those to reopen: the parser forgets it */
            } else
                index = find_open(&m, hash, name_from, name_len, 0, F_SPECIAL, 0);
            if (index >= 0 && close_to_named(&m, index, start, 1) < 0)
                goto nomemory;
            continue;
        }
        /* a start tag: first what it closes */
        if (flags & (F_LI | F_DDDT)) {
            Py_ssize_t index = find_open(&m, 0, 0, 0, flags & F_LI ? F_LI : F_DDDT, F_SPECIAL, F_ADP);
            if (close_found(&m, index, start) < 0)
                goto nomemory;
        }
        if (flags & F_CLOSES_P) {
            if (close_found(&m, find_open(&m, 0, 0, 0, F_P, SCOPE_STOP | F_BUTTON, 0), start) < 0)
                goto nomemory;
            if ((flags & F_HEADING) && m.depth && (m.stack[m.depth - 1].flags & F_HEADING) &&
                close_to(&m, m.depth - 1, start) < 0)
                goto nomemory;
        } else if (flags & F_TDTH) {
            if (close_found(&m, find_open(&m, 0, 0, 0, F_TDTH, TABLE_STOP | F_TR, 0), start) < 0)
                goto nomemory;
        } else if (flags & F_TR) {
            if (close_found(&m, find_open(&m, hash, name_from, name_len, 0, TABLE_STOP | F_SECTION, 0), start) < 0)
                goto nomemory;
        } else if (flags & F_SECTION) {
            if (close_found(&m, find_open(&m, 0, 0, 0, F_SECTION, TABLE_STOP, 0), start) < 0)
                goto nomemory;
        } else if (flags & F_A) {
            Py_ssize_t index = find_open(&m, hash, name_from, name_len, 0, SCOPE_STOP, 0);
            if (index >= 0 && special_above(&m, index)) {
                if (take_off(&m, index, start) < 0)
                    goto nomemory;
            } else if (close_found(&m, index, start) < 0)
                goto nomemory;
        } else if (flags & (F_OPTION | F_OPTGROUP)) {
            if (m.depth && (m.stack[m.depth - 1].flags & F_OPTION) && close_to(&m, m.depth - 1, start) < 0)
                goto nomemory;
            if ((flags & F_OPTGROUP) && m.depth && (m.stack[m.depth - 1].flags & F_OPTGROUP) &&
                close_to(&m, m.depth - 1, start) < 0)
                goto nomemory;
        }
        m.steps += m.stale * RECONSTRUCT_STEPS;
        if ((flags & F_RAW) && !m.foreign) { /* in <svg> and <math>, <title> and <style> hold markup */
            char needle[TAG_NAME_MAX + 3] = "</";
            Py_ssize_t len = name_end - start - 1;
            for (Py_ssize_t q = 0; q < len && q < TAG_NAME_MAX; q++)
                needle[2 + q] = (char)lower(PyUnicode_READ(kind, data, start + 1 + q));
            needle[2 + (len < TAG_NAME_MAX ? len : TAG_NAME_MAX)] = 0;
            at = find_ci(kind, data, n, at, needle);
            continue;
        }
        if (flags & F_PLAINTEXT)
            break;
        if (!in_body) {
            if (flags & F_HEAD)
                continue;
            in_body = 1;
        }
        if ((flags & (F_VOID | F_HTML_HEAD)) || (self_closing && (m.foreign || (flags & F_FOREIGN))))
            continue;
        int late_body = 0;
        if (flags & F_BODY) {
            if (body_seen)
                continue; /* a second <body>: its attributes go to the first */
            body_seen = 1;
            late_body = m.depth > 0; /* opened by what came before: its attributes still apply to all */
        }
        if (flags & F_FOREIGN)
            m.foreign++;
        int mask = 0;
        if (m.marks < max_marks && ((flags & F_BODY) || !(flags & F_UNMARKED))) {
            if (tag && tag->region >= 0)
                mask |= 1 << tag->region;
            if (attr_from[A_CLASS] >= 0)
                mask |= words_mask(kind, data, attr_from[A_CLASS], attr_to[A_CLASS], &class_index);
            if (attr_from[A_ID] >= 0)
                mask |= words_mask(kind, data, attr_from[A_ID], attr_to[A_ID], &id_index);
            if (attr_from[A_ROLE] >= 0 && (equals(kind, data, attr_from[A_ROLE], attr_to[A_ROLE], "navigation") ||
                                           equals(kind, data, attr_from[A_ROLE], attr_to[A_ROLE], "banner") ||
                                           equals(kind, data, attr_from[A_ROLE], attr_to[A_ROLE], "contentinfo")))
                mask |= 1 << R_NAV;
            if (attr_from[A_ITEMPROP] >= 0 &&
                equals(kind, data, attr_from[A_ITEMPROP], attr_to[A_ITEMPROP], "articleBody"))
                mask |= 1 << R_ARTICLE;
            if (attr_from[A_HIDDEN] >= 0 ||
                (attr_from[A_ARIA_HIDDEN] >= 0 &&
                 equals(kind, data, attr_from[A_ARIA_HIDDEN], attr_to[A_ARIA_HIDDEN], "true")) ||
                (attr_from[A_STYLE] >= 0 &&
                 (contains(kind, data, attr_from[A_STYLE], attr_to[A_STYLE], "display:none", 12) ||
                  contains(kind, data, attr_from[A_STYLE], attr_to[A_STYLE], "display: none", 13))))
                mask |= 1 << R_HIDDEN;
        }
        if (mask) {
            m.marks += __builtin_popcount((unsigned)mask);
            if (flush(&m, at) < 0 || put_markers(&m, mask, 0) < 0)
                goto nomemory;
        }
        if (m.depth == m.stack_cap) { /* grown before any push: a late <body> goes to the bottom */
            open_t *grown = PyMem_Realloc(m.stack, (size_t)m.stack_cap * 2 * sizeof(open_t));
            if (grown == NULL)
                goto nomemory;
            m.stack = grown;
            m.stack_cap *= 2;
        }
        Py_ssize_t saved = 0;
        if (flags & F_AFE_MARKER) {
            saved = m.stale;
            m.stale = 0;
        }
        open_t element = {hash, flags, mask, at, name_from, name_len, tag, saved};
        if (late_body) { /* its opener is not the last thing written: never taken back */
            element.content = -1;
            memmove(&m.stack[1], &m.stack[0], (size_t)m.depth * sizeof(open_t));
            m.stack[0] = element;
            m.depth++;
            continue;
        }
        m.stack[m.depth++] = element;
    }
    if (close_to(&m, 0, n) < 0)
        goto nomemory;
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, m.out.buf, m.out.len);
    PyMem_Free(m.out.buf);
    PyMem_Free(m.stack);
    return result;
nomemory:
    PyMem_Free(m.out.buf);
    PyMem_Free(m.stack);
    return PyErr_NoMemory();
}

static PyMethodDef methods[] = {
    {"scan_tags", scan_tags, METH_VARARGS,
     "scan_tags(html, limit) -> (deepest nesting, most attributes in a tag, markers); limit < 0: none"},
    {"read_markers", read_markers, METH_VARARGS,
     "read_markers(text, n_regions) -> (text without markers, float32 rows as a bytearray)"},
    {"mark_regions", mark_regions, METH_VARARGS,
     "mark_regions(html, max_marks, max_steps) -> html with its DOM regions bracketed by markers; None "
     "when looking for open elements took more than max_steps steps"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_regions", NULL, -1, methods};

PyMODINIT_FUNC PyInit__regions(void) {
    init_known();
    return PyModule_Create(&module);
}
