/* pyqio._events_c: the decoder's feed in C, with nothing callable from Python
 * able to crash the process (optional; pyqio works without it, and
 * PYQIO_NO_EVENTS_C=1 turns it off).
 *
 * The extension links csrc/tokenizer.c itself: each Feeder owns its qio_parser
 * and every buffer the parser writes to, allocated in its constructor from sizes
 * it checks. No address or function pointer ever crosses to or from Python.
 *
 * Only the public C API, in its limited form (Py_LIMITED_API 0x030A0000, one
 * abi3 build for every CPython >= 3.10; it also builds without the limit):
 *
 *   RecvFields          a base class with six object members (pyqio.events.Recv's
 *                       fields, laid out here): the storage of Recv where this
 *                       extension is built.
 *   Maker(cls, names)   a callable making cls instances from the field values,
 *                       positionally: cls.__new__ is object's, so the instance
 *                       comes from PyType_GenericNew, and each field is stored
 *                       through the class's own data descriptor (its __set__,
 *                       as object.__setattr__ does in a frozen dataclass's
 *                       __init__); or, where those descriptors are RecvFields'
 *                       own members in their order, straight into the struct
 *                       this file defines. No other layout is ever read.
 *   Feeder(cls, names, line, slow, error, max_line, tok_cap, arena_cap, dmx_cap
 *          [, module[, read_cls, read_names]])
 *                       a tokenizer (module: QIO_M_*, fixed for its life) plus
 *                       event builder: feed(data), feed_demux(data, buffers,
 *                       *, until_event=False), finish(), reset(),
 *                       configure(hex, show_ra, udp_mask
 *                       [, buffer_mask]). Recv events (cls,
 *                       with the six fields names) are made as Maker makes them,
 *                       +QIRD data (QIO_T_READ, bg96) as read_cls (data,
 *                       remote_ip, remote_port) where given, lines through
 *                       line(bytes); each run of other tokens (prompts, errors)
 *                       goes to slow(out, rows, arena, start, stop) with the
 *                       batch as bytes (nine int32 per token).
 *                       tok_cap, arena_cap and dmx_cap are what the output
 *                       space may grow to (see fit_space); capacity() gives
 *                       (tokens, arena, dmx, bytes) as they are now.
 *
 * Nothing is lost on an exception (a callback raising, MemoryError, a bytearray
 * that cannot grow while a memoryview holds it): the events made so far, the
 * batch not yet delivered (by a token and a segment cursor) and the input not
 * yet tokenized (a queue of (bytes, buffers) items) stay in the Feeder, and the
 * next call delivers them first. A call made while another runs on the same
 * Feeder (a callback feeding it again, another thread) raises RuntimeError.
 *
 * feed_demux(data, buffers, until_event=True) keeps events and payloads in
 * stream order: each C call may make one token at most (tok_cap 1 for that
 * batch), the payloads demuxed before it are appended first, and the call
 * returns with that event; what follows waits in the Feeder for the next call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "lines.h"
#include "tokenizer.h"

#ifndef Py_T_OBJECT_EX  /* before 3.12: structmember.h's name for it */
#include <structmember.h>
#define Py_T_OBJECT_EX T_OBJECT_EX
#endif

#define MAX_FIELDS 16   /* more than any pyqio event has (Registration: 9) */
#define RECV_FIELDS 6   /* connect_id, data, length, remote_ip, remote_port, framed */
#define READ_FIELDS 3   /* data, remote_ip, remote_port (+QIRD data: ReadData) */
#define MAX_IDS 65536   /* a connect id is a NUM: 0-65535 (TOKENS.md) */
#define HINTS 64        /* connect ids whose bytearray's storage is remembered */
#define GROUPS 8        /* bytearrays a batch's payloads are grouped for (spill_grouped) */
#define ALIGN(n) (((n) + 63) & ~(size_t)63)

/* ---- RecvFields: storage laid out by this extension ---------------------------
 *
 * The base class of pyqio.events.Recv where this extension is built: its six
 * fields are object members of a struct defined here, so that a maker fills a
 * new instance by storing into that struct (the way any C type fills its own
 * members) instead of calling six descriptors. Python reads and writes them
 * through the member descriptors PyType_FromSpec makes from RecvFields_members
 * (the dataclass's frozen __init__ stores with object.__setattr__, as it does
 * into slots). Immutable type: its descriptors cannot be replaced, so a class
 * whose attribute names resolve to them is laid out as the struct says. */

typedef struct {
    PyObject_HEAD
    PyObject *f[RECV_FIELDS];
} RecvFields;

static const char *const recv_names[RECV_FIELDS] = {
    "connect_id", "data", "length", "remote_ip", "remote_port", "framed",
};

