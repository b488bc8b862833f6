/* pyqio._events_c.Lines: the line classifier of the decoder's feed, in C for
 * the lines it fully understands, in Python for every other.
 *
 * pyqio.wire._lines.classify_line is the reference; a Lines object is built
 * once from a table declared in Python (pyqio/wire/_lines_c.py), next to the
 * handlers it mirrors:
 *
 *   Lines(fallback, text, info, cme, codes, exact, entries)
 *     fallback  classify_line itself: every line the table does not accept
 *     text, info, cme   makers of Text(line), Info(name, params), CmeError(code)
 *     codes     {int: ResultCode}: result_code()'s table
 *     exact     ((line, event), ...): whole lines (OK, SEND OK ...)
 *     entries   ((name, info, forms), ...): a +NAME: line's forms, tried in
 *               order; when none applies, Info(name, params) if info, else
 *               Python. A NAME not in entries is Info.
 *     form      (kind, kind_quoted, amin, amax, codes, make, args): applies when
 *               the line has amin to amax fields (and field 0 is kind, quoted if
 *               kind_quoted, when kind is not b""), each field i read by
 *               codes[min(i, len(codes) - 1)] (below); the event is
 *               make(*args), each arg (op, x): field x's value (None past the
 *               last field), the constant x, the tuple of fields x..., or
 *               ",".join of fields x... (A_*). make None: the event is the
 *               constant of args[0]. A line whose kind matched a form but that
 *               no form of that kind accepts goes to Python (a ProtocolError).
 *
 * Fields are split as pyqio.wire._fields.split splits them (blanks around a
 * field dropped, quotes taken off; a quote, a parenthesis or a byte outside
 * printable ASCII and tab anywhere in a +NAME: line sends it to Python), and
 * a field's code reads it as Python's handler does, or declines: then the
 * next form is tried. Numbers of more than 18 digits are always Python's, so
 * that the C and Python events are equal whatever the input
 * (tests/test_lines_c.py checks that, event for event, on every kind of line
 * and on random and mutated ones).
 *
 * The str of a short field text, and the value of a parenthesised field, are
 * kept for reuse (at most NKEPT objects, all immutable: see kept_pair): a
 * module prints the same texts again and again, and making them is most of
 * the cost of a line once it is read.
 *
 * Codes: i int (bare -?[0-9]+), I int or None (empty), r result code (an int,
 * then codes), d result code of bare digits only, f flag (an int 0 or 1, as
 * bool), s str (quoted or bare), S str or None (empty bare), p IP address
 * ([0-9A-Fa-f.:]{1,45}, quoted or bare), B/b 8/4 bits ("0"/"1") or None
 * (empty bare), g Info's params (a bare int is int, else str), P +CGDCONT's
 * params (g, empty bare None), x anything (not read).
 */
#include "lines.h"

#include <stdint.h>
#include <string.h>

#define NF 32   /* fields read in C; a line with more is Python's */
#define NA 16   /* arguments of a form (events_c.c's MAX_FIELDS) */
#define DIGITS 18   /* longer numbers are Python's: an int64 holds 18 digits */
#define NKEPT 64    /* objects kept for reuse (kept_pair): pairs of ... */
#define KEPT_MAX 16     /* ... str, range and tuple of texts of 2 to KEPT_MAX bytes */

enum { DIGIT = 1, IP = 2, BIT = 4 };     /* character classes */

static int
class_of(int c)
{
    return (c >= '0' && c <= '9') * (DIGIT | IP) + (c == '0' || c == '1') * BIT
           + ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':') * IP;
}

enum { A_FIELD, A_CONST, A_TUPLE, A_JOIN, A_SPLAT };

enum { BARE, QUOTED, PAREN };   /* _fields' kinds */

typedef struct {
    const char *s;
    Py_ssize_t n;
    int type;   /* BARE, QUOTED or PAREN */
} field;

typedef struct {
    const char *kind, *codes;
    Py_ssize_t kind_n, ncodes, amin, amax, nargs;
    int kind_quoted;
    PyObject *make;
    struct {
        int op;
        Py_ssize_t k;
        PyObject *c;
    } arg[NA];
} form;

typedef struct {
    const char *name;
    Py_ssize_t name_n, first, nforms;
    uint64_t key;   /* the name's first 8 bytes (name_key) */
    PyObject *str;  /* the name as Info and TestResponse give it */
    int info;
} entry;

typedef struct {
    const char *s;
    Py_ssize_t n;
    PyObject *event;
} exact;

enum { K_STR, K_PAREN };    /* what a kept object is of its text */

typedef struct {
    uint64_t w[2];  /* the text: its first and last 8 bytes, or its bytes and 0 (kept_pair) */
    uint64_t tag;   /* its length * 2 + K_*; 0 in a slot holding nothing */
    PyObject *obj;  /* the object of that text as that kind, or NULL */
} kept;

