/* SPDX-FileCopyrightText: 2026 blender-gt authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader's conversions of decoded EXR planes, row band by row band, without the
 * GIL: what reader/convert.py does with numpy, in one pass over the pixels instead of
 * several, with the CPU's half -> float instruction (F16C) where there is one.
 *
 * Every function computes exactly what convert.py's numpy formula computes, value for
 * value (tests/reader/test_kernels.py compares them bit for bit). Floating-point
 * expressions are evaluated in float32 in numpy's order; setup.py compiles this file
 * without contraction into fused multiply-adds, which would round differently (and
 * without errno or trap semantics, which change no value but keep loops from
 * vectorising).
 * The one difference: a signalling NaN in a half plane comes out quiet (the F16C
 * instruction quiets it; numpy keeps it signalling). Blender writes no such NaN.
 *
 * A "source" is a tuple (array, offset, stride): the channel's value at pixel p
 * (row-major over the image) is array.flat[p * stride + offset]; the array is
 * C-contiguous, float16 ('e') or float32 ('f'), with height * width * stride values.
 * A plane decoded on its own is (plane, 0, 1); channel i of an interleaved (H, W, C)
 * array is (array, i, C).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_kernels.h"

#define MAX_CHANNELS 8

/* ---------------------------------------------------------------------------------
 * Sources
 */

typedef struct
{
    Py_buffer  view;
    int        half;   /* 1: float16, 0: float32 */
    Py_ssize_t offset; /* in values */
    Py_ssize_t stride; /* values per pixel */
} Source;

static void
release_sources (Source* s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i].view.obj) PyBuffer_Release (&s[i].view);
}

