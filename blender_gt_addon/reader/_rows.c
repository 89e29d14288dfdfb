/* SPDX-FileCopyrightText: 2026 blender-gt authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Row functions of the reader's C module (declared in _kernels.h): half -> float,
 * gathering and interleaving channels, the conventions on rows (unit normals,
 * background depth and position, rounded indices, Cryptomatte ids) and streaming
 * stores. No Python calls: everything here runs without the GIL.
 *
 * Floating-point expressions are evaluated in float32 in numpy's order, as the
 * formulas of conventions.py and ids.py; setup.py compiles without contraction into
 * fused multiply-adds (which would round differently) and without errno or trap
 * semantics (which change no value but keep loops from vectorising).
 */

#include "_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define GT_X86 1
#endif


/* The arithmetic loops in an AVX2 version too, chosen when the program loads
 * (GCC on Linux x86-64); the same IEEE operations, so the same values. */
#if defined(GT_X86) && defined(__linux__) && defined(__x86_64__) && !defined(__clang__)
#define WIDE __attribute__ ((target_clones ("avx2", "default")))
#else
#define WIDE
#endif

/* ---------------------------------------------------------------------------------
 * half -> float
 */

/* numpy's npy_halfbits_to_floatbits: exact for every half, NaN payloads kept. */
static inline uint32_t
half_bits_to_float_bits (uint16_t h)
{
    uint32_t sign = ((uint32_t) (h & 0x8000u)) << 16;
    uint32_t exp  = h & 0x7c00u;
    uint32_t mant = h & 0x03ffu;
    if (exp == 0x0000u)
    {
        if (mant == 0) return sign; /* signed zero */
        /* subnormal: normalise */
        int e = -1;
        do {
            e++;
            mant <<= 1;
        } while ((mant & 0x0400u) == 0);
        return sign + (((uint32_t) (112 - e)) << 23) + ((mant & 0x03ffu) << 13);
    }
    if (exp == 0x7c00u) return sign + 0x7f800000u + (mant << 13); /* inf, NaN */
    return sign + (((uint32_t) (h & 0x7fffu) + 0x1c000u) << 13);
}

static void
half_to_float_scalar (const uint16_t* src, float* dst, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
    {
        uint32_t bits = half_bits_to_float_bits (src[i]);
        memcpy (dst + i, &bits, 4);
    }
}

#ifdef GT_X86
__attribute__ ((target ("avx,f16c"))) static void
half_to_float_f16c (const uint16_t* src, float* dst, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8)
    {
        __m128i h = _mm_loadu_si128 ((const __m128i*) (src + i));
        _mm256_storeu_ps (dst + i, _mm256_cvtph_ps (h));
    }
    half_to_float_scalar (src + i, dst + i, n - i);
}

/* F16C and AVX by CPUID, and the operating system saving the AVX registers. */
static int
has_f16c (void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid (1, &a, &b, &c, &d)) return 0;
    int f16c = (c >> 29) & 1, avx = (c >> 28) & 1, osxsave = (c >> 27) & 1;
    if (!(f16c && avx && osxsave)) return 0;
    unsigned int lo, hi;
    __asm__ ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;
}
#endif

typedef void (*half_fn) (const uint16_t*, float*, Py_ssize_t);
static half_fn half_to_float = half_to_float_scalar;

void
gt_half_to_float (const uint16_t* in, float* out, Py_ssize_t count)
{
    half_to_float (in, out, count);
}

int
gt_init_rows (void)
{
#ifdef GT_X86
    if (has_f16c ()) half_to_float = half_to_float_f16c;
#endif
    return half_to_float != half_to_float_scalar;
}


/* values[x * stride] for x < width, into `out` (constant strides for the compiler). */
void
gt_gather (const float* in, Py_ssize_t stride, float* out, Py_ssize_t width)
{
    switch (stride)
    {
        case 2: for (Py_ssize_t x = 0; x < width; x++) out[x] = in[2 * x]; break;
        case 3: for (Py_ssize_t x = 0; x < width; x++) out[x] = in[3 * x]; break;
        case 4: for (Py_ssize_t x = 0; x < width; x++) out[x] = in[4 * x]; break;
        default: for (Py_ssize_t x = 0; x < width; x++) out[x] = in[x * stride];
    }
}


/* out[x * n + c] = rows[c][x]: planes interleaved into a row of (W, n). */
void
gt_interleave (const float* const* rows, int n, float* out, Py_ssize_t width)
{
    if (n == 1)
        memcpy (out, rows[0], sizeof (float) * width);
    else if (n == 3)
    {
        const float *a = rows[0], *b = rows[1], *c = rows[2];
        for (Py_ssize_t x = 0; x < width; x++)
        {
            out[3 * x]     = a[x];
            out[3 * x + 1] = b[x];
            out[3 * x + 2] = c[x];
        }
    }
    else if (n == 4)
    {
        const float *a = rows[0], *b = rows[1], *c = rows[2], *d = rows[3];
        for (Py_ssize_t x = 0; x < width; x++)
        {
            out[4 * x]     = a[x];
            out[4 * x + 1] = b[x];
            out[4 * x + 2] = c[x];
            out[4 * x + 3] = d[x];
        }
    }
    else
        for (int c = 0; c < n; c++)
            for (Py_ssize_t x = 0; x < width; x++) out[x * n + c] = rows[c][x];
}