typedef struct {
    PyObject_HEAD
    PyObject *spec;     /* the constructor's arguments: everything below borrows from it */
    PyObject *fallback, *text, *info, *cme, *test, *codes, *datetime, *utc;
    exact *exact;
    entry *entry;
    form *form;
    Py_ssize_t nexact, nentry;
    unsigned char bad[256];     /* 1 for a byte the table leaves to Python */
    unsigned char cls[256];     /* each byte's classes (class_of) */
    kept kept[NKEPT];       /* objects made lately (kept_pair) */
} Lines;

/* ---- building the table ------------------------------------------------ */

static int
bad_spec(const char *what)
{
    PyErr_Format(PyExc_TypeError, "Lines: %s", what);
    return -1;
}

static int
read_form(form *f, PyObject *t)
{
    PyObject *args;
    if (!PyArg_ParseTuple(t, "y#pnny#OO!:form", &f->kind, &f->kind_n, &f->kind_quoted,
                          &f->amin, &f->amax, &f->codes, &f->ncodes, &f->make,
                          &PyTuple_Type, &args))
        return -1;
    f->nargs = PyTuple_Size(args);
    if (f->amin < 0 || f->amin > f->amax || f->amax > NF || f->ncodes < 1 || f->nargs > NA)
        return bad_spec("a form has 0 <= amin <= amax <= 32 fields, codes and at most 16 args");
    for (Py_ssize_t i = 0; i < f->nargs; i++) {
        PyObject *x;
        if (!PyArg_ParseTuple(PyTuple_GetItem(args, i), "iO:arg", &f->arg[i].op, &x))
            return -1;
        f->arg[i].c = x;
        f->arg[i].k = f->arg[i].op == A_CONST ? 0 : PyLong_AsSsize_t(x);
        if (f->arg[i].k == -1 && PyErr_Occurred())
            return -1;
        if ((unsigned)f->arg[i].op > A_SPLAT || f->arg[i].k < 0)
            return bad_spec("an arg is (0-4, a field number >= 0) or (1, a constant)");
    }
    if (f->make == Py_None ? f->nargs != 1 || f->arg[0].op != A_CONST
                           : !PyCallable_Check(f->make))
        return bad_spec("make is callable, or None with one constant arg");
    return 0;
}

/* The first 8 bytes of a NAME, zero-padded: one compare rules out almost every entry. */
static uint64_t
name_key(const char *s, Py_ssize_t n)
{
    uint64_t k = 0;
    memcpy(&k, s, (size_t)(n < 8 ? n : 8));
    return k;
}

static int
read_entries(Lines *self, PyObject *entries)
{
    Py_ssize_t n = PyTuple_Size(entries), nform = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *forms = PyTuple_GetItem(PyTuple_GetItem(entries, i), 2);
        if (forms == NULL || !PyTuple_Check(forms))
            return bad_spec("an entry is (name, info, (form, ...))");
        nform += PyTuple_Size(forms);
    }
    self->entry = PyMem_Calloc((size_t)n + 1, sizeof(entry));
    self->form = PyMem_Calloc((size_t)nform + 1, sizeof(form));
    if (self->entry == NULL || self->form == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    nform = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        entry *e = &self->entry[i];
        PyObject *forms;
        if (!PyArg_ParseTuple(PyTuple_GetItem(entries, i), "y#pO:entry", &e->name, &e->name_n,
                              &e->info, &forms))
            return -1;
        self->nentry = i + 1;
        e->key = name_key(e->name, e->name_n);
        e->str = PyUnicode_DecodeLatin1(e->name, e->name_n, NULL);
        if (e->str == NULL)
            return -1;
        e->first = nform;
        e->nforms = PyTuple_Size(forms);
        for (Py_ssize_t j = 0; j < e->nforms; j++) {
            if (read_form(&self->form[nform++], PyTuple_GetItem(forms, j)) < 0)
                return -1;
        }
    }
    return 0;
}

static int
read_exact(Lines *self, PyObject *pairs)
{
    Py_ssize_t n = PyTuple_Size(pairs);
    self->exact = PyMem_Calloc((size_t)n + 1, sizeof(exact));
    if (self->exact == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        exact *x = &self->exact[i];
        if (!PyArg_ParseTuple(PyTuple_GetItem(pairs, i), "y#O:exact", &x->s, &x->n, &x->event))
            return -1;
        self->nexact = i + 1;
    }
    return 0;
}

