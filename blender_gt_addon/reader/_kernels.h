/* SPDX-FileCopyrightText: 2026 blender-gt authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the sources of the reader's C module share: _rows.c (the row functions below),
 * _kernels.c (conversions of decoded planes, the module) and _exrread.c (decoding
 * straight into the reader's arrays). The row functions never call Python: they run
 * without the GIL.
 */
#ifndef BLENDER_GT_KERNELS_H
#define BLENDER_GT_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict
#endif

/* What pack (and read_into's KIND_PACK outputs) do after the values are in place. */
enum { PLAIN = 0, UNIT = 1, DEPTH = 2, POSITION = 3 };
/* read_into's outputs: channels into a float array, one channel rounded into an int32
 * array, the Cryptomatte channels looked up into an int32 array of ids. */
enum { KIND_PACK = 0, KIND_INDEX = 1, KIND_IDS = 2 };

/* Cryptomatte hashes -> ids: sorted distinct keys (pixel hashes after Blender's clamp)
 * and their ids; the last lookup is remembered (neighbouring pixels repeat it). */
typedef struct
{
    const uint32_t* keys;
    const int32_t*  numbers;
    Py_ssize_t      count;
    uint32_t        last_hash;
    int32_t         last_id;
    int             have_last;
} IdTable;

/* out = the id of each pixel's hash (float32 bits), 0 if unknown or where
 * coverage < (1 - coverage) - coverage2 (float32), as ids.instance_ids decides. */
void gt_id_row (const float* hash, const float* coverage, const float* coverage2,
                int32_t* out, Py_ssize_t width, IdTable* table);
/* conventions.unit_normals on planar rows (in and out must not overlap). */
void gt_unit_rows (const float* a, const float* b, const float* c, float* oa, float* ob,
                   float* oc, Py_ssize_t width);
/* out[x] = in[x * stride] */
void gt_gather (const float* in, Py_ssize_t stride, float* out, Py_ssize_t width);
/* out[x * n + c] = rows[c][x] */
void gt_interleave (const float* const* rows, int n, float* out, Py_ssize_t width);
/* out = in, inf where in >= background (in and out may be the same row) */
void gt_background_rows (const float* in, float background, float* out, Py_ssize_t width);
/* (W, 3): NaN in the pixels whose three values are all 0 */
void gt_nan_where_zero (float* row, Py_ssize_t width);
/* Chooses the half -> float conversion (F16C where the CPU has it): 1 if F16C. */
int gt_init_rows (void);
/* half floats to float32, exactly (the CPU's F16C instruction where there is one) */
void gt_half_to_float (const uint16_t* in, float* out, Py_ssize_t count);
/* the first n of every `stride` values of a row: (W, stride) -> (W, n) */
void gt_first_channels (const float* in, Py_ssize_t stride, float* out, int n,
                        Py_ssize_t width);
/* dst = src, count 4-byte values, with non-temporal stores; gt_stream_done after them */
void gt_stream_row (void* dst, const void* src, Py_ssize_t count);
void gt_stream_done (void);
/* out = rint(in) as int32, numpy's conversion (in and out may be the same row) */
void gt_round_row (const float* in, int32_t* out, Py_ssize_t width);

/* _exrread.c */
/* _kernels.Refused (a ValueError): read_into refuses the file (a row too long for the
 * Core's strides, a subsampled channel); its message is the reason, without the path. */
extern PyObject* gt_refused;
PyObject* gt_bind_openexr (PyObject* self, PyObject* args);
PyObject* gt_read_into (PyObject* self, PyObject* args);

#endif
