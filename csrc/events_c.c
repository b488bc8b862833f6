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

#define NFIELDS 6   /* connect_id, data, length, remote_ip, remote_port, framed */
#define ROW 9       /* int32 per qio_token */

enum { K_KIND, K_OFF, K_LEN, K_REASON, K_CID, K_LENGTH, K_PORT, K_IPO, K_IPL };

static PyTypeObject *recv_type = NULL;      /* strong reference once set up */
static Py_ssize_t slot_off[NFIELDS];

static PyObject *
setup(PyObject *self, PyObject *args)
{
    PyObject *type, *names;
    Py_ssize_t offs[NFIELDS];
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!:setup", &PyType_Type, &type, &PyTuple_Type, &names))
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)type;
    if (PyTuple_GET_SIZE(names) != NFIELDS) {
        PyErr_Format(PyExc_TypeError, "setup: %d field names expected", NFIELDS);
        return NULL;
    }
    if (tp->tp_itemsize != 0 || tp->tp_dictoffset != 0 || tp->tp_alloc == NULL
        || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        PyErr_SetString(PyExc_TypeError, "setup: not a slotted class of fixed size");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < NFIELDS; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "setup: field names must be str");
            return NULL;
        }
        /* the descriptor in the class's own dict, not one inherited or overridden */
        PyObject *d = PyDict_GetItemWithError(tp->tp_dict, name);
        if (d == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "setup: %R is not a slot of %s", name, tp->tp_name);
            return NULL;
        }
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type)) {
            PyErr_Format(PyExc_TypeError, "setup: %R of %s is not a slot member", name, tp->tp_name);
            return NULL;
        }
        PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
        if (m->type != Py_T_OBJECT_EX || (m->flags & (Py_READONLY | Py_RELATIVE_OFFSET))
            || m->offset < (Py_ssize_t)sizeof(PyObject)
            || m->offset + (Py_ssize_t)sizeof(PyObject *) > tp->tp_basicsize) {
            PyErr_Format(PyExc_TypeError, "setup: slot %R of %s has an unexpected layout",
                         name, tp->tp_name);
            return NULL;
        }
        for (Py_ssize_t j = 0; j < i; j++) {
            if (offs[j] == m->offset) {
                PyErr_SetString(PyExc_TypeError, "setup: two fields share a slot");
                return NULL;
            }
        }
        offs[i] = m->offset;
    }
    memcpy(slot_off, offs, sizeof offs);
    Py_INCREF(type);
    Py_XSETREF(recv_type, tp);
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

static int
flush_slow(PyObject *slow, PyObject *out, PyObject *rows, PyObject *arena,
           Py_ssize_t start, Py_ssize_t stop)
{
    if (start >= stop)
        return 0;
    PyObject *res = PyObject_CallFunction(slow, "OOOnn", out, rows, arena, start, stop);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
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
    Py_ssize_t ntok = rows.len / (Py_ssize_t)(ROW * sizeof(int32_t));
    Py_ssize_t run = 0;     /* first token of the pending slow run */
    for (Py_ssize_t i = 0; i < ntok; i++) {
        int32_t r[ROW];
        memcpy(r, (const char *)rows.buf + i * ROW * (Py_ssize_t)sizeof(int32_t), sizeof r);
        int is_line = r[K_KIND] == 0;
        /* decode.py's fast shape: a recv with a length and no address (framed) */
        if (!is_line && (r[K_KIND] != 2 || r[K_IPL] >= 0 || r[K_LENGTH] < 0))
            continue;
        if (flush_slow(slow, out, rows_obj, arena_obj, run, i) < 0)
            goto done;
        run = i + 1;
        if (is_line) {
            if (append_line(out, line, r, (const char *)arena.buf, arena.len) < 0)
                goto done;
            continue;
        }
        PyObject *e = make_recv(r, (const char *)arena.buf, arena.len);
        if (e == NULL)
            goto done;
        int rc = PyList_Append(out, e);
        Py_DECREF(e);
        if (rc < 0)
            goto done;
    }
    if (flush_slow(slow, out, rows_obj, arena_obj, run, ntok) < 0)
        goto done;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&rows);
    PyBuffer_Release(&arena);
    return result;
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(recv_type, names): check recv_type's slot layout and use it for collect()."},
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
}

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "pyqio._events_c",
    "Recv events built in C from a C tokenizer batch (optional; see csrc/events_c.c).",
    -1, methods, NULL, NULL, NULL, module_free,
};

PyMODINIT_FUNC
PyInit__events_c(void)
{
    return PyModule_Create(&moduledef);
}