static PyMemberDef RecvFields_members[] = {
    {"connect_id", Py_T_OBJECT_EX, offsetof(RecvFields, f[0]), 0, NULL},
    {"data", Py_T_OBJECT_EX, offsetof(RecvFields, f[1]), 0, NULL},
    {"length", Py_T_OBJECT_EX, offsetof(RecvFields, f[2]), 0, NULL},
    {"remote_ip", Py_T_OBJECT_EX, offsetof(RecvFields, f[3]), 0, NULL},
    {"remote_port", Py_T_OBJECT_EX, offsetof(RecvFields, f[4]), 0, NULL},
    {"framed", Py_T_OBJECT_EX, offsetof(RecvFields, f[5]), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* *slot set to NULL, then its old reference dropped (Py_CLEAR, without the
 * macro's branch: branch coverage counts the branches of macros) */
static void
clear(PyObject **slot)
{
    PyObject *old = *slot;
    *slot = NULL;
    Py_XDECREF(old);
}

/* The fields hold whatever a caller put there (a list holding the event itself,
 * say): the class takes part in garbage collection as a slotted class does. */
static int
RecvFields_traverse(PyObject *self, visitproc visit, void *arg)
{
    RecvFields *r = (RecvFields *)self;
    int rc = visit((PyObject *)Py_TYPE(self), arg);
    for (int i = 0; i < RECV_FIELDS && rc == 0; i++)
        rc = r->f[i] != NULL ? visit(r->f[i], arg) : 0;
    return rc;
}

static int
RecvFields_clear(PyObject *self)
{
    RecvFields *r = (RecvFields *)self;
    for (int i = 0; i < RECV_FIELDS; i++)
        clear(&r->f[i]);
    return 0;
}

static void
RecvFields_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    RecvFields_clear(self);
    ((freefunc)PyType_GetSlot(tp, Py_tp_free))(self);
    Py_DECREF(tp);
}

static PyType_Slot RecvFields_slots[] = {
    {Py_tp_members, RecvFields_members},
    {Py_tp_traverse, RecvFields_traverse},
    {Py_tp_clear, RecvFields_clear},
    {Py_tp_dealloc, RecvFields_dealloc},
    {Py_tp_doc, "The fields of pyqio.events.Recv, laid out by this extension (its base class)."},
    {0, NULL},
};

static PyType_Spec RecvFields_spec = {
    "pyqio._events_c.RecvFields", sizeof(RecvFields), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    RecvFields_slots,
};

/* ---- making instances through the class's own descriptors ---------------- */

typedef struct {
    PyObject *cls, *empty;
    Py_ssize_t n;
    PyObject *descr[MAX_FIELDS];
    descrsetfunc set[MAX_FIELDS];
    int own;    /* cls's fields are a RecvFields' members, in this order */
} maker;

/* 1 when the n descriptors are the members of a RecvFields type (made by this
 * extension: its dealloc is ours), in their order, and cls derives from it: an
 * instance of cls is then a RecvFields struct, and the maker may store into it.
 * A probe: whatever fails in it (a descriptor with no __objclass__, a
 * MemoryError) leaves 0, the descriptors, which are always right. */
static int
own_layout(PyObject *cls, PyObject *const *descr, Py_ssize_t n)
{
    PyObject *owner = n == RECV_FIELDS ? PyObject_GetAttrString(descr[0], "__objclass__") : NULL;
    int own = owner != NULL && PyType_Check(owner)
        && PyType_GetSlot((PyTypeObject *)owner, Py_tp_dealloc) == (void *)RecvFields_dealloc
        && PyType_IsSubtype((PyTypeObject *)cls, (PyTypeObject *)owner);
    for (int i = 0; own && i < RECV_FIELDS; i++) {
        PyObject *d = PyObject_GetAttrString(owner, recv_names[i]);
        own = d == descr[i];
        Py_XDECREF(d);
    }
    Py_XDECREF(owner);
    PyErr_Clear();
    return own;
}

/* cls must be a Python class whose instances object.__new__ makes, names a tuple
 * of attribute names each bound to a data descriptor; 0, or -1 with TypeError. */
static int
maker_init(maker *m, PyObject *cls, PyObject *names)
{
    if (!PyType_Check(cls) || !PyTuple_Check(names)) {
        PyErr_SetString(PyExc_TypeError, "a class and a tuple of field names are required");
        return -1;
    }
    PyTypeObject *tp = (PyTypeObject *)cls;
    unsigned long flags = PyType_GetFlags(tp);
    if (!(flags & Py_TPFLAGS_HEAPTYPE) || (flags & Py_TPFLAGS_IS_ABSTRACT)
        || PyType_GetSlot(tp, Py_tp_new) != PyType_GetSlot(&PyBaseObject_Type, Py_tp_new)) {
        PyErr_SetString(PyExc_TypeError,
                        "the class must be a concrete Python class using object.__new__");
        return -1;
    }
    Py_ssize_t n = PyTuple_Size(names);
    if (n > MAX_FIELDS) {
        PyErr_Format(PyExc_TypeError, "at most %d fields", MAX_FIELDS);
        return -1;
    }
    m->n = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *d = PyObject_GetAttr(cls, PyTuple_GetItem(names, i));
        if (d == NULL)
            return -1;
        m->descr[i] = d;
        m->n = i + 1;
        m->set[i] = (descrsetfunc)PyType_GetSlot(Py_TYPE(d), Py_tp_descr_set);
        if (m->set[i] == NULL) {
            PyErr_SetString(PyExc_TypeError, "every field must be a data descriptor (a slot)");
            return -1;
        }
    }
    m->own = own_layout(cls, m->descr, n);
    m->cls = Py_NewRef(cls);
    m->empty = PyTuple_New(0);  /* the () singleton (PyType_GenericNew ignores it anyway) */
    return 0;
}

static void
maker_clear(maker *m)
{
    for (Py_ssize_t i = 0; i < m->n; i++)
        Py_DECREF(m->descr[i]);
    m->n = 0;
    clear(&m->cls);
    clear(&m->empty);
}

/* A new instance from m->n borrowed values; NULL with an exception. Into a
 * RecvFields the values are stored as its member descriptors store them (a new
 * instance holds none yet); into any other class through its descriptors. */
static PyObject *
maker_make(const maker *m, PyObject *const *v)
{
    PyObject *e = PyType_GenericNew((PyTypeObject *)m->cls, m->empty, NULL);
    if (e != NULL && m->own) {
        RecvFields *r = (RecvFields *)e;
        for (int i = 0; i < RECV_FIELDS; i++)
            r->f[i] = Py_NewRef(v[i]);
        return e;
    }
    for (Py_ssize_t i = 0; e != NULL && i < m->n; i++) {
        if (m->set[i](m->descr[i], e, v[i]) < 0)
            clear(&e);
    }
    return e;
}

typedef struct {
    PyObject_HEAD
    maker m;
} Maker;

static PyObject *
Maker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *cls, *names;
    if (kwds != NULL || !PyArg_ParseTuple(args, "OO:Maker", &cls, &names)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Maker() takes no keyword arguments");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Maker *self = (Maker *)alloc(type, 0);
    if (self != NULL && maker_init(&self->m, cls, names) < 0)
        clear((PyObject **)&self);
    return (PyObject *)self;
}

static PyObject *
Maker_call(Maker *self, PyObject *args, PyObject *kwds)
{
    PyObject *v[MAX_FIELDS];
    if ((kwds != NULL ? -1 : PyTuple_Size(args)) != self->m.n) {
        PyErr_Format(PyExc_TypeError, "takes exactly %zd positional arguments", self->m.n);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < self->m.n; i++)
        v[i] = PyTuple_GetItem(args, i);
    return maker_make(&self->m, v);
}

static void
Maker_dealloc(Maker *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    maker_clear(&self->m);
    ((freefunc)PyType_GetSlot(tp, Py_tp_free))(self);
    Py_DECREF(tp);
}

static PyType_Slot Maker_slots[] = {
    {Py_tp_new, Maker_new},
    {Py_tp_call, Maker_call},
    {Py_tp_dealloc, Maker_dealloc},
    {Py_tp_doc, "Maker(cls, names): make(*values) builds a cls instance from its fields, "
                "stored through cls's own descriptors (cls.__new__ must be object's)."},
    {0, NULL},
};

PyObject *
qio_make(PyObject *f, PyObject *const *v, Py_ssize_t n)
{
    if (PyType_GetSlot(Py_TYPE(f), Py_tp_call) != (void *)Maker_call || ((Maker *)f)->m.n != n)
        return NULL;
    return maker_make(&((Maker *)f)->m, v);
}

static PyType_Spec Maker_spec = {
    "pyqio._events_c.Maker", sizeof(Maker), 0, Py_TPFLAGS_DEFAULT, Maker_slots,
};

/* ---- Feeder ---------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    qio_parser p;
    unsigned char *mem;         /* the parser's line buffer */
    unsigned char *space;       /* its output space (tok, seg, arena, dmx), one allocation */
    size_t tok_max, arena_max, dmx_max;     /* the caps the space grows to */
    size_t space_n;             /* bytes of space */
    int full;                   /* FULL_*: what the last C call filled, input left */
    maker recv, read;           /* read: +QIRD data (its cls NULL: through slow()) */
    PyObject *line, *slow, *error;
    PyObject *alloc_of;         /* bytearray.__alloc__ */
    unsigned char *mask;        /* the demux mask of mask_bufs */
    Py_ssize_t mask_cap, mask_n;
    PyObject *mask_bufs;        /* the buffers the mask was made from, this call */
    struct {    /* the storage of the bytearray an id's payloads last went to (a hint) */
        const void *obj;        /* compared, never used: it may be gone */
        Py_ssize_t size, alloc;
    } hint[HINTS];
    unsigned char slot_of[HINTS];   /* spill_grouped(): an id's group + 1, 0 if none yet */
    PyObject *out;              /* events made but not yet returned, or NULL */
    PyObject *hchunk, *hbufs;   /* input being tokenized (bytes) and its buffers, or NULL */
    Py_ssize_t qoff;            /* bytes of hchunk already tokenized */
    PyObject *queue;            /* input after it: (bytes, buffers or None); a reset()
                                   made meanwhile is (None, None) */
    PyObject *bbufs;            /* the buffers of the current batch's segments */
    PyObject *rows, *arena;     /* the current batch as bytes, for slow(); or NULL */
    size_t tok_done, seg_done, dmx_done;   /* what of the current batch is delivered */
    size_t tok_cap;             /* the token space (the parser's cap is 1 in order mode) */
    int busy;
    int until_event;            /* this call stops after its first event */
} Feeder;