static PyObject *
Lines_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *fallback, *text, *info, *cme, *test, *codes, *datetime, *utc, *pairs, *entries;
    if (kwds != NULL || !PyArg_ParseTuple(args, "OOOOOO!OOO!O!:Lines", &fallback, &text, &info,
                                          &cme, &test, &PyDict_Type, &codes, &datetime, &utc,
                                          &PyTuple_Type, &pairs, &PyTuple_Type, &entries)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Lines() takes no keyword arguments");
        return NULL;
    }
    if (!PyCallable_Check(fallback) || !PyCallable_Check(text) || !PyCallable_Check(info)
        || !PyCallable_Check(cme) || !PyCallable_Check(test) || !PyCallable_Check(datetime)) {
        bad_spec("fallback, text, info, cme, test and datetime must be callable");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Lines *self = (Lines *)alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->spec = Py_NewRef(args);
    self->fallback = fallback;
    self->text = text;
    self->info = info;
    self->cme = cme;
    self->test = test;
    self->codes = codes;
    self->datetime = datetime;
    self->utc = utc;
    for (int c = 0; c < 256; c++) {
        self->bad[c] = (c < ' ' || c > '~') && c != '\t';
        self->cls[c] = (unsigned char)class_of(c);
    }
    if (read_exact(self, pairs) < 0 || read_entries(self, entries) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
Lines_dealloc(Lines *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    for (Py_ssize_t i = 0; i < self->nentry; i++)
        Py_XDECREF(self->entry[i].str);
    for (int i = 0; i < NKEPT; i++)
        Py_XDECREF(self->kept[i].obj);
    PyMem_Free(self->exact);
    PyMem_Free(self->entry);
    PyMem_Free(self->form);
    Py_XDECREF(self->spec);
    ((freefunc)PyType_GetSlot(tp, Py_tp_free))(self);
    Py_DECREF(tp);
}

/* ---- reading fields ------------------------------------------------------ */

static int
blank(char c)
{
    return c == ' ' || c == '\t';
}

/* the bytes that end a bare field: a comma, or a quote or parenthesis out of place */
static const unsigned char ENDS_BARE[256] = {[','] = 1, ['"'] = 1, ['('] = 1, [')'] = 1};

/* The parameters s to end as fields, as _fields.split gives them (a quoted or
 * parenthesised field runs to the next quote or closing parenthesis); their
 * number, or -1 when the line is Python's (a quote or parenthesis out of place,
 * more than NF fields). */
static Py_ssize_t
split(const char *s, const char *end, field *fs)
{
    const char *p = s;
    while (p < end && blank(*p))
        p++;
    if (p == end)
        return 0;   /* nothing but blanks: no field (split's `not rest.strip()`) */
    Py_ssize_t nf = 0;
    for (p = s;; p++) {     /* p at the start of a field */
        field *f = &fs[nf];
        if (++nf > NF)
            return -1;
        while (p < end && blank(*p))
            p++;
        if (p < end && (*p == '"' || *p == '(')) {
            const char *q = memchr(p + 1, *p == '"' ? '"' : ')', (size_t)(end - p - 1));
            if (q == NULL)
                return -1;
            f->s = p + 1;
            f->n = q - p - 1;
            f->type = *p == '"' ? QUOTED : PAREN;
            for (p = q + 1; p < end && blank(*p); p++)
                ;
        } else {
            const char *b = p;
            while (p < end && !ENDS_BARE[(unsigned char)*p])
                p++;
            const char *e = p;
            while (e > b && blank(e[-1]))
                e--;
            f->s = b;
            f->n = e - b;
            f->type = BARE;
        }
        if (p == end)
            return nf;
        if (*p != ',')
            return -1;
    }
}

/* s[0:n] as -?[0-9]+: 1 with *v set, 0 when it is not that, -1 when it has more
 * than DIGITS digits. */
static int
number(const char *s, Py_ssize_t n, long long *v)
{
    int neg = n > 0 && s[0] == '-';
    long long x = 0;
    if (n == neg)
        return 0;
    for (Py_ssize_t i = neg; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (i - neg == DIGITS)
            return -1;  /* read no further: x would overflow */
        x = x * 10 + (s[i] - '0');
    }
    *v = neg ? -x : x;
    return 1;
}

/* Every byte of s[0:n] of the class */
static int
all_of(Lines *self, const char *s, Py_ssize_t n, int cls)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!(self->cls[(unsigned char)s[i]] & cls))
            return 0;
    }
    return 1;
}

/* *slot set to x, then its old reference dropped (Py_SETREF is not in the limited API) */
static void
set(PyObject **slot, PyObject *x)
{
    PyObject *old = *slot;
    *slot = x;
    Py_XDECREF(old);
}

/* Objects kept for reuse. A module prints the same short texts again and again
 * (a cell's TAC and CI, timers, "TCP", an address, a NAME, the ranges of a test
 * command's answer, which it gives verbatim each time), and making a str costs
 * as much as reading a few fields, a range (whose length range() computes with
 * Python ints) more than the rest of its line. So the str, and the range or
 * tuple of a parenthesised field, of texts of 2 to KEPT_MAX bytes are kept, the
 * last two of each pair of slots chosen by a hash of kind and text: each is
 * immutable (a tuple of int and str), and equal to any other of the same text.
 * ("" and single characters are CPython's own singletons.) The table holds at
 * most NKEPT of them, each made from a text of at most KEPT_MAX bytes.
 *
 * kept_pair fills key with kind and s[0:n] (for n of 8 to 16, its first and last
 * 8 bytes, which overlap: with n they are the text; for fewer, its bytes in one
 * word) and gives the pair of slots for key (NULL for a text too short or too
 * long to keep), and in *x the object kept for it, a new reference, or NULL. */
