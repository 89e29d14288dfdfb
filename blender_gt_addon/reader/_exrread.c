/* SPDX-FileCopyrightText: 2026 blender-gt authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding a scanline OpenEXR file straight into the reader's arrays.
 *
 * The openexr package decodes every channel of a file into an array of its own, in the
 * type stored; the reader then converted those arrays into its own (interleaved,
 * float32, renormalised, ...), a second pass over every pixel and a second copy of the
 * frame in memory. Here OpenEXR's Core library decodes each chunk of scanlines with the
 * reader's layout as its destination: each channel written at its place in the final
 * array (pixel and line strides), converted to float32 (or float16) by the Core's own
 * unpacking (half floats into float32 arrays: widened from a chunk-sized buffer by the
 * F16C instruction instead), channels nobody asked for skipped, and the reader's
 * conventions applied to the chunk's rows while they are still in the cache. Chunks are shared out among
 * threads, each with its own decode pipeline.
 *
 * The Core's functions are not linked: bind_openexr looks them up at run time in the
 * openexr package's own module (which exports them), so both paths decode with the
 * same library, and only when it reports version 3.5, the struct layout of the headers
 * compiled here (third_party/openexr_core). Anything else (another version, no
 * dlopen, a tiled, deep or multi-part file, a UINT channel, any error while decoding)
 * raises, and the reader decodes the file through the openexr package.
 *
 * Sizes from the file are untrusted (docs/reader-safety.md): every size that reaches
 * memory (strides, scratch, offsets) is computed in 64 bits with explicit overflow
 * checks, and a file the decoder must not read (a row longer than the Core's int32
 * line stride, a subsampled channel anywhere in the file) raises _kernels.Refused,
 * which the reader turns into its GroundTruthError, the same refusal as the planes
 * path's. The reader checks the sizes against its memory budget from the header
 * before it allocates the arrays (reader/decode.py); these checks are the backstop.
 */

#include "_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#define GT_HAVE_CORE 1
#include <dlfcn.h>
#include <pthread.h>

#include "openexr_decode.h"
#include "openexr_part.h"
#endif

#ifdef GT_HAVE_CORE

#define CORE_FUNCTIONS(X)                                                                \
    X (exr_get_library_version)                                                          \
    X (exr_start_read)                                                                   \
    X (exr_finish)                                                                       \
    X (exr_get_count)                                                                    \
    X (exr_get_storage)                                                                  \
    X (exr_get_data_window)                                                              \
    X (exr_get_scanlines_per_chunk)                                                      \
    X (exr_get_chunk_count)                                                              \
    X (exr_read_scanline_chunk_info)                                                     \
    X (exr_decoding_initialize)                                                          \
    X (exr_decoding_update)                                                              \
    X (exr_decoding_choose_default_routines)                                             \
    X (exr_decoding_run)                                                                 \
    X (exr_decoding_destroy)                                                             \
    X (exr_get_default_error_message)

#define DECLARE(name) static __typeof__ (name)* p_##name = NULL;
CORE_FUNCTIONS (DECLARE)
#undef DECLARE

static int bound = 0;

PyObject*
gt_bind_openexr (PyObject* self, PyObject* args)
{
    const char* path;
    if (!PyArg_ParseTuple (args, "s", &path)) return NULL;
    if (!bound)
    {
        /* The module is loaded already (the reader imported openexr): RTLD_NOLOAD
         * gives its handle without loading anything. */
        void* handle = dlopen (path, RTLD_NOW | RTLD_NOLOAD);
        if (!handle) Py_RETURN_NONE;
        int missing = 0;
#define LOOKUP(name)                                                                     \
    p_##name = (__typeof__ (name)*) dlsym (handle, #name);                               \
    missing |= p_##name == NULL;
        CORE_FUNCTIONS (LOOKUP)
#undef LOOKUP
        if (missing) Py_RETURN_NONE;
        bound = 1;
    }
    int         major = 0, minor = 0, patch = 0;
    const char* extra = "";
    p_exr_get_library_version (&major, &minor, &patch, &extra);
    if (major != 3 || minor != 5) Py_RETURN_NONE;
    return PyUnicode_FromFormat ("%d.%d.%d%s", major, minor, patch, extra ? extra : "");
}

