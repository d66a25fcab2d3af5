// Thread-safety annotations, after abseil's: which mutex guards which field
// (GUARDED_BY), which functions must or must not hold it (REQUIRES, EXCLUDES). Under
// clang they expand to its thread-safety attributes, checked with -Wthread-safety
// where the mutex type is an annotated capability (libc++ with
// _LIBCPP_ENABLE_THREAD_SAFETY_ANNOTATIONS); under other compilers (the build uses
// g++) they expand to nothing and say the same thing to the reader.
#pragma once

#if defined(__clang__)
#define DANDORI_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define DANDORI_THREAD_ANNOTATION(x)
#endif

// The field is read and written only with mutex `x` held.
#define GUARDED_BY(x) DANDORI_THREAD_ANNOTATION(guarded_by(x))
// The data the pointer field points to is guarded by `x` (the pointer itself is not).
#define PT_GUARDED_BY(x) DANDORI_THREAD_ANNOTATION(pt_guarded_by(x))
// The function is called with these mutexes held.
#define REQUIRES(...) DANDORI_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// The function takes these mutexes itself: the caller must not hold them.
#define EXCLUDES(...) DANDORI_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