static kept *
kept_pair(Lines *self, int kind, const char *s, Py_ssize_t n, kept *key, PyObject **x)
{
    const uint64_t mix = 0x9E3779B97F4A7C15u;
    *x = NULL;
    if (n < 2 || n > KEPT_MAX)
        return NULL;
    key->w[0] = key->w[1] = 0;
    if (n >= 8) {
        memcpy(&key->w[0], s, 8);
        memcpy(&key->w[1], s + n - 8, 8);
    } else {
        for (Py_ssize_t i = 0; i < n; i++)
            key->w[0] = key->w[0] << 8 | (unsigned char)s[i];
    }
    key->tag = (uint64_t)n * 2 + (uint64_t)kind;
    uint64_t h = (key->w[0] * mix ^ key->w[1] ^ key->tag) * mix;
    kept *t = &self->kept[h >> 59 << 1];    /* one of NKEPT / 2 pairs */
    for (int i = 0; i < 2; i++) {   /* three words at once; an empty slot's tag is 0 */
        if (((t[i].w[0] ^ key->w[0]) | (t[i].w[1] ^ key->w[1]) | (t[i].tag ^ key->tag)) == 0) {
            *x = Py_NewRef(t[i].obj);
            break;
        }
    }
    return t;
}

/* x, just made (or NULL), kept first in the pair t (if any) as the object of key;
 * the one it replaces second, the older dropped. */
static PyObject *
keep(kept *t, const kept *key, PyObject *x)
{
    if (t == NULL || x == NULL)
        return x;
    PyObject *old = t[1].obj;
    t[1] = t[0];
    t[0] = *key;
    t[0].obj = Py_NewRef(x);
    Py_XDECREF(old);
    return x;
}

/* s[0:n] as str: printable ASCII or tab, what the table reads, so Latin-1 too
 * (whose decoder copies, where UTF-8's checks each byte again). */
static PyObject *
text_of(Lines *self, const char *s, Py_ssize_t n)
{
    PyObject *x;
    kept key, *t = kept_pair(self, K_STR, s, n, &key, &x);
    return x != NULL ? x : keep(t, &key, PyUnicode_DecodeLatin1(s, n, NULL));
}

static PyObject *
str(Lines *self, const field *f)
{
    return text_of(self, f->s, f->n);
}

static PyObject *
result(Lines *self, PyObject *v)
{
    PyObject *m = v ? PyDict_GetItemWithError(self->codes, v) : NULL;
    if (m != NULL || PyErr_Occurred())   /* a member; or a key's __eq__ raised */
        set(&v, Py_XNewRef(m));
    return v;
}

static void
drop(PyObject **v, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(v[i]);
}

static PyObject *
call(PyObject *make, PyObject *const *v, Py_ssize_t n)
{
    PyObject *e = qio_make(make, v, n);
    if (e != NULL || PyErr_Occurred())
        return e;
    PyObject *args = PyTuple_New(n);
    for (Py_ssize_t i = 0; args != NULL && i < n; i++)
        PyTuple_SetItem(args, i, Py_NewRef(v[i]));
    e = args ? PyObject_Call(make, args, NULL) : NULL;
    Py_XDECREF(args);
    return e;
}

/* s[0:n] without the blanks around it */
static void
strip(const char **s, Py_ssize_t *n)
{
    while (*n > 0 && blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && blank((*s)[*n - 1]))
        (*n)--;
}

/* A parenthesised field's value (_fields._paren) from its text s[0:n], stripped:
 * a range "a-b", else the tuple of its comma-separated items (int, str without
 * its quotes, or str); NULL without an exception where a number is too long. */
