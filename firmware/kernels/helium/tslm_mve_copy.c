/*
 * tslm_mve_copy.c - strided copies whose innermost dimension is contiguous in the input (a transformer's head
 * split and merge: runs of a head's width) with Helium: a run of at most 16 bytes is one predicated load and
 * store (the predicate set once for every run), a longer one 16 bytes at a time (tslm_mve_copy). Any other
 * walk (a stepping or reversed innermost axis) is the portable kernel's.
 */
#include "tslm_mve_copy.h"
#include "tslm_mve.h"

/* The runs of the walk, each `run` bytes (short_runs: at most 16, one predicated load and store each). */
TSLM_ALWAYS_INLINE void walk(const tslm_gather_params *p, const uint8_t *in, uint8_t *out, int32_t run,
                             const int short_runs)
{
    const int32_t *d = p->dims;
    const int32_t *s = p->in_strides;
    const int32_t es = p->elem_size;
    /* (the walk's numbers in locals: the stores through out could otherwise alias p) */
    const int32_t d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4];
    const int32_t s0 = s[0] * es, s1 = s[1] * es, s2 = s[2] * es, s3 = s[3] * es, s4 = s[4] * es;
    const mve_pred16_t pr = vctp8q((uint32_t)run);
    for (int32_t i0 = 0; i0 < d0; ++i0) {
        for (int32_t i1 = 0; i1 < d1; ++i1) {
            for (int32_t i2 = 0; i2 < d2; ++i2) {
                for (int32_t i3 = 0; i3 < d3; ++i3) {
                    const uint8_t *row = in + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3;
                    for (int32_t i4 = 0; i4 < d4; ++i4, row += s4, out += run) {
                        if (short_runs) {
                            vstrbq_p_u8(out, vldrbq_z_u8(row, pr), pr);
                        } else {
                            tslm_mve_copy((int8_t *)out, (const int8_t *)row, run);
                        }
                    }
                }
            }
        }
    }
}

void tslm_mve_strided_copy(const tslm_gather_params *p, const void *input, void *output)
{
    if (p->in_strides[5] != 1) {
        tslm_strided_copy(p, input, output); /* the portable kernel */
        return;
    }
    const int32_t run = p->dims[5] * p->elem_size;
    const uint8_t *in = (const uint8_t *)input + p->in_start * p->elem_size;
    if (run <= 16) {
        walk(p, in, (uint8_t *)output, run, 1);
    } else {
        walk(p, in, (uint8_t *)output, run, 0);
    }
}