#define START_TOK 32        /* tokens per C call at first (and demux segments) */
#define START_BYTES 4096    /* arena and dmx bytes per C call at first, beyond one token's room:
                               a serial or PTY read (4 KiB at most) in one call */
#define FULL_TOK 1
#define FULL_ARENA 2
#define FULL_DMX 4

/* The output space: tok tokens (and as many demux segments), arena and dmx bytes,
 * in one allocation that replaces the current one (called only when that holds
 * nothing undelivered). 0, or -1 with MemoryError (the current space serves on). */
static int
set_space(Feeder *self, size_t tok, size_t arena, size_t dmx)
{
    /* each buffer on a cache line of its own (64 bytes): copies from and to them
     * run at the speed of separately allocated ones; int32 arrays first */
    size_t tok_n = ALIGN(tok * sizeof(qio_token)), seg_n = ALIGN(tok * 2 * sizeof(int32_t));
    size_t n = tok_n + seg_n + ALIGN(arena) + dmx + 64;
    unsigned char *raw = PyMem_Malloc(n);
    if (raw == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->space);
    self->space = raw;
    self->space_n = n;
    self->tok_cap = tok;
    unsigned char *m = (unsigned char *)ALIGN((uintptr_t)raw);
    qio_set_output(&self->p, (qio_token *)(void *)m, tok, m + tok_n + seg_n, arena,
                   (int32_t *)(void *)(m + tok_n), tok, m + tok_n + seg_n + ALIGN(arena), NULL,
                   dmx, NULL);
    return 0;
}

/* A byte buffer's next size: its part beyond one token's room doubled, up to max. */
static size_t
doubled(size_t cur, size_t room, size_t max)
{
    size_t next = cur > room ? room + 2 * (cur - room) : room + START_BYTES;
    return next < max ? next : max;
}

/* Before a C call (the last batch delivered): the output space sized to need.
 * It starts at a 4 KiB read's worth (START_TOK tokens, START_BYTES beyond one
 * token's room in the arena and in the demux space), and what a C call filled
 * while input was left doubles, up to the caps: a decoder fed serial or PTY reads
 * keeps about 34 KiB (the pages it never writes are never resident), one fed
 * 64 KiB chunks grows to the caps and makes as few C calls as a full-size one.
 * 0, or -1 with MemoryError (nothing taken: the next call tries again). */
static int
fit_space(Feeder *self)
{
    const qio_parser *p = &self->p;
    size_t tok = self->tok_cap, arena = p->arena_cap, dmx = p->dmx_cap, room = p->buf_cap;
    if (self->full & FULL_TOK)
        tok = 2 * tok < self->tok_max ? 2 * tok : self->tok_max;
    if (self->full & FULL_ARENA)
        arena = doubled(arena, room, self->arena_max);
    if (self->full & FULL_DMX)
        dmx = doubled(dmx, room, self->dmx_max);
    if (tok == self->tok_cap && arena == p->arena_cap && dmx == p->dmx_cap)
        return 0;
    if (set_space(self, tok, arena, dmx) < 0)
        return -1;
    self->full = 0;
    return 0;
}

/* The error for buffers[i] = b, neither a bytearray nor None. */
static void
bad_buffer(Feeder *self, Py_ssize_t i, PyObject *b)
{
    PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(b), "__name__");
    if (name != NULL)
        PyErr_Format(self->error, "buffers[%zd] is a %S: a bytearray or None is required",
                     i, name);
    Py_XDECREF(name);
}

