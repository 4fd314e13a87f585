// Default options of the sanitizer runtimes, compiled into every executable of a sanitizer
// build (tests/sanitize/sanitize.cmake). The environment (ASAN_OPTIONS, UBSAN_OPTIONS,
// LSAN_OPTIONS, TSAN_OPTIONS) still overrides each of them.
//
// A sanitizer report exits with 86 (TSan: 66), never with 1: netdoctor's own exit status 1 means
// "a check failed", so a lab test that expects a fault would otherwise take a leak report at
// exit for the expected answer.

extern "C" {

const char* __asan_default_options() {
  return "exitcode=86:detect_leaks=1:check_initialization_order=1:strict_init_order=1:"
         "detect_stack_use_after_return=1";
}

const char* __ubsan_default_options() {
  return "exitcode=86:print_stacktrace=1";
}

const char* __lsan_default_options() {
  return "exitcode=86";
}

const char* __tsan_default_options() {
  return "exitcode=66:halt_on_error=1:second_deadlock_stack=1";
}

// Only for libraries that are not built with the sanitizer; each line says why.
const char* __lsan_default_suppressions() {
  return "";
}

const char* __tsan_default_suppressions() {
  return "";
}

}  // extern "C"