static PyObject *
paren_value(Lines *self, const char *s, Py_ssize_t n)
{
    long long lo = 0, hi = 0;
    const char *dash = memchr(s, '-', (size_t)n);
    if (n == 0)
        return PyTuple_New(0);
    if (dash != NULL) {     /* value.partition("-"), each side stripped */
        const char *a = s, *b = dash + 1;
        Py_ssize_t an = dash - s, bn = s + n - b;
        strip(&a, &an);
        strip(&b, &bn);
        int x = number(a, an, &lo), y = number(b, bn, &hi);
        if (x < 0 || y < 0)
            return NULL;
        if (x && y) {
            PyObject *bounds[2] = {PyLong_FromLongLong(lo), PyLong_FromLongLong(hi + 1)};
            PyObject *r = bounds[0] && bounds[1] ? call((PyObject *)&PyRange_Type, bounds, 2)
                                                 : NULL;
            drop(bounds, 2);
            return r;
        }
    }
    Py_ssize_t count = 1;
    for (Py_ssize_t i = 0; i < n; i++)
        count += s[i] == ',';
    PyObject *items = PyTuple_New(count);
    const char *p = s, *end = s + n;
    for (Py_ssize_t j = 0; items != NULL && j < count; j++) {
        const char *q = j == count - 1 ? end : memchr(p, ',', (size_t)(end - p));
        const char *i = p;
        Py_ssize_t in = q - p;
        strip(&i, &in);
        int num = number(i, in, &lo);
        PyObject *x = num > 0 ? PyLong_FromLongLong(lo)
                    : num < 0 ? NULL
                    : in >= 2 && i[0] == '"' && i[in - 1] == '"'
                    ? text_of(self, i + 1, in - 2)
                    : text_of(self, i, in);
        if (x == NULL)
            set(&items, NULL);
        else
            PyTuple_SetItem(items, j, x);
        p = q + 1;
    }
    return items;
}

/* paren_value, kept by the text (a range, or a tuple of int and str: immutable) */
static PyObject *
paren(Lines *self, const char *s, Py_ssize_t n)
{
    PyObject *x;
    strip(&s, &n);
    kept key, *t = kept_pair(self, K_PAREN, s, n, &key, &x);
    return x != NULL ? x : keep(t, &key, paren_value(self, s, n));
}

/* Between lo and hi digits at *p (at most 4, hi), their value in *v; 0 if fewer. */
static int
digits(const char **p, const char *end, int lo, int hi, int *v)
{
    int k = 0;
    for (*v = 0; *p < end && k < hi + 1 && **p >= '0' && **p <= '9'; (*p)++, k++)
        *v = *v * 10 + (**p - '0');
    return k >= lo && k <= hi;
}

/* "YY/MM/DD,hh:mm:ss[+-zz]" as +QNTP prints it (loose: fields of one or two digits,
 * a year of two or four, one space after the comma, _fields._TIME_RE) or +CCLK
 * (strict: two digits each, _events_3gpp._CCLK), into t: year (20YY for YY), month,
 * day, hour, minute, second, zone in quarter hours (signed) and 1 if a zone came. */
static int
read_time(const char *p, Py_ssize_t n, int strict, int t[8])
{
    const char *end = p + n;
    int w = strict ? 2 : 1, ok = 1;
    const char *y = p;
    ok &= digits(&p, end, 2, 4, &t[0]) && p - y != 3;
    t[0] += p - y == 2 ? 2000 : 0;
    for (int i = 1; i < 6 && ok; i++) {
        ok &= p < end && *p++ == "//,::"[i - 1];
        if (i == 3 && !strict && p < end && *p == ' ')
            p++;
        ok &= digits(&p, end, w, 2, &t[i]);
    }
    t[6] = t[7] = 0;
    if (ok && p < end && (*p == '+' || *p == '-')) {
        int neg = *p++ == '-';
        ok &= digits(&p, end, 1, 2, &t[6]);
        t[6] = neg ? -t[6] : t[6];
        t[7] = 1;
    }
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = t[0] % 4 == 0 && (t[0] % 100 != 0 || t[0] % 400 == 0);
    /* a date datetime() takes, and a zone within a day (timezone()'s bounds) */
    return ok && p == end && t[0] >= 1 && t[1] >= 1 && t[1] <= 12 && t[2] >= 1
           && t[2] <= days[t[1] - 1] + (t[1] == 2 && leap) && t[3] < 24 && t[4] < 60
           && t[5] < 60 && t[6] > -96 && t[6] < 96;
}

/* datetime(*t[0:6], 0, utc), made from its pickled state, datetime(state, tzinfo)
 * (the form its __reduce__ gives, which every CPython must load): the date is
 * checked already, and the keyword parsing of datetime(y, m, d, ...) would cost
 * more than the rest of the line. */
static PyObject *
utc_time(Lines *self, const int t[8])
{
    unsigned char state[10] = {(unsigned char)(t[0] >> 8), (unsigned char)t[0],
                               (unsigned char)t[1], (unsigned char)t[2], (unsigned char)t[3],
                               (unsigned char)t[4], (unsigned char)t[5], 0, 0, 0};
    PyObject *a[2] = {PyBytes_FromStringAndSize((const char *)state, 10), self->utc};
    PyObject *d = a[0] ? call(self->datetime, a, 2) : NULL;
    Py_XDECREF(a[0]);
    return d;
}

/* Field f read by code c: a new reference; NULL without an exception when the
 * field is not of that code (Python reads the line). */
