/*
 * stub_util.c - Helpers every part of the stub uses: strings and bytes, growable arrays, copying text
 * out to a caller's buffer, and sleeping. Nothing here knows about instances or SIP.
 */
#include "stub_internal.h"

const char* nz(const char* s) { return s ? s : ""; }

bool is_2xx(int code) { return code >= 200 && code <= 299; }

/* The first n bytes of a and b are equal, ASCII letters compared case-insensitively (SIP
 * schemes, domains, MIME tokens). Portable where strncasecmp is not (MSVC). */
bool ascii_ieq(const char* a, const char* b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

/* Copy n bytes and append a NUL (so strings stay terminated even with embedded NULs). */
unsigned char* dup_bytes(const void* p, size_t n)
{
    if (n >= SIZE_MAX)
        return NULL;
    unsigned char* c = malloc(n + 1);
    if (!c)
        return NULL;
    if (n)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

char* dup_str(const char* s) { return s ? (char*)dup_bytes(s, strlen(s)) : NULL; }

/* Replace *slot with a copy of s (NULL becomes ""). */
void set_str(char** slot, const char* s)
{
    free(*slot);
    *slot = dup_str(nz(s));
}

char* str_printf(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char* s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Overwrite a copied buffer before freeing it: a reader that kept the pointer past its callback
 * sees 0xDD garbage (or an ASan report) instead of plausible data. */
void wipe_free(void* p, size_t n)
{
    if (p) {
        memset(p, 0xDD, n);
        free(p);
    }
}

/* Append one zeroed element; NULL when out of memory. */
void* vec_push(vec* v, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void* p = realloc(v->items, cap * size);
        if (!p)
            return NULL;
        v->items = p;
        v->cap = cap;
    }
    void* slot = (char*)v->items + v->n++ * size;
    memset(slot, 0, size);
    return slot;
}

void vec_remove(vec* v, size_t i, size_t size)
{
    char* base = v->items;
    memmove(base + i * size, base + (i + 1) * size, (v->n - i - 1) * size);
    v->n--;
}

void vec_free(vec* v)
{
    free(v->items);
    v->items = NULL;
    v->n = v->cap = 0;
}

/* Copy n bytes of text and a NUL into a caller's buffer of `size` bytes: ECoreBufferTooSmall (with
 * an empty string where there is room for one) when it does not fit. */
int text_out(const char* text, size_t n, char* out, long long size)
{
    if (size <= 0 || (unsigned long long)size <= n) {
        if (size > 0)
            out[0] = '\0';
        return ECoreBufferTooSmall;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return 0;
}

/* Sleep until `due` (ps_now_ns's clock): a timed wait that nothing signals. */
void sleep_until_ns(int64_t due)
{
    ps_mutex mu = PS_MUTEX_INIT;
    ps_cond cv;
    if (ps_cond_init(&cv) != 0)
        return;
    ps_mutex_lock(&mu);
    while (ps_cond_wait_until(&cv, &mu, due) != PS_TIMEDOUT) {
    }
    ps_mutex_unlock(&mu);
    ps_cond_destroy(&cv);
}