/* Parse a sequence of (array, offset, stride) for an image of `pixels` pixels. */
static int
parse_sources (PyObject* seq, Source* out, int* count, Py_ssize_t pixels)
{
    PyObject* fast = PySequence_Fast (seq, "sources must be a sequence");
    if (!fast) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE (fast);
    if (n < 1 || n > MAX_CHANNELS)
    {
        Py_DECREF (fast);
        PyErr_Format (PyExc_ValueError, "1 to %d sources, not %zd", MAX_CHANNELS, n);
        return -1;
    }
    memset (out, 0, sizeof (Source) * MAX_CHANNELS);
    for (Py_ssize_t i = 0; i < n; i++)
    {
        PyObject*  item = PySequence_Fast_GET_ITEM (fast, i);
        PyObject*  array;
        Py_ssize_t offset, stride;
        if (!PyArg_ParseTuple (item, "Onn", &array, &offset, &stride)) goto fail;
        if (PyObject_GetBuffer (array, &out[i].view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
            goto fail;
        const char* fmt = out[i].view.format;
        if (fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@') fmt++;
        if (strcmp (fmt, "e") == 0 && out[i].view.itemsize == 2)
            out[i].half = 1;
        else if (strcmp (fmt, "f") == 0 && out[i].view.itemsize == 4)
            out[i].half = 0;
        else
        {
            PyErr_Format (PyExc_TypeError, "source %zd: float16 or float32, not '%s'", i,
                          out[i].view.format);
            goto fail;
        }
        if (offset < 0 || stride < 1 || offset >= stride ||
            out[i].view.len / out[i].view.itemsize != pixels * stride)
        {
            PyErr_Format (PyExc_ValueError,
                          "source %zd: offset %zd, stride %zd do not fit %zd values "
                          "for %zd pixels", i, offset, stride,
                          out[i].view.len / out[i].view.itemsize, pixels);
            goto fail;
        }
        out[i].offset = offset;
        out[i].stride = stride;
    }
    *count = (int) n;
    Py_DECREF (fast);
    return 0;
fail:
    release_sources (out, MAX_CHANNELS);
    Py_DECREF (fast);
    return -1;
}

/* Scratch floats `planar_rows` needs: a converted row of each half array, and one
 * row a channel. */
static Py_ssize_t
scratch_values (const Source* s, int n, Py_ssize_t width)
{
    Py_ssize_t total = n * width;
    for (int c = 0; c < n; c++)
        if (s[c].half) total += width * s[c].stride;
    return total;
}

/* Row `y` of every source as `width` contiguous float32 values: rows[c] points into
 * the array (a float32 plane of its own) or into `scratch`. A half array's row is
 * converted once however many of its channels are asked for. */
static void
planar_rows (const Source* s, int n, Py_ssize_t y, Py_ssize_t width, float* scratch,
             const float** rows)
{
    const void*  done_buf[MAX_CHANNELS];
    const float* done_row[MAX_CHANNELS];
    int          done    = 0;
    float*       planes  = scratch;
    float*       free_at = scratch + n * width;
    for (int c = 0; c < n; c++)
    {
        Py_ssize_t   stride = s[c].stride;
        Py_ssize_t   start  = y * width * stride;
        const float* span   = NULL;
        float*       plane  = planes + c * width;
        if (!s[c].half)
            span = (const float*) s[c].view.buf + start;
        else if (stride == 1)
        {
            gt_half_to_float ((const uint16_t*) s[c].view.buf + start, plane, width);
            rows[c] = plane;
            continue;
        }
        else
        {
            for (int d = 0; d < done; d++)
                if (done_buf[d] == s[c].view.buf) span = done_row[d];
            if (!span)
            {
                gt_half_to_float ((const uint16_t*) s[c].view.buf + start, free_at,
                               width * stride);
                span             = free_at;
                free_at         += width * stride;
                done_buf[done]   = s[c].view.buf;
                done_row[done++] = span;
            }
        }
        if (stride == 1)
            rows[c] = span;
        else
        {
            gt_gather (span + s[c].offset, stride, plane, width);
            rows[c] = plane;
        }
    }
}

static int
check_rows (Py_ssize_t y0, Py_ssize_t y1, Py_ssize_t height)
{
    if (y0 < 0 || y1 > height || y0 > y1)
    {
        PyErr_Format (PyExc_ValueError, "rows %zd..%zd outside 0..%zd", y0, y1, height);
        return -1;
    }
    return 0;
}

/* dst: a writable C-contiguous array of `itemsize` bytes and format `fmt`, with
 * `values_per_pixel` values a pixel; gives its height and width. */
static int
get_dst (PyObject* obj, Py_buffer* view, const char* fmt, Py_ssize_t itemsize,
         Py_ssize_t values_per_pixel, Py_ssize_t* height, Py_ssize_t* width)
{
    if (PyObject_GetBuffer (obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return -1;
    const char* f = view->format;
    if (f[0] == '<' || f[0] == '=' || f[0] == '@') f++;
    int ok = strcmp (f, fmt) == 0 && view->itemsize == itemsize && view->ndim >= 2;
    if (ok && values_per_pixel > 1)
        ok = view->ndim == 3 && view->shape[2] == values_per_pixel;
    if (ok && values_per_pixel == 1) ok = view->ndim == 2;
    if (!ok)
    {
        PyErr_Format (PyExc_TypeError, "destination: a C-contiguous (H, W%s) array of '%s'",
                      values_per_pixel > 1 ? ", C" : "", fmt);
        PyBuffer_Release (view);
        return -1;
    }
    *height = view->shape[0];
    *width  = view->shape[1];
    return 0;
}

/* ---------------------------------------------------------------------------------
 * pack(dst, sources, y0, y1, op=PLAIN, background=0): rows y0..y1 of dst[..., c] =
 * source c as float32, then, by `op`:
 *   UNIT (three channels): each pixel's values divided by their length, as
 *       conventions.unit_normals does: length = sqrt((x*x + y*y) + z*z) in float32,
 *       0 where the length is not > 0;
 *   DEPTH (one channel): values >= background (as float32) become inf, as
 *       conventions.depth_from_pass does;
 *   POSITION (three channels): NaN in every channel where all three are 0, as
 *       conventions.position_from_pass does.
 */
static PyObject*
pack (PyObject* self, PyObject* args)
{
    PyObject * dst_obj, *src_obj;
    Py_ssize_t y0, y1;
    int        op         = PLAIN;
    float      background = 0.0f;
    if (!PyArg_ParseTuple (args, "OOnn|if", &dst_obj, &src_obj, &y0, &y1, &op, &background))
        return NULL;
    int unit = op == UNIT;
    Source     src[MAX_CHANNELS];
    int        n;
    Py_buffer  dst;
    Py_ssize_t height, width;
    if (PyObject_GetBuffer (dst_obj, &dst, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return NULL;
    Py_ssize_t channels = dst.ndim == 3 ? dst.shape[2] : 1;
    PyBuffer_Release (&dst);
    if (get_dst (dst_obj, &dst, "f", 4, channels, &height, &width) < 0) return NULL;
    if (parse_sources (src_obj, src, &n, height * width) < 0)
    {
        PyBuffer_Release (&dst);
        return NULL;
    }
    int wrong_op = op < PLAIN || op > POSITION || ((op == UNIT || op == POSITION) && n != 3) ||
                   (op == DEPTH && n != 1);
    if (n != channels || check_rows (y0, y1, height) < 0 || wrong_op)
    {
        if (!PyErr_Occurred ())
            PyErr_Format (PyExc_ValueError, "%d sources for %zd channels, op %d", n, channels,
                          op);
        release_sources (src, n);
        PyBuffer_Release (&dst);
        return NULL;
    }
    float* scratch = NULL;
    /* planar rows (or a converted row for the direct path), three unit rows, the row
     * out */
    Py_ssize_t planar = scratch_values (src, n, width);
    if (planar < width * src[0].stride) planar = width * src[0].stride;
    Py_ssize_t need = planar + 3 * width + n * width;
    if (!(scratch = malloc (sizeof (float) * need)))
    {
        release_sources (src, n);
        PyBuffer_Release (&dst);
        return PyErr_NoMemory ();
    }
    /* One interleaved array, its first n channels in order: converted row by row
     * straight into dst (the image, emission), no planes. */
    int direct = op == PLAIN;
    for (int c = 0; c < n; c++)
        direct = direct && src[c].view.buf == src[0].view.buf && src[c].half == src[0].half &&
                 src[c].stride == src[0].stride && src[c].offset == c;
    Py_ssize_t stride = src[0].stride;
    Py_BEGIN_ALLOW_THREADS
    const float* rows[MAX_CHANNELS];
    float*       units[3] = {scratch + planar, scratch + planar + width,
                             scratch + planar + 2 * width};
    float*       row      = scratch + planar + 3 * width;
    for (Py_ssize_t y = y0; y < y1; y++)
    {
        float* out = (float*) dst.buf + y * width * n;
        if (direct)
        {
            Py_ssize_t start = y * width * stride;
            if (src[0].half && stride == n)
                gt_half_to_float ((const uint16_t*) src[0].view.buf + start, row, width * n);
            else if (src[0].half)
            {
                gt_half_to_float ((const uint16_t*) src[0].view.buf + start, scratch,
                               width * stride);
                gt_first_channels (scratch, stride, row, n, width);
            }
            else if (stride == n)
            {
                gt_stream_row (out, (const float*) src[0].view.buf + start, width * n);
                continue;
            }
            else
                gt_first_channels ((const float*) src[0].view.buf + start, stride, row, n, width);
        }
        else
        {
            planar_rows (src, n, y, width, scratch, rows);
            if (unit)
            {
                gt_unit_rows (rows[0], rows[1], rows[2], units[0], units[1], units[2], width);
                gt_interleave ((const float* const*) units, 3, row, width);
            }
            else if (op == DEPTH)
                gt_background_rows (rows[0], background, row, width);
            else
            {
                gt_interleave (rows, n, row, width);
                if (op == POSITION) gt_nan_where_zero (row, width);
            }
        }
        gt_stream_row (out, row, width * n);
    }
    gt_stream_done ();
    Py_END_ALLOW_THREADS
    free (scratch);
    release_sources (src, n);
    PyBuffer_Release (&dst);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------------------
 * index(dst, source, y0, y1): dst (H, W) int32 = rint(source), as
 * np.copyto(dst, np.rint(plane), casting="unsafe").
 */
static PyObject*
index_rows (PyObject* self, PyObject* args)
{
    PyObject * dst_obj, *src_obj;
    Py_ssize_t y0, y1, height, width;
    if (!PyArg_ParseTuple (args, "OOnn", &dst_obj, &src_obj, &y0, &y1)) return NULL;
    Py_buffer dst;
    if (get_dst (dst_obj, &dst, "i", 4, 1, &height, &width) < 0) return NULL;
    Source    src[MAX_CHANNELS];
    int       n;
    PyObject* one = PyTuple_Pack (1, src_obj);
    if (!one || parse_sources (one, src, &n, height * width) < 0 ||
        check_rows (y0, y1, height) < 0)
    {
        Py_XDECREF (one);
        if (one) release_sources (src, MAX_CHANNELS);
        PyBuffer_Release (&dst);
        return NULL;
    }
    Py_DECREF (one);
    float* scratch = NULL;
    Py_ssize_t need = scratch_values (src, 1, width);
    if (!(scratch = malloc (sizeof (float) * (need + width))))
    {
        release_sources (src, 1);
        PyBuffer_Release (&dst);
        return PyErr_NoMemory ();
    }
    Py_BEGIN_ALLOW_THREADS
    const float* rows[1];
    for (Py_ssize_t y = y0; y < y1; y++)
    {
        planar_rows (src, 1, y, width, scratch, rows);
        gt_round_row (rows[0], (int32_t*) (scratch + need), width);
        gt_stream_row ((int32_t*) dst.buf + y * width, scratch + need, width);
    }
    gt_stream_done ();
    Py_END_ALLOW_THREADS
    free (scratch);
    release_sources (src, 1);
    PyBuffer_Release (&dst);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------------------
 * instance_ids(dst, hash, coverage, coverage2, keys, numbers, y0, y1): dst (H, W)
 * int32 as ids.instance_ids computes it: the number of the key equal to the pixel's
 * hash (float32 bits), 0 if none; 0 where coverage < (1 - coverage) - coverage2
 * (float32). keys: sorted, distinct uint32 ('I'); numbers: int32 ('i'), as many.
 */
static PyObject*
instance_ids (PyObject* self, PyObject* args)
{
    PyObject * dst_obj, *hash_obj, *cov_obj, *cov2_obj, *keys_obj, *numbers_obj;
    Py_ssize_t y0, y1, height, width;
    if (!PyArg_ParseTuple (args, "OOOOOOnn", &dst_obj, &hash_obj, &cov_obj, &cov2_obj,
                           &keys_obj, &numbers_obj, &y0, &y1))
        return NULL;
    Py_buffer dst, keys, numbers;
    if (get_dst (dst_obj, &dst, "i", 4, 1, &height, &width) < 0) return NULL;
    Source    src[MAX_CHANNELS];
    int       n;
    PyObject* three = PyTuple_Pack (3, hash_obj, cov_obj, cov2_obj);
    if (!three || parse_sources (three, src, &n, height * width) < 0)
    {
        Py_XDECREF (three);
        PyBuffer_Release (&dst);
        return NULL;
    }
    Py_DECREF (three);
    if (PyObject_GetBuffer (keys_obj, &keys, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
    {
        release_sources (src, n);
        PyBuffer_Release (&dst);
        return NULL;
    }
    if (PyObject_GetBuffer (numbers_obj, &numbers, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
    {
        PyBuffer_Release (&keys);
        release_sources (src, n);
        PyBuffer_Release (&dst);
        return NULL;
    }
    const char* kf = keys.format[0] == '=' || keys.format[0] == '<' ? keys.format + 1 : keys.format;
    const char* nf = numbers.format[0] == '=' || numbers.format[0] == '<' ? numbers.format + 1
                                                                         : numbers.format;
    Py_ssize_t count = keys.len / 4;
    float*     scratch = NULL;
    Py_ssize_t need    = scratch_values (src, 3, width);
    int        error   = 0;
    if (strcmp (kf, "I") || keys.itemsize != 4 || strcmp (nf, "i") || numbers.itemsize != 4 ||
        numbers.len != keys.len)
    {
        PyErr_SetString (PyExc_TypeError, "keys: uint32, numbers: int32, as many");
        error = 1;
    }
    else if (check_rows (y0, y1, height) < 0)
        error = 1;
    else if (!(scratch = malloc (sizeof (float) * (need + width))))
    {
        PyErr_NoMemory ();
        error = 1;
    }
    if (!error)
    {
        IdTable table = {(const uint32_t*) keys.buf, (const int32_t*) numbers.buf, count, 0, 0, 0};
        Py_BEGIN_ALLOW_THREADS
        const float* rows[3];
        for (Py_ssize_t y = y0; y < y1; y++)
        {
            planar_rows (src, 3, y, width, scratch, rows);
            int32_t* out = (int32_t*) (scratch + need);
            gt_id_row (rows[0], rows[1], rows[2], out, width, &table);
            gt_stream_row ((int32_t*) dst.buf + y * width, out, width);
        }
        gt_stream_done ();
        Py_END_ALLOW_THREADS
    }
    free (scratch);
    PyBuffer_Release (&numbers);
    PyBuffer_Release (&keys);
    release_sources (src, n);
    PyBuffer_Release (&dst);
    if (error) return NULL;
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------------------
 * depth(plane, background, y0, y1): in a writable C-contiguous (H, W) float32 plane,
 * values >= background (as float32) become inf, as conventions.depth_from_pass does;
 * NaN stays NaN.
 */
static PyObject*
depth_rows (PyObject* self, PyObject* args)
{
    PyObject * obj;
    float      background;
    Py_ssize_t y0, y1, height, width;
    if (!PyArg_ParseTuple (args, "Ofnn", &obj, &background, &y0, &y1)) return NULL;
    Py_buffer plane;
    if (get_dst (obj, &plane, "f", 4, 1, &height, &width) < 0) return NULL;
    if (check_rows (y0, y1, height) < 0)
    {
        PyBuffer_Release (&plane);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    float* restrict p   = (float*) plane.buf + y0 * width;
    Py_ssize_t      end = (y1 - y0) * width;
    for (Py_ssize_t i = 0; i < end; i++) p[i] = p[i] >= background ? INFINITY : p[i];
    Py_END_ALLOW_THREADS
    PyBuffer_Release (&plane);
    Py_RETURN_NONE;
}

static int f16c = 0; /* gt_init_rows chose the F16C conversion */

PyObject* gt_refused = NULL;

static PyObject*
half_instruction (PyObject* self, PyObject* unused)
{
    return PyBool_FromLong (f16c);
}

static PyMethodDef methods[] = {
    {"pack", pack, METH_VARARGS,
     "pack(dst, sources, y0, y1, op=0, background=0): rows y0..y1 of dst (H, W, C) "
     "float32 from C sources (array, offset, stride); op 1: unit length, 2: inf where "
     ">= background, 3: NaN where all three are 0"},
    {"index", index_rows, METH_VARARGS,
     "index(dst, source, y0, y1): rows of dst (H, W) int32 = rint(source)"},
    {"depth", depth_rows, METH_VARARGS,
     "depth(plane, background, y0, y1): in rows of a float32 plane, values >= background become inf"},
    {"instance_ids", instance_ids, METH_VARARGS,
     "instance_ids(dst, hash, coverage, coverage2, keys, numbers, y0, y1)"},
    {"bind_openexr", gt_bind_openexr, METH_VARARGS,
     "bind_openexr(module_path): look up OpenEXR's Core functions in the openexr "
     "package's module; the Core version string when they are there and version 3.5, "
     "else None"},
    {"read_into", gt_read_into, METH_VARARGS,
     "read_into(path, outputs, threads): decode a scanline EXR file straight into "
     "the outputs' arrays (see _exrread.c); raises Refused for a file the reader "
     "refuses, RuntimeError/ValueError where it declines (the planes path decodes it)"},
    {"half_instruction", half_instruction, METH_NOARGS,
     "Whether half floats are converted by the CPU's F16C instruction"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "The reader's conversions in C (see reader/convert.py).", -1, methods};

PyMODINIT_FUNC
PyInit__kernels (void)
{
    PyObject* m;
    f16c = gt_init_rows ();
    if (!(m = PyModule_Create (&module))) return NULL;
    if (!gt_refused &&
        !(gt_refused = PyErr_NewException ("blender_gt_addon.reader._kernels.Refused",
                                           PyExc_ValueError, NULL)))
    {
        Py_DECREF (m);
        return NULL;
    }
    Py_INCREF (gt_refused); /* PyModule_AddObject steals a reference; the C one stays */
    if (PyModule_AddObject (m, "Refused", gt_refused) < 0)
    {
        Py_DECREF (gt_refused);
        Py_DECREF (m);
        return NULL;
    }
    if (PyModule_AddIntConstant (m, "PLAIN", PLAIN) < 0 ||
        PyModule_AddIntConstant (m, "UNIT", UNIT) < 0 ||
        PyModule_AddIntConstant (m, "DEPTH", DEPTH) < 0 ||
        PyModule_AddIntConstant (m, "POSITION", POSITION) < 0 ||
        PyModule_AddIntConstant (m, "MAX_CHANNELS", MAX_CHANNELS) < 0 ||
        PyModule_AddIntConstant (m, "KIND_PACK", KIND_PACK) < 0 ||
        PyModule_AddIntConstant (m, "KIND_INDEX", KIND_INDEX) < 0 ||
        PyModule_AddIntConstant (m, "KIND_IDS", KIND_IDS) < 0)
    {
        Py_DECREF (m);
        return NULL;
    }
    return m;
}