/* ---------------------------------------------------------------------------------
 * The outputs and the channels they take.
 */

#define MAX_OUTPUTS 32
#define MAX_TARGETS 128

typedef struct
{
    int        kind, op, values; /* values a pixel of dst */
    float      background;
    Py_buffer  dst, keys, numbers;
    int        half; /* dst is float16 */
} Output;

/* Per thread, per output: float32 outputs whose channels are all half floats in the
 * file are decoded as stored into a chunk-sized buffer (in the cache) and widened by
 * the F16C instruction, faster than the Core's value-by-value conversion. */
typedef struct
{
    int        staged;
    Py_ssize_t offset; /* in the thread's half buffer, in half floats */
} Stage;

/* One channel's destination. */
typedef struct
{
    const char* name;
    int         output, slot; /* slot: place in the pixel (or in the ids' scratch) */
} Target;

typedef struct
{
    exr_context_t ctxt;
    Output*       outputs;
    int           noutputs;
    Target*       targets;
    int           ntargets;
    int32_t       y0, width, height, lines, chunks;
    int32_t       rows;       /* rows of a chunk at most: min(lines, height) */
    int           ids;        /* an output takes the Cryptomatte planes (scratch) */
    int           next_chunk; /* shared: the next chunk to take */
    int           failed;     /* shared: a thread failed; the others stop */
    int           refused;    /* the failure is a refusal of the file (Refused) */
    char          message[256]; /* the first failure's */
} Job;

/* Unit normals are renormalised in blocks of this many pixels of a row: the scratch
 * for them does not grow with the claimed width. */
#define UNIT_BLOCK 4096

/* The Core's error handler prints to stderr by default; here it says nothing: each
 * failing call's code becomes the exception's message (fail, gt_read_into). */
static void
quiet (exr_const_context_t ctxt, exr_result_t code, const char* msg)
{
    (void) ctxt;
    (void) code;
    (void) msg;
}

static void
fail (Job* job, exr_result_t code, const char* what)
{
    if (__atomic_exchange_n (&job->failed, 1, __ATOMIC_ACQ_REL) == 0)
        snprintf (job->message, sizeof job->message, "%s: %s", what,
                  p_exr_get_default_error_message (code));
}

/* The file is not one the reader reads (not a decoding failure): the reader raises
 * its GroundTruthError with this reason instead of decoding through the planes. */
static void
refuse (Job* job, const char* reason)
{
    if (__atomic_exchange_n (&job->failed, 1, __ATOMIC_ACQ_REL) == 0)
    {
        job->refused = 1;
        snprintf (job->message, sizeof job->message, "%s", reason);
    }
}

/* a * b * c in *out, or 0 when that overflows a Py_ssize_t (or a factor is negative) */
static int
size_of (Py_ssize_t a, Py_ssize_t b, Py_ssize_t c, Py_ssize_t* out)
{
    Py_ssize_t ab;
    if (a < 0 || b < 0 || c < 0) return 0;
    return !__builtin_mul_overflow (a, b, &ab) && !__builtin_mul_overflow (ab, c, out);
}

