/* mve_break_rounding.h - force-included by tests/test_helium.py to break the Helium requantization on
 * purpose (no sign fix-up: negative ties round up instead of away from zero); mve_check must then fail. */
#include <arm_mve.h>
#undef vqaddq_s32
#define vqaddq_s32(a, b) ((void)(b), (a))