/* The first n of every `stride` values of a row: (W, stride) -> (W, n). */
void
gt_first_channels (const float* in, Py_ssize_t stride, float* out, int n, Py_ssize_t width)
{
    if (stride == 4 && n == 3)
        for (Py_ssize_t x = 0; x < width; x++)
        {
            out[3 * x]     = in[4 * x];
            out[3 * x + 1] = in[4 * x + 1];
            out[3 * x + 2] = in[4 * x + 2];
        }
    else
        for (Py_ssize_t x = 0; x < width; x++)
            for (int c = 0; c < n; c++) out[x * n + c] = in[x * stride + c];
}

/* conventions.unit_normals on planar rows: length = sqrt((x*x + y*y) + z*z) in
 * float32, each component divided by it, 0 where the length is not > 0. */
WIDE void
gt_unit_rows (const float* restrict a, const float* restrict b, const float* restrict c,
           float* restrict oa, float* restrict ob, float* restrict oc, Py_ssize_t width)
{
    for (Py_ssize_t x = 0; x < width; x++)
    {
        float length = a[x] * a[x];
        length       = length + b[x] * b[x];
        length       = length + c[x] * c[x];
        length       = sqrtf (length);
        /* divided everywhere, then selected: no branch, so the loop vectorises */
        float qa = a[x] / length, qb = b[x] / length, qc = c[x] / length;
        int   ok = length > 0;
        oa[x]    = ok ? qa : 0.0f;
        ob[x]    = ok ? qb : 0.0f;
        oc[x]    = ok ? qc : 0.0f;
    }
}

/* out = in, with inf where in >= background. */
void
gt_background_rows (const float* in, float background, float* out, Py_ssize_t width)
{
    for (Py_ssize_t x = 0; x < width; x++) out[x] = in[x] >= background ? INFINITY : in[x];
}

/* (W, 3): NaN (numpy's, 0x7fc00000) in the pixels whose three values are all 0. */
void
gt_nan_where_zero (float* row, Py_ssize_t width)
{
    uint32_t bits = 0x7fc00000u;
    float    nan;
    memcpy (&nan, &bits, 4);
    for (Py_ssize_t x = 0; x < width; x++)
    {
        float* p = row + 3 * x;
        if (p[0] == 0 && p[1] == 0 && p[2] == 0) p[0] = p[1] = p[2] = nan;
    }
}

/* np.copyto(int32, np.rint(float32), casting="unsafe") on x86: round to nearest
 * even, INT32_MIN for NaN and values out of range (the CPU's conversion). */
void
gt_round_row (const float* in, int32_t* out, Py_ssize_t width)
{
    Py_ssize_t x = 0;
#ifdef GT_X86
    for (; x + 4 <= width; x += 4)
        _mm_storeu_si128 ((__m128i*) (out + x), _mm_cvtps_epi32 (_mm_loadu_ps (in + x)));
    for (; x < width; x++) out[x] = _mm_cvtss_si32 (_mm_set_ss (in[x]));
#else
    for (; x < width; x++)
    {
        float v = rintf (in[x]);
        out[x]  = (v >= -2147483648.0f && v < 2147483648.0f) ? (int32_t) v : INT32_MIN;
    }
#endif
}



void
gt_id_row (const float* hash, const float* coverage, const float* coverage2, int32_t* out,
           Py_ssize_t width, IdTable* t)
{
    for (Py_ssize_t x = 0; x < width; x++)
    {
        uint32_t h;
        memcpy (&h, hash + x, 4);
        int32_t id;
        if (t->have_last && h == t->last_hash)
            id = t->last_id;
        else
        {
            /* the last key <= h (keys are distinct) */
            Py_ssize_t lo = 0, hi = t->count;
            while (lo < hi)
            {
                Py_ssize_t mid = (lo + hi) / 2;
                if (t->keys[mid] <= h) lo = mid + 1;
                else hi = mid;
            }
            id           = (lo > 0 && t->keys[lo - 1] == h) ? t->numbers[lo - 1] : 0;
            t->last_hash = h;
            t->last_id   = id;
            t->have_last = 1;
        }
        float rest = 1.0f - coverage[x];
        rest       = rest - coverage2[x];
        out[x]     = coverage[x] < rest ? 0 : id;
    }
}


/* dst[0..count) = src[0..count) (4-byte values) with non-temporal stores: the output
 * arrays are larger than any cache and written once, so writing around the cache
 * saves reading each output line into it first (a third of the memory traffic). */
void
gt_stream_row (void* dst, const void* src, Py_ssize_t count)
{
#ifdef GT_X86
    uint32_t*       d = (uint32_t*) dst;
    const uint32_t* s = (const uint32_t*) src;
    Py_ssize_t      i = 0;
    while (i < count && ((uintptr_t) (d + i) & 15)) { d[i] = s[i]; i++; }
    for (; i + 4 <= count; i += 4)
        _mm_stream_si128 ((__m128i*) (d + i), _mm_loadu_si128 ((const __m128i*) (s + i)));
    for (; i < count; i++) d[i] = s[i];
#else
    memcpy (dst, src, 4 * count);
#endif
}

/* After the streaming stores of a call: make them visible before the GIL is taken back
 * (other threads then read the arrays). */
void
gt_stream_done (void)
{
#ifdef GT_X86
    _mm_sfence ();
#endif
}