static PyObject *
value(Lines *self, char c, const field *f)
{
    long long v = 0;
    int empty = f->type == BARE && f->n == 0;
    /* the numeric codes' number (strings need none) */
    int num = f->type == BARE && c != 's' && c != 'S' && c != 'p' ? number(f->s, f->n, &v) : 0;
    switch (c) {
    case 'I':
        if (empty)
            return Py_NewRef(Py_None);
        /* fall through */
    case 'i':
        return num == 1 ? PyLong_FromLongLong(v) : NULL;
    case 'd':
        if (!all_of(self, f->s, f->n, DIGIT))
            return NULL;
        /* fall through */
    case 'r':
        return num == 1 ? result(self, PyLong_FromLongLong(v)) : NULL;
    case 'f':
        return num == 1 && (v == 0 || v == 1) ? PyBool_FromLong((long)v) : NULL;
    case 'S':
        return empty ? Py_NewRef(Py_None) : str(self, f);
    case 's':
        return str(self, f);
    case 'p':
        return f->n >= 1 && f->n <= 45 && all_of(self, f->s, f->n, IP)
               ? str(self, f) : NULL;
    case 'B':
    case 'b':
        if (empty)
            return Py_NewRef(Py_None);
        return f->n == (c == 'B' ? 8 : 4) && all_of(self, f->s, f->n, BIT) ? str(self, f) : NULL;
    case 'P':
        if (empty)
            return Py_NewRef(Py_None);
        if (f->type == BARE) {   /* _param: value.lstrip("-").isdigit() is to_int's */
            Py_ssize_t m = 0;
            while (m < f->n && f->s[m] == '-')
                m++;
            if (m < f->n && all_of(self, f->s + m, f->n - m, DIGIT))
                return num == 1 ? PyLong_FromLongLong(v) : NULL;
        }
        /* fall through */
    case 'g':
        return f->type == PAREN ? paren(self, f->s, f->n)
               : num == 1 ? PyLong_FromLongLong(v) : str(self, f);
    case 'T': { /* +QNTP's time: (datetime, zone or None) */
        int t[8];
        const char *p = f->s;
        Py_ssize_t m = f->n;
        strip(&p, &m);
        if (!read_time(p, m, 0, t))
            return NULL;
        PyObject *d = utc_time(self, t);
        PyObject *z = d == NULL ? NULL : t[7] ? PyLong_FromLong(t[6]) : Py_NewRef(Py_None);
        PyObject *pair = z ? PyTuple_Pack(2, d, z) : NULL;
        Py_XDECREF(d);
        Py_XDECREF(z);
        return pair;
    }
    case 'C': { /* +CCLK's: the text, once it names a date (clock_time) */
        int t[8];
        return read_time(f->s, f->n, 1, t) ? str(self, f) : NULL;
    }
    case 'x':
        return Py_NewRef(Py_None);
    default:
        return NULL;
    }
}

/* ---- making events ------------------------------------------------------- */

/* Fields v[k:nf] as a tuple. */
static PyObject *
gather(PyObject *const *v, Py_ssize_t k, Py_ssize_t nf)
{
    PyObject *t = PyTuple_New(k < nf ? nf - k : 0);
    for (Py_ssize_t i = k; t != NULL && i < nf; i++)
        PyTuple_SetItem(t, i - k, Py_NewRef(v[i]));
    return t;
}

/* The text of fields fs[k:nf] joined by commas (",".join of their values). */
static PyObject *
joined(const field *fs, Py_ssize_t k, Py_ssize_t nf)
{
    Py_ssize_t n = 0;
    for (Py_ssize_t i = k; i < nf; i++)
        n += fs[i].n + (i > k);
    char *buf = PyMem_Malloc((size_t)n + 1), *p = buf;
    for (Py_ssize_t i = k; buf != NULL && i < nf; i++) {
        if (i > k)
            *p++ = ',';
        memcpy(p, fs[i].s, (size_t)fs[i].n);
        p += fs[i].n;
    }
    PyObject *s = buf ? PyUnicode_DecodeLatin1(buf, n, NULL) : PyErr_NoMemory();
    PyMem_Free(buf);
    return s;
}

/* The event of form f on fields fs (nf of them, within its counts), or NULL
 * (without an exception: f does not apply). The args are borrowed from the
 * values, the constants and the tuple splatted; those made here (tuples, joins)
 * are kept in own until the event is made. */
