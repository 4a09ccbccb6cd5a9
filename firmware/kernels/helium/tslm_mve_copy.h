/* tslm_mve_copy.h - strided copies (TRANSPOSE, STRIDED_SLICE, SLICE, GATHER with constant indices) for Helium
 * (MVE): a drop-in for tslm_strided_copy (same params), calling it for whatever it does not handle. */
#ifndef TSLM_MVE_COPY_H
#define TSLM_MVE_COPY_H

#include "tslm_copy.h"

void tslm_mve_strided_copy(const tslm_gather_params *p, const void *input, void *output);

#endif /* TSLM_MVE_COPY_H */