/* In place on rows of an output after its channels were decoded into them. */
static void
finish_rows (const Job* job, const Output* o, int32_t row0, int32_t rows, float* scratch)
{
    Py_ssize_t w = job->width;
    for (int32_t r = row0; r < row0 + rows; r++)
    {
        if (o->kind == KIND_INDEX)
        {
            float* p = (float*) o->dst.buf + (Py_ssize_t) r * w;
            gt_round_row (p, (int32_t*) p, w);
        }
        else if (o->op == DEPTH)
        {
            float* p = (float*) o->dst.buf + (Py_ssize_t) r * w;
            gt_background_rows (p, o->background, p, w);
        }
        else if (o->op == POSITION)
            gt_nan_where_zero ((float*) o->dst.buf + (Py_ssize_t) r * w * 3, w);
        else if (o->op == UNIT)
            for (Py_ssize_t x = 0; x < w; x += UNIT_BLOCK)
            {
                Py_ssize_t n = w - x < UNIT_BLOCK ? w - x : UNIT_BLOCK;
                float*     p = (float*) o->dst.buf + ((Py_ssize_t) r * w + x) * 3;
                float*     in[3]  = {scratch, scratch + UNIT_BLOCK, scratch + 2 * UNIT_BLOCK};
                float*     out[3] = {scratch + 3 * UNIT_BLOCK, scratch + 4 * UNIT_BLOCK,
                                     scratch + 5 * UNIT_BLOCK};
                for (int c = 0; c < 3; c++) gt_gather (p + c, 3, in[c], n);
                gt_unit_rows (in[0], in[1], in[2], out[0], out[1], out[2], n);
                gt_interleave ((const float* const*) out, 3, p, n);
            }
    }
}

