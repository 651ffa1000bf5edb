/* Callgrind's client requests for Python (ctypes), used by
 * bench_instructions.py: count the instructions of the measured
 * confirmations only. Compiled by the bench; without valgrind the requests
 * do nothing. */
#include <valgrind/callgrind.h>

int cg_running(void) { return RUNNING_ON_VALGRIND; }
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
