/* pyqio._events_c: Recv events built in C from one batch of the C tokenizer.
 *
 * Optional (setup.py builds it when it can; pyqio works without it, and
 * PYQIO_NO_EVENTS_C=1 turns it off). One function does the work:
 *
 *   collect(out, rows, arena, slow, line)
 *
 * rows: a buffer of qio_token rows (nine int32 each, tokenizer.h); arena: the
 * bytes their offsets point into. Each length-framed recv token without an
 * address (note 2.4.2's first form, by far the commonest) becomes a Recv
 * appended to the list out, built here: the instance is allocated with the
 * type's tp_alloc and its six slots are filled directly, at the offsets of the
 * type's slot member descriptors (read once by setup()). A line token becomes
 * line(<its bytes>), appended as returned (the line classifier). Every other token is
 * left to Python: each maximal run of them (tokens start to stop - 1) is
 * handed to slow(out, rows, arena, start, stop), in order, so the events keep
 * the stream's order.
 *
 * setup_read(read_type, names) does the same for ReadData (three slots): then
 * each +QIRD data token without an address (the bg96 profile's commonest read)
 * is built here too, instead of costing a slow() call.
 *
 * setup(recv_type, names) checks that recv_type is laid out as expected (a
 * class whose fields are exactly the slots *names*, in order, each an object
 * slot, no __dict__, no variable size) and refuses it otherwise (TypeError):
 * the result is then the same object the Python path makes (same type, same
 * slot values), so ==, hash, repr and frozenness are unchanged.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Member types and flags: in Python.h as Py_T_OBJECT_EX, Py_READONLY and
 * Py_RELATIVE_OFFSET from 3.12 on; before, structmember.h's T_OBJECT_EX and
 * READONLY (deprecated since 3.12), and no relative offsets. */
#if PY_VERSION_HEX < 0x030C0000
#  include <structmember.h>
#  define Py_T_OBJECT_EX T_OBJECT_EX
#  define Py_READONLY READONLY
#  define Py_RELATIVE_OFFSET 0
#endif

#include "tokenizer.h"

#define NFIELDS 6   /* connect_id, data, length, remote_ip, remote_port, framed */
#define ROW 9       /* int32 per qio_token */

enum { K_KIND, K_OFF, K_LEN, K_REASON, K_CID, K_LENGTH, K_PORT, K_IPO, K_IPL };

#define NREAD 3     /* ReadData: data, remote_ip, remote_port */

static PyTypeObject *recv_type = NULL;      /* strong reference once set up */
static Py_ssize_t slot_off[NFIELDS];
static PyTypeObject *read_type = NULL;      /* NULL: reads go to slow() */
static Py_ssize_t read_off[NREAD];

/* The slot offsets of the nfields names of type in offs; 0, or -1 with TypeError. */
static int
slot_layout(PyObject *type, PyObject *names, Py_ssize_t nfields, Py_ssize_t *offs)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    if (PyTuple_GET_SIZE(names) != nfields) {
        PyErr_Format(PyExc_TypeError, "setup: %zd field names expected", nfields);
        return -1;
    }
    if (tp->tp_itemsize != 0 || tp->tp_dictoffset != 0 || tp->tp_alloc == NULL
        || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        PyErr_SetString(PyExc_TypeError, "setup: not a slotted class of fixed size");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nfields; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "setup: field names must be str");
            return -1;
        }
        /* the descriptor in the class's own dict, not one inherited or overridden */
        PyObject *d = PyDict_GetItemWithError(tp->tp_dict, name);
        if (d == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "setup: %R is not a slot of %s", name, tp->tp_name);
            return -1;
        }
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type)) {
            PyErr_Format(PyExc_TypeError, "setup: %R of %s is not a slot member", name, tp->tp_name);
            return -1;
        }
        PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
        if (m->type != Py_T_OBJECT_EX || (m->flags & (Py_READONLY | Py_RELATIVE_OFFSET))
            || m->offset < (Py_ssize_t)sizeof(PyObject)
            || m->offset + (Py_ssize_t)sizeof(PyObject *) > tp->tp_basicsize) {
            PyErr_Format(PyExc_TypeError, "setup: slot %R of %s has an unexpected layout",
                         name, tp->tp_name);
            return -1;
        }
        for (Py_ssize_t j = 0; j < i; j++) {
            if (offs[j] == m->offset) {
                PyErr_SetString(PyExc_TypeError, "setup: two fields share a slot");
                return -1;
            }
        }
        offs[i] = m->offset;
    }
    return 0;
}