static PyObject *
Feeder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *cls, *names, *line, *slow, *error, *read_cls = NULL, *read_names = NULL;
    Py_ssize_t max_line, tok_cap, arena_cap, dmx_cap;
    int module = QIO_M_BC660K;
    if (kwds != NULL || !PyArg_ParseTuple(args, "OOOOOnnnn|iOO:Feeder", &cls, &names, &line, &slow,
                                          &error, &max_line, &tok_cap, &arena_cap, &dmx_cap,
                                          &module, &read_cls, &read_names)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "Feeder() takes no keyword arguments");
        return NULL;
    }
    if (!PyCallable_Check(line) || !PyCallable_Check(slow) || !PyType_Check(error)
        || !PyType_IsSubtype((PyTypeObject *)error, (PyTypeObject *)PyExc_Exception)) {
        PyErr_SetString(PyExc_TypeError, "Feeder: line and slow must be callable, "
                        "error an exception class");
        return NULL;
    }
    /* offsets are int32 (qio_token): every size stays far below 2 GiB */
    if (max_line < 256 || max_line > (1 << 20) || tok_cap < 0 || tok_cap > (1 << 20)
        || arena_cap < 0 || arena_cap > (1 << 30) || dmx_cap < 0 || dmx_cap > (1 << 30)) {
        PyErr_SetString(PyExc_ValueError, "Feeder: max_line is 256 to 2**20, tok_cap 0 to 2**20, "
                        "arena_cap and dmx_cap 0 to 2**30");
        return NULL;
    }
    /* the profile picks the framing; tokenizer.h: set once, before the first feed */
    if ((unsigned)module > QIO_M_BG96) {
        PyErr_SetString(PyExc_ValueError, "Feeder: module is 0 (bc660k), 1 (bc66) or 2 (bg96)");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    Feeder *self = (Feeder *)alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->bbufs = Py_NewRef(Py_None);
    self->alloc_of = PyObject_GetAttrString((PyObject *)&PyByteArray_Type, "__alloc__");
    self->mem = PyMem_Malloc(qio_buf_size((size_t)max_line));
    self->queue = PyList_New(0);
    /* any of the three failed (| rather than ||: one test, whichever it was) */
    if ((self->alloc_of == NULL) | (self->mem == NULL) | (self->queue == NULL)
        || maker_init(&self->recv, cls, names) < 0) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        Py_DECREF(self);
        return NULL;
    }
    if (self->recv.n != RECV_FIELDS) {
        PyErr_Format(PyExc_TypeError, "Feeder: %d fields expected", RECV_FIELDS);
        Py_DECREF(self);
        return NULL;
    }
    if (read_cls != NULL && (read_names == NULL || maker_init(&self->read, read_cls, read_names) < 0
                             || self->read.n != READ_FIELDS)) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "Feeder: a read class and its %d field names "
                         "(data, remote_ip, remote_port) expected", READ_FIELDS);
        Py_DECREF(self);
        return NULL;
    }
    qio_init(&self->p, self->mem, qio_buf_size((size_t)max_line), (size_t)max_line);
    self->p.module = module;
    self->tok_max = (size_t)tok_cap;
    self->arena_max = (size_t)arena_cap;
    self->dmx_max = (size_t)dmx_cap;
    if (set_space(self, START_TOK < tok_cap ? START_TOK : (size_t)tok_cap,
                  doubled(0, self->p.buf_cap, self->arena_max),
                  doubled(0, self->p.buf_cap, self->dmx_max)) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->line = Py_NewRef(line);
    self->slow = Py_NewRef(slow);
    self->error = Py_NewRef(error);
    return (PyObject *)self;
}

static void
Feeder_dealloc(Feeder *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    maker_clear(&self->recv);
    maker_clear(&self->read);
    Py_XDECREF(self->line);
    Py_XDECREF(self->slow);
    Py_XDECREF(self->error);
    Py_XDECREF(self->alloc_of);
    Py_XDECREF(self->mask_bufs);
    Py_XDECREF(self->out);
    Py_XDECREF(self->queue);
    Py_XDECREF(self->hchunk);
    Py_XDECREF(self->hbufs);
    Py_XDECREF(self->bbufs);
    Py_XDECREF(self->rows);
    Py_XDECREF(self->arena);
    PyMem_Free(self->mem);
    PyMem_Free(self->space);
    PyMem_Free(self->mask);
    ((freefunc)PyType_GetSlot(tp, Py_tp_free))(self);
    Py_DECREF(tp);
}

/* The demux mask of buffers (one byte per id: 1 where a bytearray is), checked as
 * the Python paths check it; its length, or -1 with an exception. */
static Py_ssize_t
make_mask(Feeder *self, PyObject *bufs)
{
    Py_ssize_t n = PySequence_Check(bufs) ? PySequence_Size(bufs) : -1;
    if (n < 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "buffers must be a sequence of bytearray or None");
        return -1;
    }
    if (n < 5) {
        PyErr_Format(self->error, "buffers has %zd entries: at least 5 (connect ids 0-4) "
                     "are required", n);
        return -1;
    }
    n = n > MAX_IDS ? MAX_IDS : n;
    if (n > self->mask_cap) {
        unsigned char *m = PyMem_Realloc(self->mask, (size_t)n);
        if (m == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->mask = m;
        self->mask_cap = n;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *b = PySequence_GetItem(bufs, i);
        if (b == NULL)
            return -1;
        int ok = b == Py_None || PyByteArray_Check(b);
        if (!ok)
            bad_buffer(self, i, b);
        self->mask[i] = b != Py_None;
        Py_DECREF(b);
        if (!ok)
            return -1;
    }
    clear(&self->mask_bufs);
    self->mask_bufs = Py_NewRef(bufs);
    self->mask_n = n;
    return n;
}

/* Bytearray b (connect id id's) grown from old to size bytes. Its storage grows
 * by half when it must grow. bytearray's own rule (PyByteArray_Resize, which `+=`
 * uses) grows it by an eighth, or to the exact size when more is asked: the
 * bytearrays of connections growing side by side would be copied by realloc()
 * about eight times over. Through the public API only: bytearray.__alloc__()
 * says how much storage there is, or the hint left by the last append (same
 * object and size: nothing appended to it since). A hint can be stale (the
 * bytearray changed and changed back to that size between feeds; another at the
 * same address): that costs growth, never bytes, since PyByteArray_Resize grows
 * whatever storage there really is. Asked for 1.5 times the size first,
 * PyByteArray_Resize allocates that; the second resize, down to the size, keeps
 * it (bytearray shrinks its storage only below half). */
