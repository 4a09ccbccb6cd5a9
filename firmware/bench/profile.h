/* profile.h - force-included into the model when benchmarking: time each operator. */
#ifndef TSLM_BENCH_PROFILE_H
#define TSLM_BENCH_PROFILE_H

void bench_profile(int op_index);
#define TSLM_PROFILE_POINT(op_index) bench_profile(op_index)

#endif