static PyObject *
make(Lines *self, const form *f, const field *fs, Py_ssize_t nf)
{
    PyObject *v[NF], *a[NA], *own[NA], *e = NULL;
    Py_ssize_t i, na = 0, no = 0;
    for (i = 0; i < nf; i++) {
        v[i] = value(self, f->codes[i < f->ncodes ? i : f->ncodes - 1], &fs[i]);
        if (v[i] == NULL) {
            drop(v, i);
            return NULL;
        }
    }
    if (f->make == Py_None) {
        drop(v, nf);
        return Py_NewRef(f->arg[0].c);
    }
    int ok = 1;
    for (Py_ssize_t j = 0; ok && j < f->nargs; j++) {
        int op = f->arg[j].op;
        Py_ssize_t k = f->arg[j].k;
        if (op == A_FIELD || op == A_CONST) {
            a[na++] = op == A_CONST ? f->arg[j].c : k < nf ? v[k] : Py_None;
        } else if (op == A_SPLAT) {     /* the items of a code's tuple (+QNTP's time, zone) */
            PyObject *t = k < nf ? v[k] : NULL;
            Py_ssize_t m = t != NULL && PyTuple_Check(t) ? PyTuple_Size(t) : NA + 1;
            ok = na + m <= NA;
            for (Py_ssize_t i2 = 0; ok && i2 < m; i2++)
                a[na++] = PyTuple_GetItem(t, i2);
        } else {
            PyObject *x = op == A_TUPLE ? gather(v, k, nf) : joined(fs, k, nf);
            ok = x != NULL;
            a[na++] = own[no] = x;
            no += ok;
        }
    }
    if (ok)
        e = call(f->make, a, na);
    drop(own, no);
    drop(v, nf);
    return e;
}

/* Info or TestResponse (make) (name, params) of a +NAME: line (the name as
 * str when its entry has it, else NULL); NULL without an exception: Python's. */
static PyObject *
info(Lines *self, PyObject *make, PyObject *str, const char *name, Py_ssize_t n,
     const field *fs, Py_ssize_t nf)
{
    PyObject *v[2] = {NULL, PyTuple_New(nf)};
    for (Py_ssize_t i = 0; v[1] != NULL && i < nf; i++) {
        PyObject *x = value(self, 'g', &fs[i]);
        if (x == NULL)
            set(&v[1], NULL);
        else
            PyTuple_SetItem(v[1], i, x);
    }
    v[0] = v[1] == NULL ? NULL : str ? Py_NewRef(str) : text_of(self, name, n);
    PyObject *e = v[0] ? call(make, v, 2) : NULL;
    drop(v, 2);
    return e;
}

static const entry *
find_entry(Lines *self, const char *name, Py_ssize_t n)
{
    uint64_t key = name_key(name, n);
    for (Py_ssize_t i = 0; i < self->nentry; i++) {
        const entry *e = &self->entry[i];
        if (e->key == key && e->name_n == n
            && (n <= 8 || memcmp(e->name + 8, name + 8, (size_t)(n - 8)) == 0))
            return e;
    }
    return NULL;
}

/* A +NAME: line by its entry's forms, or Info for a NAME without one. */
static PyObject *
plus(Lines *self, const char *s, Py_ssize_t n, const char *colon)
{
    field fs[NF];
    const char *name = s + 1;
    Py_ssize_t name_n = colon - name;
    long long v;
    int test = 0;
    Py_ssize_t nf = split(colon + 1, s + n, fs);
    for (Py_ssize_t i = 0; i < nf; i++) {
        if (fs[i].type == BARE && fs[i].n > DIGITS && number(fs[i].s, fs[i].n, &v) < 0)
            return NULL;    /* a number past an int64: every form of the line is Python's */
        test |= fs[i].type == PAREN;    /* a test command's answer, whatever the NAME */
    }
    if (nf < 0)
        return NULL;
    const entry *en = find_entry(self, name, name_n);
    PyObject *str = en ? en->str : NULL;
    if (test || en == NULL)
        return info(self, test ? self->test : self->info, str, name, name_n, fs, nf);
    int hit = 0;
    for (Py_ssize_t j = en->first; j < en->first + en->nforms; j++) {
        const form *f = &self->form[j];
        if (f->kind_n > 0) {
            if (nf == 0 || (f->kind_quoted && fs[0].type != QUOTED) || fs[0].n != f->kind_n
                || memcmp(fs[0].s, f->kind, (size_t)f->kind_n) != 0)
                continue;
            hit = 1;
        }
        if (nf < f->amin || nf > f->amax)
            continue;
        PyObject *e = make(self, f, fs, nf);
        if (e != NULL || PyErr_Occurred())
            return e;
    }
    return en->info && !hit ? info(self, self->info, str, name, name_n, fs, nf) : NULL;
}

/* +CME ERROR: <err>, numeric or verbose (_lines._cme). */
static PyObject *
cme(Lines *self, const char *s, const char *end)
{
    while (s < end && blank(*s))
        s++;
    while (end > s && blank(end[-1]))
        end--;
    long long v = 0;
    Py_ssize_t n = end - s;
    int digits = all_of(self, s, n, DIGIT);    /* str.isdigit(): no sign */
    if (n == 0 || (digits && number(s, n, &v) < 0))
        return NULL;    /* nothing (a ProtocolError), or a long number: Python's */
    PyObject *x = digits ? PyLong_FromLongLong(v) : PyUnicode_DecodeLatin1(s, n, NULL);
    PyObject *e = x ? call(self->cme, &x, 1) : NULL;
    Py_XDECREF(x);
    return e;
}