static PyObject *
setup(PyObject *self, PyObject *args)
{
    PyObject *type, *names;
    Py_ssize_t offs[NFIELDS];
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!:setup", &PyType_Type, &type, &PyTuple_Type, &names))
        return NULL;
    if (slot_layout(type, names, NFIELDS, offs) < 0)
        return NULL;
    memcpy(slot_off, offs, sizeof offs);
    Py_INCREF(type);
    Py_XSETREF(recv_type, (PyTypeObject *)type);
    Py_RETURN_NONE;
}

static PyObject *
setup_read(PyObject *self, PyObject *args)
{
    PyObject *type, *names;
    Py_ssize_t offs[NREAD];
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!:setup_read", &PyType_Type, &type, &PyTuple_Type, &names))
        return NULL;
    if (slot_layout(type, names, NREAD, offs) < 0)
        return NULL;
    memcpy(read_off, offs, sizeof offs);
    Py_INCREF(type);
    Py_XSETREF(read_type, (PyTypeObject *)type);
    Py_RETURN_NONE;
}

#define SLOT(obj, i) (*(PyObject **)((char *)(obj) + slot_off[i]))

/* One Recv of the common shape; a new reference, or NULL with an exception. */
static PyObject *
make_recv(const int32_t *r, const char *arena, Py_ssize_t arena_n)
{
    int32_t off = r[K_OFF], n = r[K_LEN];
    if (off < 0 || n < 0 || (Py_ssize_t)off + n > arena_n) {
        PyErr_SetString(PyExc_ValueError, "collect: token outside the arena");
        return NULL;
    }
    PyObject *cid = PyLong_FromLong(r[K_CID]);
    PyObject *data = PyBytes_FromStringAndSize(arena + off, n);
    PyObject *length = PyLong_FromLong(r[K_LENGTH]);
    PyObject *e = (cid && data && length) ? recv_type->tp_alloc(recv_type, 0) : NULL;
    if (e == NULL) {
        Py_XDECREF(cid);
        Py_XDECREF(data);
        Py_XDECREF(length);
        return NULL;
    }
    /* tp_alloc zeroed the slots: each store takes over one new reference */
    SLOT(e, 0) = cid;
    SLOT(e, 1) = data;
    SLOT(e, 2) = length;
    SLOT(e, 3) = Py_NewRef(Py_None);
    SLOT(e, 4) = Py_NewRef(Py_None);
    SLOT(e, 5) = Py_NewRef(Py_True);
    return e;
}

/* One ReadData without an address; a new reference, or NULL with an exception. */
static PyObject *
make_read(const int32_t *r, const char *arena, Py_ssize_t arena_n)
{
    int32_t off = r[K_OFF], n = r[K_LEN];
    if (off < 0 || n < 0 || (Py_ssize_t)off + n > arena_n) {
        PyErr_SetString(PyExc_ValueError, "collect: token outside the arena");
        return NULL;
    }
    PyObject *data = PyBytes_FromStringAndSize(arena + off, n);
    PyObject *e = data ? read_type->tp_alloc(read_type, 0) : NULL;
    if (e == NULL) {
        Py_XDECREF(data);
        return NULL;
    }
    *(PyObject **)((char *)e + read_off[0]) = data;
    *(PyObject **)((char *)e + read_off[1]) = Py_NewRef(Py_None);
    *(PyObject **)((char *)e + read_off[2]) = Py_NewRef(Py_None);
    return e;
}