static char *
grow(Feeder *self, PyObject *b, int32_t id, Py_ssize_t old, Py_ssize_t size)
{
    Py_ssize_t alloc = -1;
    int h = id < HINTS;
    if (h && self->hint[id].obj == b && self->hint[id].size == old) {
        alloc = self->hint[id].alloc;
    } else {
        PyObject *a = PyObject_CallFunctionObjArgs(self->alloc_of, b, NULL);
        alloc = a ? PyLong_AsSsize_t(a) : -1;
        Py_XDECREF(a);
    }
    int more = size >= alloc;
    if (alloc < 0 || (more && PyByteArray_Resize(b, size + size / 2) < 0)
        || PyByteArray_Resize(b, size) < 0)
        return NULL;
    if (h) {
        self->hint[id].obj = b;
        self->hint[id].size = size;
        self->hint[id].alloc = more ? size + size / 2 + 1 : alloc;
    }
    return PyByteArray_AsString(b);
}

/* The batch's demuxed payloads not yet appended, one segment's id at a time
 * (consecutive ones of an id in one append): the path for what spill_grouped()
 * leaves (a buffers sequence other than a list, ids from HINTS up, more than
 * GROUPS bytearrays, an entry gone or no longer a bytearray). An append happens
 * whole or not at all: a failure (the bytearray cannot grow, an entry no longer
 * a bytearray) leaves it and the segments after it to the next call. 0, or -1
 * with an exception. */
static int
spill_each(Feeder *self)
{
    const qio_parser *p = &self->p;
    while (self->seg_done < p->nseg) {
        size_t i = self->seg_done, j = i + 1;
        int32_t id = p->seg[2 * i];
        size_t n = (size_t)p->seg[2 * i + 1];
        while (j < p->nseg && p->seg[2 * j] == id)
            n += (size_t)p->seg[2 * j++ + 1];
        /* read again: a callback may have changed the sequence since the mask */
        PyObject *b;
        if (PyList_CheckExact(self->bbufs)) {   /* no call through the sequence */
            b = PyList_GetItem(self->bbufs, id);
            Py_XINCREF(b);
        } else {
            b = PySequence_GetItem(self->bbufs, id);
        }
        if (b == NULL)
            return -1;
        int ok = PyByteArray_Check(b);
        Py_ssize_t old = ok ? PyByteArray_Size(b) : 0;
        char *data = ok ? grow(self, b, id, old, old + (Py_ssize_t)n) : NULL;
        if (!ok)
            bad_buffer(self, id, b);
        if (data != NULL)
            memcpy(data + old, p->dmx + self->dmx_done, n);
        Py_DECREF(b);
        if (data == NULL)
            return -1;
        self->seg_done = j;
        self->dmx_done += n;
    }
    return 0;
}

/* n bytes from src to dst: a payload of 8 to 16 bytes (a small datagram, the
 * commonest in a busy stream) as two overlapping 8-byte moves, without a call. */
static inline void
copy_payload(char *dst, const unsigned char *src, size_t n)
{
    if (n - 8 <= 8) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else {
        memcpy(dst, src, n);
    }
}

/* One bytearray's part of a batch: its payloads appended in one resize. */
typedef struct {
    PyObject *b;        /* a strong reference */
    int32_t id;         /* the first id whose payloads go to it (its storage hint's) */
    Py_ssize_t n;       /* bytes to append */
    char *at;           /* where the next of them goes, once grown */
} group;

/* The batch's segments of the groups from ok on (their bytearrays not grown)
 * moved, in order, to the end of the batch's segments and payloads, and the
 * cursors set to them: the next call appends them. */
static void
keep_failed(Feeder *self, int ok, size_t end)
{
    qio_parser *p = &self->p;
    size_t w = p->nseg, src = end, dst = end;
    for (size_t i = p->nseg; i-- > self->seg_done;) {
        int32_t id = p->seg[2 * i], n = p->seg[2 * i + 1];
        src -= (size_t)n;
        if (self->slot_of[id] - 1 >= ok) {
            dst -= (size_t)n;
            memmove(p->dmx + dst, p->dmx + src, (size_t)n);
            w--;
            p->seg[2 * w] = id;
            p->seg[2 * w + 1] = n;
        }
    }
    self->seg_done = w;
    self->dmx_done = dst;
}

/* The batch's payloads not yet appended, grouped by bytearray: one resize per
 * bytearray per batch instead of one per segment (the five connections of a
 * stream interleave, so nearly every URC would be an append of its own), then
 * each payload copied to its place, in stream order within each bytearray (two
 * ids may share one). No Python code runs from reading the list to the last
 * copy (only the list's items, bytearray sizes and PyByteArray_Resize), so
 * what was read stays true throughout. A bytearray that cannot grow keeps its
 * segments, and those of the groups after it, for the next call (whole appends
 * or none); the others get theirs. 0, -1 with an exception, or 1 when the batch
 * is not one to group (nothing done: spill_each() takes it). */
static int
spill_grouped(Feeder *self)
{
    const qio_parser *p = &self->p;
    PyObject *list = self->bbufs;
    group g[GROUPS];
    int ng = 0, ok = 0, rc = 0;
    size_t end = self->dmx_done;
    if (!PyList_CheckExact(list))
        return 1;
    Py_ssize_t len = PyList_Size(list);
    memset(self->slot_of, 0, sizeof self->slot_of);
    for (size_t i = self->seg_done; i < p->nseg && rc == 0; i++) {
        int32_t id = p->seg[2 * i];
        int s = id < HINTS && id < len ? self->slot_of[id] - 1 : GROUPS;
        if (s < 0) {    /* an id new to this batch: its bytearray */
            PyObject *b = PyList_GetItem(list, id);
            for (s = 0; s < ng && g[s].b != b; s++)
                ;
            if (s == ng && ng < GROUPS && PyByteArray_Check(b))
                g[ng++] = (group){Py_NewRef(b), id, 0, NULL};
            self->slot_of[id] = (unsigned char)(s + 1);
        }
        if (s >= ng)
            rc = 1;
        else
            g[s].n += p->seg[2 * i + 1];
        end += (size_t)p->seg[2 * i + 1];
    }
    for (; ok < ng && rc == 0; ok++) {
        Py_ssize_t old = PyByteArray_Size(g[ok].b);
        char *data = grow(self, g[ok].b, g[ok].id, old, old + g[ok].n);
        if (data == NULL)
            rc = -1;
        else
            g[ok].at = data + old;
    }
    if (rc == -1)
        ok--;   /* the group that failed, and those after it, keep their payloads */
    if (rc != 1) {
        const unsigned char *src = p->dmx + self->dmx_done;
        for (size_t i = self->seg_done; i < p->nseg; i++) {
            size_t n = (size_t)p->seg[2 * i + 1];
            int s = self->slot_of[p->seg[2 * i]] - 1;
            if (s < ok) {
                copy_payload(g[s].at, src, n);
                g[s].at += n;
            }
            src += n;
        }
        if (rc == 0) {
            self->seg_done = p->nseg;
            self->dmx_done = end;
        } else {
            keep_failed(self, ok, end);
        }
    }
    while (ng > 0)
        Py_DECREF(g[--ng].b);
    return rc;
}

