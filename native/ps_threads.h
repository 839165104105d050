/*
 * ps_threads.h - one small threads API for the project's native code, over POSIX threads or the
 * Win32 thread API. Header-only (every function is static inline): include it, link nothing.
 *
 * Why: MSVC has no pthreads, and a Windows DLL built on winpthreads would need its runtime beside
 * it. So on Windows (_WIN32: MSVC, mingw-w64, clang) this is Win32 (SRWLOCK, CONDITION_VARIABLE,
 * _beginthreadex): the DLL depends on system DLLs only, and mingw builds compile the very code an
 * MSVC build does. Elsewhere it is pthreads.
 *
 * Include it before any system header: on POSIX it sets _POSIX_C_SOURCE (and _DARWIN_C_SOURCE on
 * macOS) when the includer has not.
 *
 *   ps_mutex      a non-recursive mutex. PS_MUTEX_INIT initialises a static one; otherwise
 *                 ps_mutex_init / ps_mutex_destroy. ps_mutex_lock / ps_mutex_unlock.
 *   ps_cond       a condition variable: ps_cond_init / ps_cond_destroy, ps_cond_signal /
 *                 ps_cond_broadcast, ps_cond_wait(c, m), and ps_cond_wait_until(c, m, deadline):
 *                 wait at most until `deadline` on the monotonic clock of ps_now_ns(); returns
 *                 PS_TIMEDOUT once the deadline has passed (at once, without unlocking m, if
 *                 it already had), else 0. Waits may wake spuriously: always wait in a loop
 *                 on the condition you need.
 *   ps_now_ns()   the monotonic clock, in nanoseconds since an arbitrary start (never goes back,
 *                 unaffected by changes of the wall clock).
 *   ps_thread     ps_thread_create(&t, fn, arg) runs fn(arg) on a new thread (0 on success);
 *                 then exactly one of ps_thread_join(&t) (wait for it to end) or
 *                 ps_thread_detach(&t) (let it end on its own). ps_thread_self() is the calling
 *                 thread's id, ps_thread_id_of(&t) that of t, compared with ps_thread_equal(a, b).
 *                 ps_thread_yield() lets another thread run.
 *   ps_atomic_*   sequentially consistent atomics on a long (load, store, inc, dec: each returns the
 *                 new value) and on a long long (load64, add64). A long is what the SDK's callbacks
 *                 carry (ids), so the 32-bit long of Windows is what its Interlocked API takes.
 *   ps_atfork(prepare, parent, child)  runs prepare() in the thread that calls fork() just before
 *                 it, then parent() in the parent or child() in the child (pthread_atfork): a
 *                 library takes its locks in prepare so that no other thread holds one in the
 *                 child. Windows has no fork: there it does nothing.
 *
 * Functions return 0 on success. Failures the caller cannot handle (locking a mutex, waiting) do
 * not return codes: as with pthreads, they only fail on misuse.
 */
#ifndef PS_THREADS_H
#define PS_THREADS_H

#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE /* pthread_cond_timedwait_relative_np */
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define PS_TIMEDOUT 1
#define PS_NS_PER_SEC 1000000000LL

typedef void (*ps_thread_fn)(void* arg);

/* The heap box that carries fn and arg to the new thread (freed by the thread). */
typedef struct ps__thread_start {
    ps_thread_fn fn;
    void* arg;
} ps__thread_start;

static inline ps__thread_start* ps__thread_box(ps_thread_fn fn, void* arg)
{
    ps__thread_start* box = malloc(sizeof *box);
    if (box) {
        box->fn = fn;
        box->arg = arg;
    }
    return box;
}

/* On the new thread: unbox, free, run. */
static inline void ps__thread_run(void* box)
{
    ps__thread_start start = *(ps__thread_start*)box;
    free(box);
    start.fn(start.arg);
}