/* line(<the token's bytes>) appended to out; 0, or -1 with an exception */
static int
append_line(PyObject *out, PyObject *line, const int32_t *r, const char *arena, Py_ssize_t arena_n)
{
    int32_t off = r[K_OFF], n = r[K_LEN];
    if (off < 0 || n < 0 || (Py_ssize_t)off + n > arena_n) {
        PyErr_SetString(PyExc_ValueError, "collect: token outside the arena");
        return -1;
    }
    PyObject *text = PyBytes_FromStringAndSize(arena + off, n);
    if (text == NULL)
        return -1;
    PyObject *ev = PyObject_CallOneArg(line, text);
    Py_DECREF(text);
    if (ev == NULL)
        return -1;
    int rc = PyList_Append(out, ev);
    Py_DECREF(ev);
    return rc;
}

/* The batch as Python objects for slow(): made on first use (a Feeder's batch
 * lives in C memory), or given (collect()'s caller passed them). */
typedef struct {
    const char *rows;           /* ntok rows of ROW int32 (maybe unaligned) */
    Py_ssize_t ntok;
    const char *arena;
    Py_ssize_t arena_n;
    PyObject *rows_obj, *arena_obj;     /* NULL until needed; owned when made here */
    int own;
} batch;

static int
flush_slow(PyObject *slow, PyObject *out, batch *b, Py_ssize_t start, Py_ssize_t stop)
{
    if (start >= stop)
        return 0;
    if (b->rows_obj == NULL) {
        b->rows_obj = PyBytes_FromStringAndSize(b->rows,
                                                b->ntok * ROW * (Py_ssize_t)sizeof(int32_t));
        b->arena_obj = b->rows_obj ? PyBytes_FromStringAndSize(b->arena, b->arena_n) : NULL;
        b->own = 1;
        if (b->arena_obj == NULL)
            return -1;
    }
    PyObject *res = PyObject_CallFunction(slow, "OOOnn", out, b->rows_obj, b->arena_obj,
                                          start, stop);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
}

/* The events of one batch appended to out: a Recv per common recv token, line(bytes)
 * per line token, runs of other tokens to slow(). 0, or -1 with an exception. */
static int
collect_batch(PyObject *out, batch *b, PyObject *slow, PyObject *line)
{
    Py_ssize_t run = 0;     /* first token of the pending slow run */
    for (Py_ssize_t i = 0; i < b->ntok; i++) {
        int32_t r[ROW];
        memcpy(r, b->rows + i * (Py_ssize_t)sizeof r, sizeof r);
        int is_line = r[K_KIND] == QIO_T_LINE;
        int is_read = r[K_KIND] == QIO_T_READ && r[K_IPL] < 0 && read_type != NULL;
        /* decode.py's fast shape: a recv with a length and no address (framed) */
        if (!is_line && !is_read
            && (r[K_KIND] != QIO_T_RECV || r[K_IPL] >= 0 || r[K_LENGTH] < 0))
            continue;
        if (flush_slow(slow, out, b, run, i) < 0)
            return -1;
        run = i + 1;
        if (is_line) {
            if (append_line(out, line, r, b->arena, b->arena_n) < 0)
                return -1;
            continue;
        }
        PyObject *e = is_read ? make_read(r, b->arena, b->arena_n)
                              : make_recv(r, b->arena, b->arena_n);
        if (e == NULL)
            return -1;
        int rc = PyList_Append(out, e);
        Py_DECREF(e);
        if (rc < 0)
            return -1;
    }
    return flush_slow(slow, out, b, run, b->ntok);
}

static void
batch_release(batch *b)
{
    if (b->own) {
        Py_CLEAR(b->rows_obj);
        Py_CLEAR(b->arena_obj);
        b->own = 0;
    }
}