/* The batch's demuxed payloads not yet appended. 0, or -1 with an exception. */
static int
spill(Feeder *self)
{
    if (self->seg_done == self->p.nseg)
        return 0;
    int rc = spill_grouped(self);
    return rc == 1 ? spill_each(self) : rc;
}

static int
append_new(PyObject *out, PyObject *ev)
{
    if (ev == NULL)
        return -1;
    int rc = PyList_Append(out, ev);
    Py_DECREF(ev);
    return rc;
}

/* Made here: lines, recv URCs (every form), and +QIRD data when a read class was
 * given; the rest (prompts, errors) through slow(). */
static int
is_fast(const Feeder *self, const qio_token *t)
{
    return t->kind == QIO_T_LINE || t->kind == QIO_T_RECV
        || (t->kind == QIO_T_READ && self->read.cls != NULL);
}

/* A token's optional number (-1: absent) as an int or None; a new reference. */
static PyObject *
opt_int(int32_t v)
{
    return v < 0 ? Py_NewRef(Py_None) : PyLong_FromLong(v);
}

/* A RECV or READ token's data, address (str or None) and port (int or None) into
 * v[0..2]: new references, NULL where one could not be made; 1 when all three were. */
static int
data_and_address(const Feeder *self, const qio_token *t, PyObject **v)
{
    const char *arena = (const char *)self->p.arena;
    v[0] = PyBytes_FromStringAndSize(arena + t->off, t->len);
    v[1] = t->ip_len > 0 ? PyUnicode_DecodeASCII(arena + t->ip_off, t->ip_len, NULL)
                         : Py_NewRef(Py_None);
    v[2] = opt_int(t->port);
    return (v[0] != NULL) & (v[1] != NULL) & (v[2] != NULL);
}

/* A recv URC without an address, the commonest by far: it then has a length, which
 * framed it (TOKENS.md), and no port. */
static PyObject *
make_plain_recv(Feeder *self, const qio_token *t)
{
    PyObject *v[RECV_FIELDS] = {
        PyLong_FromLong(t->connect_id),
        PyBytes_FromStringAndSize((const char *)self->p.arena + t->off, t->len),
        PyLong_FromLong(t->length), Py_None, Py_None, Py_True,
    };
    PyObject *e = v[0] && v[1] && v[2] ? maker_make(&self->recv, v) : NULL;
    Py_XDECREF(v[0]);
    Py_XDECREF(v[1]);
    Py_XDECREF(v[2]);
    return e;
}

/* Recv(connect_id, data, length, remote_ip, remote_port, framed), as slow() makes it */
static PyObject *
make_recv(Feeder *self, const qio_token *t)
{
    if (t->ip_len < 0)
        return make_plain_recv(self, t);
    PyObject *v[RECV_FIELDS], *a[3];
    int ok = data_and_address(self, t, a);
    v[0] = PyLong_FromLong(t->connect_id);
    v[1] = a[0];
    v[2] = opt_int(t->length);
    v[3] = a[1];
    v[4] = a[2];
    v[5] = t->reason == 1 ? Py_True : Py_False;     /* borrowed */
    ok &= (v[0] != NULL) & (v[2] != NULL);
    PyObject *e = ok ? maker_make(&self->recv, v) : NULL;
    for (int i = 0; i < 5; i++)
        Py_XDECREF(v[i]);
    return e;
}

/* ReadData(data, remote_ip, remote_port): +QIRD data (bg96), one per AT+QIRD */
static PyObject *
make_read(Feeder *self, const qio_token *t)
{
    PyObject *v[READ_FIELDS];
    PyObject *e = data_and_address(self, t, v) ? maker_make(&self->read, v) : NULL;
    for (int i = 0; i < READ_FIELDS; i++)
        Py_XDECREF(v[i]);
    return e;
}

static PyObject *
make_line(Feeder *self, const qio_token *t)
{
    /* a Lines classifier (csrc/lines.c) reads the line where it lies */
    PyObject *e = qio_lines_line(self->line, (const char *)self->p.arena + t->off, t->len);
    if (e != NULL || PyErr_Occurred())
        return e;
    PyObject *text = PyBytes_FromStringAndSize((const char *)self->p.arena + t->off, t->len);
    e = text ? PyObject_CallFunctionObjArgs(self->line, text, NULL) : NULL;
    Py_XDECREF(text);
    return e;
}

/* Tokens start to stop - 1 through slow(), into a list of their own, appended to
 * out when slow() succeeds. When slow() raises, or the append fails, the list is
 * dropped and the run is made again by the next call: taking what slow()
 * appended back out of out could fail itself (a list shrinking its storage), and
 * the run would then be delivered twice. */
static int
call_slow(Feeder *self, PyObject *out, size_t start, size_t stop)
{
    const qio_parser *p = &self->p;
    if (self->rows == NULL)
        self->rows = PyBytes_FromStringAndSize((const char *)p->tok,
                                               (Py_ssize_t)(p->ntok * sizeof(qio_token)));
    if (self->arena == NULL && self->rows != NULL)
        self->arena = PyBytes_FromStringAndSize((const char *)p->arena,
                                                (Py_ssize_t)p->arena_used);
    PyObject *run = self->arena != NULL ? PyList_New(0) : NULL;
    PyObject *res = run != NULL ? PyObject_CallFunction(self->slow, "OOOnn", run, self->rows,
                                                        self->arena, (Py_ssize_t)start,
                                                        (Py_ssize_t)stop) : NULL;
    int rc = res != NULL ? PyList_SetSlice(out, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, run) : -1;
    Py_XDECREF(res);
    Py_XDECREF(run);
    return rc;
}

