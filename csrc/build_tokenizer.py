"""cffi build script for pyqio's C tokenizer (out-of-line API mode).

As bcrypt's ``src/build_bcrypt.py`` and argon2-cffi-bindings' ``_ffi_build.py``
do, this declares the C API with ``cdef`` and names the C source with
``set_source``; in API mode the compiler checks the declarations against
``tokenizer.h``. ``setup.py`` passes it on with
``cffi_modules=["csrc/build_tokenizer.py:ffi"]``; run directly
(``python csrc/build_tokenizer.py``) it builds ``pyqio/_tokenizer_c*.so`` in place.
"""
from __future__ import annotations

import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

CDEF = """
#define QIO_T_LINE ...
#define QIO_T_PROMPT ...
#define QIO_T_RECV ...
#define QIO_T_ERROR ...
#define QIO_T_READ ...
#define QIO_M_BC660K ...
#define QIO_M_BC66 ...
#define QIO_M_BG96 ...

typedef struct {
    int32_t kind;
    int32_t off, len;
    int32_t reason;
    int32_t connect_id, length, port;
    int32_t ip_off, ip_len;
} qio_token;

typedef struct {
    int hex;
    int show_ra;
    uint32_t udp_service;
    int module;
    uint32_t buffer_access;
    size_t ntok, arena_used, nseg, dmx_used, ngroups;
    ...;
} qio_parser;

size_t qio_buf_size(size_t max_line);
size_t qio_token_room(size_t max_line);
void qio_init(qio_parser *p, unsigned char *buf, size_t buf_cap, size_t max_line);
void qio_set_output(qio_parser *p, qio_token *tok, size_t tok_cap,
                    unsigned char *arena, size_t arena_cap,
                    int32_t *seg, size_t seg_cap,
                    unsigned char *dmx, unsigned char *grouped, size_t dmx_cap,
                    int32_t *groups);
size_t qio_feed(qio_parser *p, const unsigned char *data, size_t n);
size_t qio_feed_demux(qio_parser *p, const unsigned char *data, size_t n,
                      const unsigned char *demux, size_t demux_n);
void qio_finish(qio_parser *p);
void qio_reset(qio_parser *p);
const char *qio_reason_string(int reason);
int qio_simd_level(void);
int qio_set_simd(int level);
"""

ROOT = os.path.dirname(HERE)


def make_ffi(absolute: bool = False) -> FFI:
    """The FFI; source paths relative to the working directory (setup.py's), or absolute."""
    def path(name: str) -> str:
        full = os.path.join(HERE, name)
        return full if absolute else os.path.relpath(full)

    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source(
        "pyqio._tokenizer_c",
        '#include "tokenizer.h"',
        sources=[path("tokenizer.c"), path("hex.c")],
        include_dirs=[path(".")],
        depends=[path("tokenizer.h"), path("hex.h")],  # rebuilt when it changes, and in the sdist
        extra_compile_args=["-O2", "-Wall", "-Wextra"],
    )
    return ffi


ffi = make_ffi()

if __name__ == "__main__":
    # python csrc/build_tokenizer.py: build in a scratch directory, then put the
    # module beside the sources in pyqio/ (what setup.py build_ext --inplace does)
    import glob
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        built = make_ffi(absolute=True).compile(tmpdir=tmp, verbose=True)
        # Same file name as setup.py's build (``.abi3.so``): Python prefers a
        # ``.cpython-3XX-*.so``, so a module under another name would shadow the
        # next setup.py build, or be shadowed by it.
        for old in glob.glob(os.path.join(ROOT, "pyqio", "_tokenizer_c*.so")):
            os.remove(old)
        shutil.copy(built, os.path.join(ROOT, "pyqio", "_tokenizer_c.abi3.so"))