static void*
decode_chunks (void* arg)
{
    Job*                  job = (Job*) arg;
    exr_decode_pipeline_t dec = EXR_DECODE_PIPELINE_INITIALIZER;
    int                   initialized = 0;
    Py_ssize_t            w = job->width;
    /* per thread: the ids' three planes for one chunk (only if an output takes them:
     * a chunk has at most job->rows rows, never more than the image), then six blocks
     * of a row for unit normals */
    Py_ssize_t id_floats = 0, ids_at = 0;
    if (job->ids && (!size_of (3, job->rows, w, &id_floats) ||
                     id_floats > PY_SSIZE_T_MAX / (Py_ssize_t) sizeof (float) - 6 * UNIT_BLOCK))
    {
        refuse (job, "the Cryptomatte planes of a chunk overflow the decoder's sizes");
        return NULL;
    }
    ids_at = id_floats; /* the unit normals' blocks follow the ids' planes */
    float* scratch = malloc (sizeof (float) * (id_floats + 6 * UNIT_BLOCK));
    if (!scratch)
    {
        fail (job, EXR_ERR_OUT_OF_MEMORY, "memory");
        return NULL;
    }
    int*      target_of = NULL; /* the decoder's channel index -> target index, or -1 */
    Stage     stage[MAX_OUTPUTS];
    uint16_t* halves = NULL; /* the staged outputs' rows of one chunk */
    memset (stage, 0, sizeof stage);
    while (!__atomic_load_n (&job->failed, __ATOMIC_ACQUIRE))
    {
        int chunk = __atomic_fetch_add (&job->next_chunk, 1, __ATOMIC_ACQ_REL);
        if (chunk >= job->chunks) break;
        exr_chunk_info_t cinfo;
        int32_t          y  = job->y0 + chunk * job->lines;
        exr_result_t     rv = p_exr_read_scanline_chunk_info (job->ctxt, 0, y, &cinfo);
        if (rv != EXR_ERR_SUCCESS)
        {
            fail (job, rv, "chunk table");
            break;
        }
        rv = initialized ? p_exr_decoding_update (job->ctxt, 0, &cinfo, &dec)
                         : p_exr_decoding_initialize (job->ctxt, 0, &cinfo, &dec);
        if (rv != EXR_ERR_SUCCESS)
        {
            fail (job, rv, "decoder");
            break;
        }
        if (!initialized)
        {
            initialized = 1;
            target_of   = malloc (sizeof (int) * (dec.channel_count ? dec.channel_count : 1));
            if (!target_of)
            {
                fail (job, EXR_ERR_OUT_OF_MEMORY, "memory");
                break;
            }
            /* every channel asked for: in the file, one sample a pixel, half or float */
            /* (and no channel taken twice: a decoder writes a channel to one place) */
            int found = 0, unusable = 0;
            for (int c = 0; c < dec.channel_count; c++)
            {
                const exr_coding_channel_info_t* ch = &dec.channels[c];
                target_of[c] = -1;
                if (ch->x_samples != 1 || ch->y_samples != 1)
                {
                    /* any channel, asked for or not: the planes path refuses the same
                     * file with the same words (decode.subsampled_reason) */
                    char reason[200];
                    snprintf (reason, sizeof reason,
                              "channel %.80s is sampled every %d x %d pixels (subsampled "
                              "channels are not supported)",
                              ch->channel_name, ch->x_samples, ch->y_samples);
                    refuse (job, reason);
                    unusable = -1;
                    break;
                }
                for (int t = 0; t < job->ntargets; t++)
                    if (strcmp (ch->channel_name, job->targets[t].name) == 0)
                    {
                        unusable |= target_of[c] >= 0 || ch->x_samples != 1 ||
                                    ch->y_samples != 1 || ch->data_type == EXR_PIXEL_UINT;
                        target_of[c] = t;
                        found++;
                    }
            }
            if (unusable < 0) break;
            if (found != job->ntargets || unusable)
            {
                fail (job, EXR_ERR_INVALID_ARGUMENT,
                      found != job->ntargets ? "a channel asked for is not in the file"
                                             : "a channel is subsampled, UINT or asked for twice");
                break;
            }
            /* which float32 outputs take only half-float channels */
            Py_ssize_t staged = 0;
            for (int i = 0; i < job->noutputs; i++)
            {
                const Output* o = &job->outputs[i];
                int all_half = o->kind == KIND_PACK && !o->half && o->op == PLAIN;
                for (int c = 0; all_half && c < dec.channel_count; c++)
                    if (target_of[c] >= 0 && job->targets[target_of[c]].output == i)
                        all_half = dec.channels[c].data_type == EXR_PIXEL_HALF;
                Py_ssize_t size;
                if (all_half)
                {
                    if (!size_of (job->rows, w, o->values, &size) ||
                        __builtin_add_overflow (staged, size, &size))
                    {
                        refuse (job, "a chunk's rows overflow the decoder's sizes");
                        break;
                    }
                    stage[i].staged = 1;
                    stage[i].offset = staged;
                    staged          = size;
                }
            }
            if (job->failed) break;
            if (staged && (staged > PY_SSIZE_T_MAX / 2 ||
                           !(halves = malloc (sizeof (uint16_t) * staged))))
            {
                fail (job, EXR_ERR_OUT_OF_MEMORY, "memory");
                break;
            }
        }
        int32_t row0 = cinfo.start_y - job->y0;
        /* the chunk must lie in the image and have no more rows than a chunk may:
         * its rows are written into the arrays (and the scratch) at these places */
        if (cinfo.start_y < job->y0 || cinfo.height < 0 || cinfo.height > job->rows ||
            (int64_t) row0 + cinfo.height > job->height || cinfo.width != job->width)
        {
            fail (job, EXR_ERR_BAD_CHUNK_LEADER, "chunk outside the image");
            break;
        }
        for (int c = 0; c < dec.channel_count; c++)
        {
            exr_coding_channel_info_t* ch = &dec.channels[c];
            if (target_of[c] < 0)
            {
                ch->decode_to_ptr = NULL; /* nobody asked for it: skipped */
                continue;
            }
            const Target* t = &job->targets[target_of[c]];
            const Output* o = &job->outputs[t->output];
            int           bytes = o->half || stage[t->output].staged ? 2 : 4;
            int           values = o->kind == KIND_IDS ? 1 : o->values;
            /* The Core's line stride is an int32: a longer row would wrap it and the
             * unpacker would write the next row gigabytes away (issue 21). */
            Py_ssize_t line;
            if (!size_of (w, values, bytes, &line) || line > INT32_MAX)
            {
                char reason[200];
                snprintf (reason, sizeof reason,
                          "a row of channel %.80s takes more than %d bytes, the decoder's "
                          "limit", ch->channel_name, INT32_MAX);
                refuse (job, reason);
                break;
            }
            ch->user_pixel_stride = values * bytes;
            ch->user_line_stride  = (int32_t) line;
            if (stage[t->output].staged)
                ch->decode_to_ptr = (uint8_t*) (halves + stage[t->output].offset + t->slot);
            else if (o->kind == KIND_IDS) /* three planes of this chunk's rows in the scratch */
                ch->decode_to_ptr = (uint8_t*) (scratch + (Py_ssize_t) t->slot * job->rows * w);
            else /* row0 * line <= height * line: the array's size, which numpy allocated */
                ch->decode_to_ptr =
                    (uint8_t*) o->dst.buf + (Py_ssize_t) row0 * line + (Py_ssize_t) t->slot * bytes;
            ch->user_bytes_per_element = (int16_t) bytes;
            ch->user_data_type         = bytes == 2 ? EXR_PIXEL_HALF : EXR_PIXEL_FLOAT;
        }
        if (job->failed) break;
        rv = p_exr_decoding_choose_default_routines (job->ctxt, 0, &dec);
        if (rv == EXR_ERR_SUCCESS) rv = p_exr_decoding_run (job->ctxt, 0, &dec);
        if (rv != EXR_ERR_SUCCESS)
        {
            fail (job, rv, "pixels");
            break;
        }
        for (int i = 0; i < job->noutputs; i++)
        {
            const Output* o = &job->outputs[i];
            if (o->kind == KIND_IDS)
            {
                IdTable table = {(const uint32_t*) o->keys.buf, (const int32_t*) o->numbers.buf,
                                 o->keys.len / 4, 0, 0, 0};
                for (int32_t r = 0; r < cinfo.height; r++)
                {
                    const float* hash = scratch + (Py_ssize_t) r * w;
                    gt_id_row (hash, hash + (Py_ssize_t) job->rows * w,
                               hash + (Py_ssize_t) 2 * job->rows * w,
                               (int32_t*) o->dst.buf + (Py_ssize_t) (row0 + r) * w, w, &table);
                }
            }
            else if (stage[i].staged)
                for (int32_t r = 0; r < cinfo.height; r++)
                    gt_half_to_float (halves + stage[i].offset + (Py_ssize_t) r * w * o->values,
                                      (float*) o->dst.buf + (Py_ssize_t) (row0 + r) * w * o->values,
                                      w * o->values);
            else if (!o->half)
                finish_rows (job, o, row0, cinfo.height, scratch + ids_at);
        }
    }
    if (initialized) p_exr_decoding_destroy (job->ctxt, &dec);
    free (halves);
    free (target_of);
    free (scratch);
    return NULL;
}