/* The current batch's events not yet made, then its payloads not yet appended
 * (in order mode the payloads first: they all came before the batch's one token). */
static int
deliver(Feeder *self, PyObject *out)
{
    const qio_parser *p = &self->p;
    if (self->until_event && spill(self) < 0)
        return -1;
    while (self->tok_done < p->ntok) {
        size_t i = self->tok_done, j = i + 1;
        const qio_token *t = &p->tok[i];
        int rc;
        if (!is_fast(self, t)) {
            while (j < p->ntok && !is_fast(self, &p->tok[j]))
                j++;
            rc = call_slow(self, out, i, j);
        } else {
            rc = append_new(out, t->kind == QIO_T_LINE ? make_line(self, t)
                                 : t->kind == QIO_T_RECV ? make_recv(self, t) : make_read(self, t));
        }
        if (rc < 0)
            return -1;
        self->tok_done = j;
    }
    return spill(self);
}

/* The input being tokenized is done with. */
static void
drop_head(Feeder *self)
{
    clear(&self->hchunk);
    clear(&self->hbufs);
    self->qoff = 0;
}

/* A new batch: nothing of it delivered yet. */
static void
new_batch(Feeder *self, PyObject *bufs)
{
    self->tok_done = self->seg_done = self->dmx_done = 0;
    clear(&self->rows);
    clear(&self->arena);
    clear(&self->bbufs);
    self->bbufs = Py_NewRef(bufs);
}

/* One C call on the input being tokenized. */
static int
feed_head(Feeder *self)
{
    qio_parser *p = &self->p;
    PyObject *bufs = self->hbufs;
    Py_ssize_t n = PyBytes_Size(self->hchunk), mask_n;
    /* the mask made when this call began serves every item with its buffers */
    if (bufs != Py_None && bufs != self->mask_bufs && make_mask(self, bufs) < 0)
        return -1;
    mask_n = bufs != Py_None ? self->mask_n : 0;
    if (fit_space(self) < 0)
        return -1;
    /* qio_feed_demux() without its regrouping: spill() appends by bytearray */
    p->demux = self->mask;
    p->demux_n = (size_t)mask_n;
    p->tok_cap = self->until_event ? (self->tok_cap > 0) : self->tok_cap;
    size_t left = (size_t)(n - self->qoff);
    size_t used = qio_feed(p, (const unsigned char *)PyBytes_AsString(self->hchunk) + self->qoff,
                           left);
    p->demux = NULL;
    p->demux_n = 0;
    if (used < left)    /* stopped on a full output: what filled grows before the next call */
        /* segments count as tokens (one space holds as many of each) */
        self->full = (p->ntok >= self->tok_cap || (mask_n > 0 && p->nseg >= p->seg_cap)
                      ? FULL_TOK : 0)
            | (p->arena_cap - p->arena_used < p->buf_cap ? FULL_ARENA : 0)
            | (mask_n > 0 && p->dmx_cap - p->dmx_used < p->buf_cap ? FULL_DMX : 0);
    if (used == 0) {    /* full before the first byte: no token either */
        PyErr_SetString(PyExc_RuntimeError, "the tokenizer made no progress: its output space "
                        "holds no token (tok_cap, arena_cap or dmx_cap too small)");
        return -1;
    }
    new_batch(self, bufs);
    self->qoff += (Py_ssize_t)used;
    return 0;
}

/* Deliver the current batch, then tokenize and deliver the input, in order. */
static int
drain(Feeder *self, PyObject *out)
{
    for (;;) {
        if (deliver(self, out) < 0)
            return -1;
        if (self->until_event && PyList_Size(out) > 0)
            return 0;   /* the caller handles it before what follows */
        if (self->hchunk != NULL && self->qoff == PyBytes_Size(self->hchunk))
            drop_head(self);
        if (self->hchunk == NULL) {
            if (PyList_Size(self->queue) == 0)
                return 0;
            PyObject *item = PyList_GetItem(self->queue, 0);
            PyObject *chunk = Py_NewRef(PyTuple_GetItem(item, 0));
            PyObject *bufs = Py_NewRef(PyTuple_GetItem(item, 1));
            /* a list dropping below half its storage shrinks it, which can fail:
             * then the item stays first in the queue, taken by the next call */
            if (PyList_SetSlice(self->queue, 0, 1, NULL) < 0) {
                Py_DECREF(chunk);
                Py_DECREF(bufs);
                return -1;
            }
            self->hchunk = chunk;
            self->hbufs = bufs;
        }
        if (self->hchunk == Py_None) {  /* a reset() made while input was queued */
            qio_reset(&self->p);
            drop_head(self);
        } else if (self->qoff < PyBytes_Size(self->hchunk) && feed_head(self) < 0) {
            return -1;
        }
    }
}

static int
enter(Feeder *self)
{
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "this decoder is already decoding (a call from a "
                        "callback, or from another thread at the same time)");
        return -1;
    }
    self->busy = 1;
    clear(&self->mask_bufs);    /* the buffers are read again by each call */
    return 0;
}

/* Everything pending and queued, delivered (then the end of stream, if finish). */
static PyObject *
run(Feeder *self, int finish)
{
    PyObject *out = self->out ? self->out : PyList_New(0);
    self->out = NULL;
    int rc = out ? drain(self, out) : -1;
    if (rc == 0 && finish) {
        self->p.tok_cap = self->tok_cap;    /* an ordered feed may have left it at 1 */
        qio_finish(&self->p);
        new_batch(self, Py_None);
        rc = deliver(self, out);
    }
    self->busy = 0;
    if (rc < 0) {
        self->out = out;    /* kept for the next call (NULL: none were made) */
        return NULL;
    }
    return out;
}

static PyObject *
queue_and_run(Feeder *self, PyObject *data, PyObject *bufs, int until_event)
{
    if (enter(self) < 0)
        return NULL;
    self->until_event = until_event;
    PyObject *chunk = PyBytes_Check(data) ? Py_NewRef(data) : PyBytes_FromObject(data);
    /* refused buffers are refused before anything is taken */
    int rc = chunk != NULL && (bufs == Py_None || make_mask(self, bufs) >= 0) ? 0 : -1;
    if (rc == 0 && self->hchunk == NULL) {  /* nothing else waits: no allocation */
        self->hchunk = Py_NewRef(chunk);
        self->hbufs = Py_NewRef(bufs);
    } else if (rc == 0) {
        rc = append_new(self->queue, PyTuple_Pack(2, chunk, bufs));
    }
    Py_XDECREF(chunk);
    if (rc < 0) {
        self->busy = 0;
        return NULL;
    }
    return run(self, 0);
}

