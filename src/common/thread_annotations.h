// Clang thread-safety annotations (no-ops on GCC). They document which mutex
// guards which state, as LevelDB does.
#pragma once

#if defined(__clang__)
#define NASD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define NASD_THREAD_ANNOTATION(x)
#endif

#define GUARDED_BY(x) NASD_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) NASD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) NASD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
