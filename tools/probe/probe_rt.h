/* Runtime shared by the generated call stubs (probe_gen.c) and the harness
 * (probe_main.c).  Hand-written; see README.md. */
#ifndef PROBE_RT_H
#define PROBE_RT_H
#include <stddef.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt-lxc.h>

enum { M_NULL = 0, M_RO = 1, M_RW = 2 };
enum { H_CONN, H_DOM, H_NET, H_PORT, H_POOL, H_VOL, H_IFACE, H_NODEDEV,
       H_SECRET, H_NWFILTER, H_BINDING, H_SNAP, H_CHECKPOINT, H_STREAM, H_COUNT };

struct ctx {
    int mode;            /* M_NULL: every pointer NULL, every scalar 0 */
    int null_idx;        /* index of the pointer arg forced to NULL, -1 none */
    int neg_idx;         /* index of the signed int arg forced to -1, -1 none */
    long long ival;      /* value for all other integer args */
    unsigned long flags; /* value for the "flags" arg */
    int strx;            /* const char * args: 0 -> zeroed buffer (""), 1 -> "x", 2 -> plausible valid value */
    void **h;            /* handle table for this mode */
    int closed;          /* virConnectClose the read-write connection first (its objects keep it) */
};

struct fninfo {
    const char *name;
    void (*call)(const struct ctx *);
    int nargs;
    const char *kinds;   /* one letter per arg: H S A D C F I P */
    const char *signedness;
    const char *argnames;
    int first_handle;    /* H_* of arg 0, or -1 */
};

#define NBUF 16
#define BUFSZ 65536
extern char *buf[NBUF];
extern char *strarr[64];
extern virDomainPtr domarr[4];
extern const struct fninfo fntable[];
extern const int nfntable;

int dummy_cb(void);
void *one_buf(char *b);   /* stores int 1 at b, returns b */
void rec_ret(const char *kind, long long v);
#endif