static PyObject *
Feeder_feed(Feeder *self, PyObject *data)
{
    return queue_and_run(self, data, Py_None, 0);
}

/* feed_demux(data, buffers, *, until_event=False): Decoder.feed_demux's own
 * signature, so that a Decoder binds this method as its feed_demux (no Python
 * frame per chunk). */
static PyObject *
Feeder_feed_demux(Feeder *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    int until_event = 0;
    Py_ssize_t nkw = kwnames != NULL ? PyTuple_Size(kwnames) : 0;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "feed_demux() takes 2 positional arguments (%zd given)",
                     nargs);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GetItem(kwnames, i);
        if (PyUnicode_CompareWithASCIIString(name, "until_event") != 0) {
            PyErr_Format(PyExc_TypeError, "feed_demux() got an unexpected keyword argument "
                         "'%S'", name);
            return NULL;
        }
        if ((until_event = PyObject_IsTrue(args[2 + i])) < 0)
            return NULL;
    }
    return queue_and_run(self, args[0], args[1], until_event);
}

static PyObject *
Feeder_finish(Feeder *self, PyObject *unused)
{
    (void)unused;
    if (enter(self) < 0)
        return NULL;
    self->until_event = 0;
    return run(self, 1);
}

static PyObject *
Feeder_reset(Feeder *self, PyObject *unused)
{
    (void)unused;
    if (enter(self) < 0)
        return NULL;
    int rc = 0;
    if (self->hchunk == NULL)
        qio_reset(&self->p);
    else    /* after the input queued before it */
        rc = append_new(self->queue, PyTuple_Pack(2, Py_None, Py_None));
    self->busy = 0;
    return rc < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *
Feeder_configure(Feeder *self, PyObject *args)
{
    int hex, show_ra;
    unsigned long long udp, buffer = 0;
    if (!PyArg_ParseTuple(args, "ppK|K:configure", &hex, &show_ra, &udp, &buffer))
        return NULL;
    if ((udp | buffer) > 0xFFFFFFFFull) {
        PyErr_SetString(PyExc_ValueError,
                        "configure: udp_mask and buffer_mask have 32 bits (connect ids 0-31)");
        return NULL;
    }
    /* read by qio_feed(), which never runs while Python code does */
    self->p.hex = hex;
    self->p.show_ra = show_ra;
    self->p.udp_service = (uint32_t)udp;
    self->p.buffer_access = (uint32_t)buffer;
    return Py_NewRef(Py_None);
}

static PyObject *
Feeder_capacity(Feeder *self, PyObject *unused)
{
    (void)unused;
    const qio_parser *p = &self->p;
    return Py_BuildValue("nnnn", (Py_ssize_t)self->tok_cap, (Py_ssize_t)p->arena_cap,
                         (Py_ssize_t)p->dmx_cap, (Py_ssize_t)(p->buf_cap + self->space_n));
}

static PyObject *
Feeder_set_simd(PyObject *cls, PyObject *level)
{
    (void)cls;
    long v = PyLong_AsLong(level);
    if (v == -1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromLong(qio_set_simd(v < -1 || v > 99 ? -1 : (int)v));
}

static PyMethodDef Feeder_methods[] = {
    {"feed", (PyCFunction)Feeder_feed, METH_O,
     "feed(data) -> list: the events data completes (pyqio.Decoder.feed)."},
    {"feed_demux", (PyCFunction)(void (*)(void))Feeder_feed_demux,
     METH_FASTCALL | METH_KEYWORDS,
     "feed_demux(data, buffers, *, until_event=False) -> list: pyqio.Decoder.feed_demux."},
    {"finish", (PyCFunction)Feeder_finish, METH_NOARGS,
     "finish() -> list: end of stream (pyqio.Decoder.finish)."},
    {"reset", (PyCFunction)Feeder_reset, METH_NOARGS,
     "reset(): forget partial input, after the input still queued."},
    {"configure", (PyCFunction)Feeder_configure, METH_VARARGS,
     "configure(hex, show_ra, udp_mask[, buffer_mask]): the tokenizer's settings (TOKENS.md)."},
    {"capacity", (PyCFunction)Feeder_capacity, METH_NOARGS,
     "capacity() -> (tokens, arena, dmx, bytes): the output space now, and the bytes of "
     "every buffer the parser has."},
    {"set_simd", (PyCFunction)Feeder_set_simd, METH_O | METH_CLASS,
     "set_simd(level) -> int: this extension's hex level, as pyqio._ctokenizer.set_simd."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Feeder_slots[] = {
    {Py_tp_new, Feeder_new},
    {Py_tp_dealloc, Feeder_dealloc},
    {Py_tp_methods, Feeder_methods},
    {Py_tp_doc, "Feeder(cls, names, line, slow, error, max_line, tok_cap, arena_cap, dmx_cap"
                "[, module[, read_cls, read_names]]): "
                "a C tokenizer and the decoder's feed, owning every buffer it uses."},
    {0, NULL},
};

static PyType_Spec Feeder_spec = {
    "pyqio._events_c.Feeder", sizeof(Feeder), 0, Py_TPFLAGS_DEFAULT, Feeder_slots,
};

/* ---- the module: multi-phase init ---------------------------------------
 *
 * Each module object makes its own three types (PyType_FromModuleAndSpec) and
 * holds them in its dict; nothing is global, so the module state is empty. */

static int
module_exec(PyObject *m)
{
    PyType_Spec *specs[] = {&RecvFields_spec, &Maker_spec, &Feeder_spec, &qio_lines_spec};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        PyObject *tp = PyType_FromModuleAndSpec(m, specs[i], NULL);
        int rc = tp ? PyModule_AddType(m, (PyTypeObject *)tp) : -1;
        Py_XDECREF(tp);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
#ifdef Py_mod_multiple_interpreters
    /* no global state (tokenizer.c's hex level is process-wide and set once) */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED},
#endif
#ifdef Py_mod_gil
    /* a Feeder's busy flag and the bytearrays it appends to rely on the GIL */
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "pyqio._events_c",
    "The decoder's feed in C (optional; see csrc/events_c.c).",
    0, NULL, module_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__events_c(void)
{
    return PyModuleDef_Init(&moduledef);
}
