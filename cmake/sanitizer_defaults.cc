// Sanitizer run-time options compiled into the test executables and the hogmf
// binary (which the CLI tests run as a child process) of a sanitizer build,
// so that every run gets them without any environment variable:
// any report ends the process with exit code 66, which no hogmf command uses,
// so it fails whatever test ran it. TSAN_OPTIONS, ASAN_OPTIONS and
// UBSAN_OPTIONS in the environment are read after these and can override them.
// Linked only when HOGMF_SANITIZE_THREAD or HOGMF_SANITIZE_ADDRESS is on.

#define HOGMF_SANITIZER_DEFAULTS extern "C" __attribute__((visibility("default"), used))

#if defined(HOGMF_TSAN)
// tools/tsan.supp: the Hogwild races on P and Q, and races on oneTBB's own objects.
// suppress_equal_addresses=0: with the Hogwild races there are thousands of racy
// addresses, and looking each new race up among them makes the trainer tests
// several times slower; history_size=7 lets TSan restore the other stack of a
// race (which the suppressions match) far more often. report_atomic_races=0:
// a race of an atomic with a plain access is not reported. In hogmf such a
// pair only arises when oneTBB's header code (a wait_context's count, on the
// stack of a TBB call) wrote a stack slot atomically and a later call reuses
// the slot for a plain object: libtbb's wait for that write is invisible to
// TSan, and when TSan cannot restore the atomic write's stack, no suppression
// can match it. hogmf's own shared state is atomic or guarded, and C++ code
// cannot reach an atomic's memory with a plain access, so no race of hogmf's
// own is hidden; plain-with-plain races, the Hogwild kind, are still reported.
HOGMF_SANITIZER_DEFAULTS const char* __tsan_default_options() {
  return "suppressions=\"" HOGMF_TSAN_SUPPRESSIONS
         "\" halt_on_error=1 second_deadlock_stack=1"
         " suppress_equal_addresses=0 history_size=7 report_atomic_races=0";
}
#else
HOGMF_SANITIZER_DEFAULTS const char* __asan_default_options() {
  return "halt_on_error=1:detect_leaks=1:exitcode=66";
}
HOGMF_SANITIZER_DEFAULTS const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:exitcode=66";
}
#endif