static PyObject *
collect(PyObject *self, PyObject *args)
{
    PyObject *out, *rows_obj, *arena_obj, *slow, *line;
    Py_buffer rows, arena;
    (void)self;
    if (recv_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "collect: setup() was not called");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!OOOO:collect", &PyList_Type, &out, &rows_obj, &arena_obj,
                          &slow, &line))
        return NULL;
    if (PyObject_GetBuffer(rows_obj, &rows, PyBUF_SIMPLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(arena_obj, &arena, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&rows);
        return NULL;
    }
    PyObject *result = NULL;
    if (rows.len % (Py_ssize_t)(ROW * sizeof(int32_t)) != 0) {
        PyErr_SetString(PyExc_ValueError, "collect: rows is not a whole number of tokens");
        goto done;
    }
    batch b = {(const char *)rows.buf, rows.len / (Py_ssize_t)(ROW * sizeof(int32_t)),
               (const char *)arena.buf, arena.len, rows_obj, arena_obj, 0};
    if (collect_batch(out, &b, slow, line) < 0)
        goto done;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&rows);
    PyBuffer_Release(&arena);
    return result;
}

/* ---- Feeder: the decoder's whole feed() in C -------------------------------
 *
 * Feeder(parser, feed, layout, slow, line, error, keep) drives one C tokenizer
 * (pyqio._ctokenizer.Tokenizer.native(): its qio_parser's address, qio_feed's
 * address and the layout cffi sees) and makes the same events as collect(), with
 * no Python frame per C batch. feed_demux(data, buffers) also appends demuxed
 * payloads straight from the tokenizer's demux space to the caller's bytearrays
 * (consecutive URCs of one id in one append, as `+=` grows them), skipping the
 * regrouping copy and the Python loop of the wrapper's _spill(). error is the
 * exception raised for bad buffers (pyqio.errors.InvalidArgument); keep holds
 * the Tokenizer, owner of the memory the parser points into.
 */
#define MAX_IDS 65536   /* a connect id is a NUM: 0-65535 (TOKENS.md) */

typedef size_t (*feed_fn)(qio_parser *, const unsigned char *, size_t);

typedef struct {
    PyObject_HEAD
    qio_parser *p;
    feed_fn feed;
    PyObject *slow, *line, *error, *keep;
    unsigned char *mask;
    Py_ssize_t mask_cap;
} Feeder;

static void
feeder_dealloc(Feeder *self)
{
    Py_XDECREF(self->slow);
    Py_XDECREF(self->line);
    Py_XDECREF(self->error);
    Py_XDECREF(self->keep);
    PyMem_Free(self->mask);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
feeder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    unsigned long long parser, feed;
    Py_ssize_t psize, tsize, ntok_off;
    PyObject *slow, *line, *error, *keep;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Feeder() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "KK(nnn)OOOO:Feeder", &parser, &feed, &psize, &tsize, &ntok_off,
                          &slow, &line, &error, &keep))
        return NULL;
    /* the tokenizer and this module are built from the same tokenizer.h; a stale
     * build of either would disagree here */
    if (psize != (Py_ssize_t)sizeof(qio_parser) || tsize != (Py_ssize_t)sizeof(qio_token)
        || ntok_off != (Py_ssize_t)offsetof(qio_parser, ntok)
        || tsize != ROW * (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_TypeError, "Feeder: the tokenizer's layout differs from this build's");
        return NULL;
    }
    if (parser == 0 || feed == 0) {
        PyErr_SetString(PyExc_ValueError, "Feeder: null parser or function");
        return NULL;
    }
    if (!PyCallable_Check(slow) || !PyCallable_Check(line)
        || !PyType_Check(error) || !PyType_IsSubtype((PyTypeObject *)error,
                                                     (PyTypeObject *)PyExc_Exception)) {
        PyErr_SetString(PyExc_TypeError, "Feeder: slow and line must be callable, error an exception");
        return NULL;
    }
    if (recv_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Feeder: setup() was not called");
        return NULL;
    }
    Feeder *self = (Feeder *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->p = (qio_parser *)(uintptr_t)parser;
    self->feed = (feed_fn)(uintptr_t)feed;
    self->slow = Py_NewRef(slow);
    self->line = Py_NewRef(line);
    self->error = Py_NewRef(error);
    self->keep = Py_NewRef(keep);
    return (PyObject *)self;
}

