/* vsnprintf/snprintf for the qemu_an547 firmware, replacing newlib's (whose
   floating-point conversion allocates with malloc). Conversions: d i u x X c s
   p % f, flags '-' '0' '+' ' ', width and precision (also '*'), lengths hh h l
   ll z j t. No heap, no global state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct es_out {
    char *buf;
    size_t cap;
    size_t n; /* characters produced (may exceed cap) */
} es_out_t;

static void es_putc(es_out_t *o, char c)
{
    if (o->n + 1u < o->cap) {
        o->buf[o->n] = c;
    }
    o->n++;
}

static void es_pad(es_out_t *o, char c, int count)
{
    for (int i = 0; i < count; i++) {
        es_putc(o, c);
    }
}

/* Emit prefix + digits padded to width (left/zero padding per flags). */
static void es_emit(es_out_t *o, const char *prefix, const char *digits, int ndigits, int width, int left,
                    int zero)
{
    int plen = 0;
    while (prefix[plen] != '\0') {
        plen++;
    }
    int pad = width - plen - ndigits;
    if (pad < 0) {
        pad = 0;
    }
    if (!left && !zero) {
        es_pad(o, ' ', pad);
    }
    for (int i = 0; i < plen; i++) {
        es_putc(o, prefix[i]);
    }
    if (!left && zero) {
        es_pad(o, '0', pad);
    }
    for (int i = 0; i < ndigits; i++) {
        es_putc(o, digits[i]);
    }
    if (left) {
        es_pad(o, ' ', pad);
    }
}

/* Digits of @v in @base, most significant first, at least @prec of them. */
static int es_utoa(char *out, unsigned long long v, unsigned base, int upper, int prec)
{
    char tmp[32];
    int n = 0;
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    while (v != 0) {
        tmp[n++] = dig[v % base];
        v /= base;
    }
    while (n < prec && n < (int)sizeof tmp) {
        tmp[n++] = '0';
    }
    for (int i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

static void es_fmt_float(es_out_t *o, double v, int prec, int width, int left, int zero, const char *sign_pos)
{
    char digits[48];
    const char *prefix = "";
    if (v != v) {
        es_emit(o, "", "nan", 3, width, left, 0);
        return;
    }
    if (v < 0) {
        prefix = "-";
        v = -v;
    } else {
        prefix = sign_pos;
    }
    if (v > 1e18) {
        es_emit(o, prefix, "inf", 3, width, left, 0);
        return;
    }
    if (prec > 9) {
        prec = 9;
    }
    unsigned long long scale = 1;
    for (int i = 0; i < prec; i++) {
        scale *= 10u;
    }
    unsigned long long ip = (unsigned long long)v;
    double frac = (v - (double)ip) * (double)scale + 0.5;
    unsigned long long fp = (unsigned long long)frac;
    if (fp >= scale) {
        ip++;
        fp -= scale;
    }
    int n = es_utoa(digits, ip, 10, 0, 1);
    if (prec > 0) {
        digits[n++] = '.';
        n += es_utoa(digits + n, fp, 10, 0, prec);
    }
    es_emit(o, prefix, digits, n, width, left, zero);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    es_out_t o = {buf, cap, 0};
    va_list args;
    va_copy(args, ap);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            es_putc(&o, *p);
            continue;
        }
        p++;
        int left = 0, zero = 0;
        const char *sign_pos = "";
        for (;; p++) {
            if (*p == '-') {
                left = 1;
            } else if (*p == '0') {
                zero = 1;
            } else if (*p == '+') {
                sign_pos = "+";
            } else if (*p == ' ') {
                sign_pos = " ";
            } else if (*p != '#') {
                break;
            }
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9') {
                width = width * 10 + (*p++ - '0');
            }
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(args, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9') {
                    prec = prec * 10 + (*p++ - '0');
                }
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t/ptrdiff/intmax */
        for (;; p++) {
            if (*p == 'l') {
                lng++;
            } else if (*p == 'z' || *p == 't' || *p == 'j') {
                lng = *p == 'j' ? 2 : 3;
            } else if (*p != 'h') {
                break;
            }
        }
        char digits[32];
        int n;
        switch (*p) {
        case 'd':
        case 'i': {
            long long v = lng == 2 ? va_arg(args, long long) : lng == 1 ? va_arg(args, long)
                        : lng == 3 ? (long long)va_arg(args, ptrdiff_t) : va_arg(args, int);
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            n = es_utoa(digits, u, 10, 0, prec < 0 ? 1 : prec);
            es_emit(&o, v < 0 ? "-" : sign_pos, digits, n, width, left, zero && prec < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = lng == 2 ? va_arg(args, unsigned long long) : lng == 1 ? va_arg(args, unsigned long)
                                 : lng == 3 ? va_arg(args, size_t) : va_arg(args, unsigned int);
            n = es_utoa(digits, v, *p == 'u' ? 10u : 16u, *p == 'X', prec < 0 ? 1 : prec);
            es_emit(&o, "", digits, n, width, left, zero && prec < 0);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(args, void *);
            n = es_utoa(digits, v, 16u, 0, 1);
            es_emit(&o, "0x", digits, n, width, left, 0);
            break;
        }
        case 'c':
            digits[0] = (char)va_arg(args, int);
            es_emit(&o, "", digits, 1, width, left, 0);
            break;
        case 's': {
            const char *s = va_arg(args, const char *);
            if (s == NULL) {
                s = "(null)";
            }
            int len = 0;
            while (s[len] != '\0' && (prec < 0 || len < prec)) {
                len++;
            }
            es_emit(&o, "", s, len, width, left, 0);
            break;
        }
        case 'f':
        case 'F':
        case 'g':
        case 'e':
            es_fmt_float(&o, va_arg(args, double), prec < 0 ? 6 : prec, width, left, zero, sign_pos);
            break;
        case '%':
            es_putc(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            es_putc(&o, '%');
            es_putc(&o, *p);
            break;
        }
    }
    va_end(args);
    if (cap > 0) {
        buf[o.n < cap ? o.n : cap - 1u] = '\0';
    }
    return o.n > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)o.n;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