static void
release_outputs (Output* outputs, int n)
{
    for (int i = 0; i < n; i++)
    {
        if (outputs[i].dst.obj) PyBuffer_Release (&outputs[i].dst);
        if (outputs[i].keys.obj) PyBuffer_Release (&outputs[i].keys);
        if (outputs[i].numbers.obj) PyBuffer_Release (&outputs[i].numbers);
    }
}

static const char*
format_of (const Py_buffer* b)
{
    const char* f = b->format ? b->format : "B";
    return (f[0] == '<' || f[0] == '=' || f[0] == '@') ? f + 1 : f;
}

/* Output number `index`: (kind, dst, names, op, background[, keys, numbers]). */
static int
parse_output (PyObject* item, int index, Output* o, Target* targets, int* ntargets,
              PyObject* keep)
{
    PyObject * dst, *names, *keys = NULL, *numbers = NULL;
    if (!PyArg_ParseTuple (item, "iOOif|OO", &o->kind, &dst, &names, &o->op, &o->background,
                           &keys, &numbers))
        return -1;
    if (PyObject_GetBuffer (dst, &o->dst, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return -1;
    const char* f = format_of (&o->dst);
    int         want_int = o->kind != KIND_PACK;
    int         ok = o->dst.ndim >= 2 && o->dst.ndim <= 3;
    if (want_int)
        ok = ok && o->dst.ndim == 2 && strcmp (f, "i") == 0 && o->dst.itemsize == 4;
    else
        ok = ok && ((strcmp (f, "f") == 0 && o->dst.itemsize == 4) ||
                    (strcmp (f, "e") == 0 && o->dst.itemsize == 2 && o->op == PLAIN));
    if (!ok)
    {
        PyErr_SetString (PyExc_TypeError, "output array of the wrong type or shape");
        return -1;
    }
    o->half   = strcmp (f, "e") == 0;
    o->values = o->dst.ndim == 3 ? (int) o->dst.shape[2] : 1;
    PyObject* fast = PySequence_Fast (names, "channel names: a sequence");
    if (!fast) return -1;
    Py_ssize_t n    = PySequence_Fast_GET_SIZE (fast);
    int        want = o->kind == KIND_PACK ? o->values : o->kind == KIND_INDEX ? 1 : 3;
    if (n != want || *ntargets + n > MAX_TARGETS ||
        (o->kind == KIND_PACK && ((o->op == UNIT || o->op == POSITION) ? n != 3
                                  : o->op == DEPTH ? n != 1 : o->op != PLAIN)))
    {
        Py_DECREF (fast);
        PyErr_SetString (PyExc_ValueError, "channels do not match the output");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
    {
        PyObject* name = PySequence_Fast_GET_ITEM (fast, i);
        PyObject* utf8 = PyUnicode_AsUTF8String (name);
        if (!utf8 || PyList_Append (keep, utf8) < 0)
        {
            Py_XDECREF (utf8);
            Py_DECREF (fast);
            return -1;
        }
        Py_DECREF (utf8); /* kept alive by `keep` */
        Target* t = &targets[(*ntargets)++];
        t->name   = PyBytes_AS_STRING (utf8);
        t->output = index;
        t->slot   = (int) i;
    }
    Py_DECREF (fast);
    if (o->kind == KIND_IDS)
    {
        if (!keys || !numbers ||
            PyObject_GetBuffer (keys, &o->keys, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0 ||
            PyObject_GetBuffer (numbers, &o->numbers, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        {
            if (!PyErr_Occurred ()) PyErr_SetString (PyExc_TypeError, "ids need keys and numbers");
            return -1;
        }
        if (strcmp (format_of (&o->keys), "I") || o->keys.itemsize != 4 ||
            strcmp (format_of (&o->numbers), "i") || o->numbers.itemsize != 4 ||
            o->keys.len != o->numbers.len)
        {
            PyErr_SetString (PyExc_TypeError, "keys: uint32, numbers: int32, as many");
            return -1;
        }
    }
    return 0;
}

/* read_into(path, outputs, threads) */
PyObject*
gt_read_into (PyObject* self, PyObject* args)
{
    const char* path;
    PyObject*   outputs_obj;
    int         threads;
    if (!PyArg_ParseTuple (args, "sOi", &path, &outputs_obj, &threads)) return NULL;
    if (!bound)
    {
        PyErr_SetString (PyExc_RuntimeError, "OpenEXR's Core functions are not bound");
        return NULL;
    }
    Output   outputs[MAX_OUTPUTS];
    Target   targets[MAX_TARGETS];
    Job      job;
    int      noutputs = 0, ntargets = 0, started = 0;
    memset (outputs, 0, sizeof outputs);
    memset (&job, 0, sizeof job);
    PyObject* keep = PyList_New (0);
    PyObject* fast = keep ? PySequence_Fast (outputs_obj, "outputs: a sequence") : NULL;
    if (!fast) goto error;
    if (PySequence_Fast_GET_SIZE (fast) > MAX_OUTPUTS)
    {
        PyErr_SetString (PyExc_ValueError, "too many outputs");
        goto error;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE (fast); i++)
    {
        noutputs = (int) i + 1; /* released on error too */
        if (parse_output (PySequence_Fast_GET_ITEM (fast, i), (int) i, &outputs[i], targets,
                          &ntargets, keep) < 0)
            goto error;
    }

    exr_context_initializer_t init = EXR_DEFAULT_CONTEXT_INITIALIZER;
    init.error_handler_fn          = quiet;
    exr_result_t rv;
    Py_BEGIN_ALLOW_THREADS
    rv = p_exr_start_read (&job.ctxt, path, &init);
    Py_END_ALLOW_THREADS
    if (rv != EXR_ERR_SUCCESS)
    {
        PyErr_Format (PyExc_RuntimeError, "%s: %s", path, p_exr_get_default_error_message (rv));
        goto error;
    }
    started = 1;
    int           parts;
    exr_storage_t storage;
    exr_attr_box2i_t window;
    int32_t       lines, chunks;
    if (p_exr_get_count (job.ctxt, &parts) != EXR_ERR_SUCCESS || parts != 1 ||
        p_exr_get_storage (job.ctxt, 0, &storage) != EXR_ERR_SUCCESS ||
        storage != EXR_STORAGE_SCANLINE ||
        p_exr_get_data_window (job.ctxt, 0, &window) != EXR_ERR_SUCCESS ||
        p_exr_get_scanlines_per_chunk (job.ctxt, 0, &lines) != EXR_ERR_SUCCESS || lines < 1 ||
        p_exr_get_chunk_count (job.ctxt, 0, &chunks) != EXR_ERR_SUCCESS)
    {
        PyErr_SetString (PyExc_ValueError, "not a single-part scanline image");
        goto error;
    }
    /* in 64 bits: a window of (-2**31, 2**31 - 1) is 2**32 pixels wide */
    int64_t width  = (int64_t) window.max.x - window.min.x + 1;
    int64_t height = (int64_t) window.max.y - window.min.y + 1;
    if (width < 1 || height < 1 || width > INT32_MAX || height > INT32_MAX)
    {
        PyErr_SetString (PyExc_ValueError, "data window outside the decoder's sizes");
        goto error;
    }
    job.y0     = window.min.y;
    job.width  = (int32_t) width;
    job.height = (int32_t) height;
    job.lines  = lines;
    job.rows   = lines < job.height ? lines : job.height;
    if ((height + lines - 1) / lines != chunks)
    {
        PyErr_SetString (PyExc_ValueError, "chunk count does not match the data window");
        goto error;
    }
    job.chunks = chunks;
    for (int i = 0; i < noutputs; i++)
    {
        if (outputs[i].dst.shape[0] != job.height || outputs[i].dst.shape[1] != job.width)
        {
            PyErr_SetString (PyExc_ValueError, "output arrays are not the image's size");
            goto error;
        }
        job.ids |= outputs[i].kind == KIND_IDS;
    }
    job.outputs  = outputs;
    job.noutputs = noutputs;
    job.targets  = targets;
    job.ntargets = ntargets;
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    if (threads > job.chunks) threads = job.chunks; /* each thread's scratch serves a chunk */
    Py_BEGIN_ALLOW_THREADS
    pthread_t workers[64];
    int       running = 0;
    for (int i = 1; i < threads; i++)
        if (pthread_create (&workers[running], NULL, decode_chunks, &job) == 0) running++;
    decode_chunks (&job);
    for (int i = 0; i < running; i++) pthread_join (workers[i], NULL);
    Py_END_ALLOW_THREADS
    if (job.failed)
    {
        if (job.refused)
            PyErr_SetString (gt_refused, job.message);
        else
            PyErr_Format (PyExc_RuntimeError, "%s: %s", path, job.message);
        goto error;
    }
    p_exr_finish (&job.ctxt);
    release_outputs (outputs, noutputs);
    Py_DECREF (fast);
    Py_DECREF (keep);
    Py_RETURN_NONE;
error:
    if (started) p_exr_finish (&job.ctxt);
    release_outputs (outputs, noutputs);
    Py_XDECREF (fast);
    Py_XDECREF (keep);
    return NULL;
}

#else /* no dlopen or pthreads: the reader decodes through the openexr package */

PyObject*
gt_bind_openexr (PyObject* self, PyObject* args)
{
    Py_RETURN_NONE;
}

PyObject*
gt_read_into (PyObject* self, PyObject* args)
{
    PyErr_SetString (PyExc_RuntimeError, "decoding into arrays is not built on this platform");
    return NULL;
}

#endif