/* The demux mask of buffers (one byte per id: 1 where a bytearray is), checked as
 * pyqio._ctokenizer._demux_mask does; its length, or -1 with an exception. */
static Py_ssize_t
make_mask(Feeder *self, PyObject *seq)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n < 5) {
        PyErr_Format(self->error, "buffers has %zd entries: at least 5 (connect ids 0-4) "
                     "are required", n);
        return -1;
    }
    if (n > MAX_IDS)
        n = MAX_IDS;
    if (n > self->mask_cap) {
        unsigned char *m = PyMem_Realloc(self->mask, (size_t)n);
        if (m == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->mask = m;
        self->mask_cap = n;
    }
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *b = items[i];
        if (b != Py_None && !PyByteArray_Check(b)) {
            PyErr_Format(self->error, "buffers[%zd] is a %s: a bytearray or None is required",
                         i, Py_TYPE(b)->tp_name);
            return -1;
        }
        self->mask[i] = b != Py_None;
    }
    return n;
}

/* Bytearray b resized to size, its storage grown by half when it must grow.
 *
 * bytearray's own policy (PyByteArray_Resize, which `+=` uses) grows storage by
 * an eighth, or to the exact size when more is asked: bytearrays growing side by
 * side, as one per connection does, are then copied by realloc() about eight
 * times over (the demux benchmark spent 60% of its time in that memmove). Asked
 * for 1.5 times the size first, it allocates that; the second resize, down to
 * the size, keeps the storage (bytearray shrinks it only below half). Unused
 * storage stays under a third of the whole; the bytes are what `+=` would give. */
static int
grow(PyObject *b, Py_ssize_t size)
{
    PyByteArrayObject *a = (PyByteArrayObject *)b;
    Py_ssize_t room = a->ob_alloc - (Py_ssize_t)(a->ob_start - a->ob_bytes) - 1;
    if (size > room && size < PY_SSIZE_T_MAX / 2 && PyByteArray_Resize(b, size + size / 2) < 0)
        return -1;
    return PyByteArray_Resize(b, size);
}

/* The demuxed payloads of the last C call appended to their bytearrays. */
static int
spill(Feeder *self, PyObject *seq)
{
    const qio_parser *p = self->p;
    const unsigned char *src = p->dmx;
    Py_ssize_t nbuf = PySequence_Fast_GET_SIZE(seq);
    size_t i = 0;
    while (i < p->nseg) {
        int32_t id = p->seg[2 * i];
        size_t n = (size_t)p->seg[2 * i + 1], j = i + 1;
        while (j < p->nseg && p->seg[2 * j] == id)
            n += (size_t)p->seg[2 * j++ + 1];
        /* the items are re-read: a callback (line, slow) may have changed the list */
        PyObject *b = id >= 0 && id < nbuf ? PySequence_Fast_GET_ITEM(seq, id) : Py_None;
        if (!PyByteArray_Check(b)) {
            PyErr_Format(self->error, "buffers[%d] is a %s: a bytearray or None is required",
                         (int)id, Py_TYPE(b)->tp_name);
            return -1;
        }
        Py_ssize_t old = PyByteArray_GET_SIZE(b);
        if (grow(b, old + (Py_ssize_t)n) < 0)
            return -1;
        memcpy(PyByteArray_AS_STRING(b) + old, src, n);
        src += n;
        i = j;
    }
    return 0;
}