#if defined(_WIN32)
/* ==================================================================================== Win32 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <process.h>

typedef SRWLOCK ps_mutex;
typedef CONDITION_VARIABLE ps_cond;
typedef DWORD ps_thread_id;
typedef struct ps_thread {
    HANDLE handle;
    DWORD id;
} ps_thread;

#define PS_MUTEX_INIT SRWLOCK_INIT

static inline int ps_mutex_init(ps_mutex* m) { InitializeSRWLock(m); return 0; }
static inline void ps_mutex_destroy(ps_mutex* m) { (void)m; /* an SRWLOCK owns no resources */ }
static inline void ps_mutex_lock(ps_mutex* m) { AcquireSRWLockExclusive(m); }
static inline void ps_mutex_unlock(ps_mutex* m) { ReleaseSRWLockExclusive(m); }

static inline int ps_cond_init(ps_cond* c) { InitializeConditionVariable(c); return 0; }
static inline void ps_cond_destroy(ps_cond* c) { (void)c; /* owns no resources */ }
static inline void ps_cond_signal(ps_cond* c) { WakeConditionVariable(c); }
static inline void ps_cond_broadcast(ps_cond* c) { WakeAllConditionVariable(c); }
static inline void ps_cond_wait(ps_cond* c, ps_mutex* m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }

static inline int64_t ps_now_ns(void)
{
    static LARGE_INTEGER frequency; /* constant for the life of the system: a racy first read is harmless */
    LARGE_INTEGER counter;
    if (frequency.QuadPart == 0)
        QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&counter);
    /* split so that counter * 1e9 cannot overflow */
    int64_t seconds = counter.QuadPart / frequency.QuadPart, rest = counter.QuadPart % frequency.QuadPart;
    return seconds * PS_NS_PER_SEC + rest * PS_NS_PER_SEC / frequency.QuadPart;
}

static inline int ps_cond_wait_until(ps_cond* c, ps_mutex* m, int64_t deadline_ns)
{
    int64_t left = deadline_ns - ps_now_ns();
    if (left <= 0)
        return PS_TIMEDOUT;
    /* whole milliseconds, rounded up so the wait never ends before the deadline */
    int64_t ms = (left + 999999) / 1000000;
    DWORD wait = ms >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)ms;
    if (!SleepConditionVariableSRW(c, m, wait, 0) && GetLastError() == ERROR_TIMEOUT)
        return ps_now_ns() >= deadline_ns ? PS_TIMEDOUT : 0;
    return 0;
}

static inline unsigned __stdcall ps__thread_main(void* box)
{
    ps__thread_run(box);
    return 0;
}

static inline int ps_thread_create(ps_thread* t, ps_thread_fn fn, void* arg)
{
    ps__thread_start* box = ps__thread_box(fn, arg);
    if (!box)
        return -1;
    unsigned id = 0;
    uintptr_t handle = _beginthreadex(NULL, 0, ps__thread_main, box, 0, &id);
    if (handle == 0) {
        free(box);
        return -1;
    }
    t->handle = (HANDLE)handle;
    t->id = id;
    return 0;
}

static inline int ps_thread_join(ps_thread* t)
{
    DWORD rc = WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
    return rc == WAIT_OBJECT_0 ? 0 : -1;
}

static inline int ps_thread_detach(ps_thread* t) { return CloseHandle(t->handle) ? 0 : -1; }
static inline ps_thread_id ps_thread_self(void) { return GetCurrentThreadId(); }
static inline ps_thread_id ps_thread_id_of(const ps_thread* t) { return t->id; }
static inline bool ps_thread_equal(ps_thread_id a, ps_thread_id b) { return a == b; }
static inline void ps_thread_yield(void) { SwitchToThread(); }
static inline int ps_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    (void)prepare, (void)parent, (void)child;
    return 0;
}

#else
/* ================================================================================== pthreads */
#include <pthread.h>
#include <sched.h>
#include <time.h>

typedef pthread_mutex_t ps_mutex;
typedef pthread_cond_t ps_cond;
typedef pthread_t ps_thread_id;
typedef struct ps_thread {
    pthread_t handle;
} ps_thread;

#define PS_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER

static inline int ps_mutex_init(ps_mutex* m) { return pthread_mutex_init(m, NULL); }
static inline void ps_mutex_destroy(ps_mutex* m) { pthread_mutex_destroy(m); }
static inline void ps_mutex_lock(ps_mutex* m) { pthread_mutex_lock(m); }
static inline void ps_mutex_unlock(ps_mutex* m) { pthread_mutex_unlock(m); }

static inline int64_t ps_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * PS_NS_PER_SEC + now.tv_nsec;
}

static inline int ps_cond_init(ps_cond* c)
{
#if defined(__APPLE__)
    return pthread_cond_init(c, NULL); /* no pthread_condattr_setclock: waits are relative there */
#else
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0)
        rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
#endif
}

static inline void ps_cond_destroy(ps_cond* c) { pthread_cond_destroy(c); }
static inline void ps_cond_signal(ps_cond* c) { pthread_cond_signal(c); }
static inline void ps_cond_broadcast(ps_cond* c) { pthread_cond_broadcast(c); }
static inline void ps_cond_wait(ps_cond* c, ps_mutex* m) { pthread_cond_wait(c, m); }

static inline int ps_cond_wait_until(ps_cond* c, ps_mutex* m, int64_t deadline_ns)
{
    int64_t left = deadline_ns - ps_now_ns();
    if (left <= 0)
        return PS_TIMEDOUT;
#if defined(__APPLE__)
    struct timespec relative = {(time_t)(left / PS_NS_PER_SEC), (long)(left % PS_NS_PER_SEC)};
    pthread_cond_timedwait_relative_np(c, m, &relative);
#else
    struct timespec deadline = {(time_t)(deadline_ns / PS_NS_PER_SEC), (long)(deadline_ns % PS_NS_PER_SEC)};
    pthread_cond_timedwait(c, m, &deadline);
#endif
    return ps_now_ns() >= deadline_ns ? PS_TIMEDOUT : 0;
}

static inline void* ps__thread_main(void* box)
{
    ps__thread_run(box);
    return NULL;
}

static inline int ps_thread_create(ps_thread* t, ps_thread_fn fn, void* arg)
{
    ps__thread_start* box = ps__thread_box(fn, arg);
    if (!box)
        return -1;
    int rc = pthread_create(&t->handle, NULL, ps__thread_main, box);
    if (rc != 0)
        free(box);
    return rc;
}

static inline int ps_thread_join(ps_thread* t) { return pthread_join(t->handle, NULL); }
static inline int ps_thread_detach(ps_thread* t) { return pthread_detach(t->handle); }
static inline ps_thread_id ps_thread_self(void) { return pthread_self(); }
static inline ps_thread_id ps_thread_id_of(const ps_thread* t) { return t->handle; }
static inline bool ps_thread_equal(ps_thread_id a, ps_thread_id b) { return pthread_equal(a, b) != 0; }
static inline void ps_thread_yield(void) { sched_yield(); }
static inline int ps_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    return pthread_atfork(prepare, parent, child);
}

#endif

/* ================================================================================== atomics */
#if defined(_MSC_VER)
#include <intrin.h>
static inline long ps_atomic_load(volatile long* p) { return _InterlockedCompareExchange(p, 0, 0); }
static inline void ps_atomic_store(volatile long* p, long v) { _InterlockedExchange(p, v); }
static inline long ps_atomic_inc(volatile long* p) { return _InterlockedIncrement(p); }
static inline long ps_atomic_dec(volatile long* p) { return _InterlockedDecrement(p); }
static inline long long ps_atomic_load64(volatile long long* p) { return _InterlockedCompareExchange64(p, 0, 0); }
static inline long long ps_atomic_add64(volatile long long* p, long long v) { return _InterlockedExchangeAdd64(p, v) + v; }
#else /* gcc, clang, mingw-w64 */
static inline long ps_atomic_load(volatile long* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void ps_atomic_store(volatile long* p, long v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline long ps_atomic_inc(volatile long* p) { return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST); }
static inline long ps_atomic_dec(volatile long* p) { return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST); }
static inline long long ps_atomic_load64(volatile long long* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline long long ps_atomic_add64(volatile long long* p, long long v) { return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST); }
#endif

#endif /* PS_THREADS_H */