static PyObject *
text(Lines *self, const char *s, Py_ssize_t n)
{
    PyObject *b = PyBytes_FromStringAndSize(s, n);
    PyObject *e = b ? call(self->text, &b, 1) : NULL;
    Py_XDECREF(b);
    return e;
}

static PyObject *
find_exact(Lines *self, const char *s, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < self->nexact; i++) {
        const exact *x = &self->exact[i];
        if (x->n == n && memcmp(x->s, s, (size_t)n) == 0)
            return Py_NewRef(x->event);
    }
    return NULL;
}

/* 1 when s[0:n] holds a byte the table leaves to Python (bad[]). Eight bytes at
 * a time first: a byte >= 0x80 sets its top bit; one below 0x20, or 0x7f, sets it
 * in (w - 0x20..) & ~w, or (y - 0x01..) & ~y for y = w ^ 0x7f.. (the lowest such
 * byte always does: no borrow reaches it from below). Where a word has one (a tab
 * too), or past the last whole word, each byte is looked up. */
static int
has_bad(Lines *self, const char *s, Py_ssize_t n)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t acc = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, y;
        memcpy(&w, s + i, 8);
        y = w ^ (ones * 0x7f);
        acc |= w | ((w - ones * 0x20) & ~w) | ((y - ones) & ~y);
    }
    if (acc & (ones * 0x80))
        i = 0;
    unsigned char bad = 0;
    for (; i < n; i++)
        bad |= self->bad[(unsigned char)s[i]];
    return bad;
}

/* The event of line s[0:n] as classify_line makes it, or NULL: without an
 * exception when the line is Python's to read. */
static PyObject *
classify(Lines *self, const char *s, Py_ssize_t n)
{
    PyObject *e = find_exact(self, s, n);
    if (e != NULL)
        return e;
    if (n == 0 || s[0] != '+') {
        Py_ssize_t m = n;
        while (m > 0 && blank(s[m - 1]))
            m--;
        e = find_exact(self, s, m);
        return e ? e : text(self, s, n);
    }
    const char *colon = memchr(s, ':', (size_t)n);
    if (colon == NULL || colon - s < 2 || memchr(s, '"', (size_t)(colon - s)) != NULL)
        return text(self, s, n);
    if (has_bad(self, s, n))
        return NULL;    /* Python decodes it (surrogateescape, str.strip's blanks) */
    if (colon - s == 10 && memcmp(s, "+CME ERROR", 10) == 0)
        return cme(self, colon + 1, s + n);
    return plus(self, s, n, colon);
}

/* The event of line, by classify() or else by the fallback. */
static PyObject *
line_event(Lines *self, PyObject *line, const char *s, Py_ssize_t n)
{
    PyObject *e = classify(self, s, n);
    if (e != NULL || PyErr_Occurred())
        return e;
    PyObject *b = line ? Py_NewRef(line) : PyBytes_FromStringAndSize(s, n);
    e = b ? PyObject_CallFunctionObjArgs(self->fallback, b, NULL) : NULL;
    Py_XDECREF(b);
    return e;
}

static PyObject *
Lines_call(Lines *self, PyObject *args, PyObject *kwds)
{
    PyObject *line;
    if (kwds != NULL || !PyArg_ParseTuple(args, "O!:Lines", &PyBytes_Type, &line)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Lines() takes no keyword arguments");
        return NULL;
    }
    return line_event(self, line, PyBytes_AsString(line), PyBytes_Size(line));
}

static PyObject *
Lines_peek(Lines *self, PyObject *line)
{
    if (!PyBytes_Check(line)) {
        PyErr_SetString(PyExc_TypeError, "peek(line): line must be bytes");
        return NULL;
    }
    PyObject *e = classify(self, PyBytes_AsString(line), PyBytes_Size(line));
    return e != NULL || PyErr_Occurred() ? e : Py_NewRef(Py_None);
}

PyObject *
qio_lines_line(PyObject *lines, const char *s, Py_ssize_t n)
{
    if (PyType_GetSlot(Py_TYPE(lines), Py_tp_call) != (void *)Lines_call)
        return NULL;
    return line_event((Lines *)lines, NULL, s, n);
}

static PyMethodDef Lines_methods[] = {
    {"peek", (PyCFunction)Lines_peek, METH_O,
     "peek(line) -> the event made in C, or None where the fallback would make it."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Lines_slots[] = {
    {Py_tp_new, Lines_new},
    {Py_tp_call, Lines_call},
    {Py_tp_dealloc, Lines_dealloc},
    {Py_tp_methods, Lines_methods},
    {Py_tp_doc, "Lines(fallback, text, info, cme, codes, exact, entries): line(bytes) -> "
                "its event, made in C from the table where it applies, else by fallback "
                "(csrc/lines.c)."},
    {0, NULL},
};

PyType_Spec qio_lines_spec = {
    "pyqio._events_c.Lines", sizeof(Lines), 0, Py_TPFLAGS_DEFAULT, Lines_slots,
};