static PyObject *
feeder_run(Feeder *self, PyObject *data, PyObject *buffers)
{
    Py_buffer in;
    PyObject *seq = NULL, *out = NULL;
    Py_ssize_t mask_n = 0;
    if (PyObject_GetBuffer(data, &in, PyBUF_SIMPLE) < 0)
        return NULL;
    if (buffers != NULL) {
        seq = PySequence_Fast(buffers, "buffers must be a sequence of bytearray or None");
        if (seq == NULL || (mask_n = make_mask(self, seq)) < 0)
            goto fail;
    }
    out = PyList_New(0);
    if (out == NULL)
        goto fail;
    qio_parser *p = self->p;
    const unsigned char *src = in.buf;
    size_t left = (size_t)in.len;
    for (;;) {
        p->demux = seq ? self->mask : NULL;     /* qio_feed_demux() without its regrouping */
        p->demux_n = (size_t)mask_n;
        size_t used = self->feed(p, src, left);
        p->demux = NULL;
        p->demux_n = 0;
        if (p->ntok) {
            batch b = {(const char *)p->tok, (Py_ssize_t)p->ntok, (const char *)p->arena,
                       (Py_ssize_t)p->arena_used, NULL, NULL, 0};
            int rc = collect_batch(out, &b, self->slow, self->line);
            batch_release(&b);
            if (rc < 0)
                goto fail;
        }
        if (p->nseg && seq != NULL && spill(self, seq) < 0)   /* segments only with a mask */
            goto fail;
        left -= used;
        if (!left)
            break;
        src += used;    /* the output batch was full: go on from there */
    }
    Py_XDECREF(seq);
    PyBuffer_Release(&in);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(seq);
    PyBuffer_Release(&in);
    return NULL;
}

static PyObject *
feeder_feed(Feeder *self, PyObject *data)
{
    return feeder_run(self, data, NULL);
}

static PyObject *
feeder_feed_demux(Feeder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "feed_demux() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    return feeder_run(self, args[0], args[1]);
}

static PyMethodDef feeder_methods[] = {
    {"feed", (PyCFunction)feeder_feed, METH_O,
     "feed(data) -> list: the events data completes (pyqio.Decoder.feed)."},
    {"feed_demux", (PyCFunction)(void (*)(void))feeder_feed_demux, METH_FASTCALL,
     "feed_demux(data, buffers) -> list: pyqio.Decoder.feed_demux."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FeederType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pyqio._events_c.Feeder",
    .tp_basicsize = sizeof(Feeder),
    .tp_dealloc = (destructor)feeder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Feeder(parser, feed, layout, slow, line, error, keep): a decoder's feed in C.",
    .tp_methods = feeder_methods,
    .tp_new = feeder_new,
};

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(recv_type, names): check recv_type's slot layout and use it for collect()."},
    {"setup_read", setup_read, METH_VARARGS,
     "setup_read(read_type, names): the same for ReadData, built for +QIRD data tokens."},
    {"collect", collect, METH_VARARGS,
     "collect(out, rows, arena, slow, line): append a Recv per common recv token of the "
     "batch, line(bytes) per line token; runs of other tokens go to "
     "slow(out, rows, arena, start, stop)."},
    {NULL, NULL, 0, NULL},
};

static void
module_free(void *m)
{
    (void)m;
    Py_CLEAR(recv_type);
    Py_CLEAR(read_type);
}

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "pyqio._events_c",
    "Recv events built in C from a C tokenizer batch (optional; see csrc/events_c.c).",
    -1, methods, NULL, NULL, NULL, module_free,
};

PyMODINIT_FUNC
PyInit__events_c(void)
{
    if (PyType_Ready(&FeederType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObject(m, "Feeder", Py_NewRef((PyObject *)&FeederType)) < 0) {
        Py_DECREF((PyObject *)&FeederType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
