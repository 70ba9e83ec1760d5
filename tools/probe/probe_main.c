/* Harness: sets up test:///default fixtures, then runs every probe case of
 * every generated call stub in its own forked child (alarm 5 s).
 * Output: one TSV line per case on stdout (see README.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "probe_rt.h"

/* private (but exported) libvirt symbols, only used as a fallback to obtain
 * a handle object when the test driver cannot create one */
virNetworkPortPtr virGetNetworkPort(virNetworkPtr net, const unsigned char *uuid);
virSecretPtr virGetSecret(virConnectPtr conn, const unsigned char *uuid, int usageType, const char *usageID);
virNWFilterPtr virGetNWFilter(virConnectPtr conn, const char *name, const unsigned char *uuid);
virNWFilterBindingPtr virGetNWFilterBinding(virConnectPtr conn, const char *portdev, const char *filtername);
virDomainSnapshotPtr virGetDomainSnapshot(virDomainPtr domain, const char *name);
virDomainCheckpointPtr virGetDomainCheckpoint(virDomainPtr domain, const char *name);

char *buf[NBUF];
char *strarr[64];
virDomainPtr domarr[4];
static void *hRO[H_COUNT], *hRW[H_COUNT];
static const char *hname[H_COUNT] = {"conn","domain","network","netport","pool","vol","iface",
    "nodedev","secret","nwfilter","nwfilterbinding","snapshot","checkpoint","stream"};
static int out_fd = -1;
static const char *ret_kind = "none";
static long long ret_val;

int dummy_cb(void) { return 0; }
void *one_buf(char *b) { *(int *)b = 1; return b; }
void rec_ret(const char *kind, long long v) { ret_kind = kind; ret_val = v; }
static void quiet(void *u, virErrorPtr e) { (void)u; (void)e; }

static void esc(FILE *f, const char *s)
{
    if (!s) { fputs("\\N", f); return; }
    for (; *s; s++) {
        if (*s == '\t') fputs("\\t", f);
        else if (*s == '\n') fputs("\\n", f);
        else if (*s == '\\') fputs("\\\\", f);
        else fputc(*s, f);
    }
}

static void child_report(void)
{
    FILE *f = fdopen(out_fd, "w");
    virErrorPtr e = virGetLastError();
    fprintf(f, "%s\t%lld\t", ret_kind, ret_val);
    if (!e) {
        fputs("0\t\t\t\t\t\t\t\t\t\n", f);
    } else {
        fprintf(f, "1\t%d\t%d\t%d\t", e->code, e->domain, e->level);
        esc(f, e->message); fputc('\t', f);
        esc(f, e->str1); fputc('\t', f);
        esc(f, e->str2); fputc('\t', f);
        esc(f, e->str3); fputc('\t', f);
        fprintf(f, "%d\t%d\n", e->int1, e->int2);
    }
    fflush(f);
}

static double now(void)
{
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every case runs with an empty scratch directory as cwd, so that relative
 * paths such as "x" (virDomainSave etc.) never touch the source tree and no
 * case sees files left by another one. */
static char scratch[64];
static int rm_cb(const char *p, const struct stat *sb, int t, struct FTW *f)
{ (void)sb; (void)t; (void)f; return remove(p); }
static void fresh_scratch(void)
{
    nftw(scratch, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(scratch, 0700) < 0) { perror(scratch); exit(1); }
}

/* buffers followed by a PROT_NONE guard page: reading past them faults
 * deterministically instead of depending on heap contents */
static void guard_buffers(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < NBUF; i++) {
        char *m = mmap(NULL, BUFSZ + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) _exit(99);
        mprotect(m + BUFSZ, pg, PROT_NONE);
        buf[i] = m;
    }
}

static void run_case(const struct fninfo *fi, const char *casename, struct ctx *c)
{
    fresh_scratch();
    int p[2];
    char rbuf[16384]; size_t rlen = 0;
    if (pipe(p) < 0) { perror("pipe"); exit(1); }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        out_fd = p[1];
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0); dup2(devnull, 1);  /* keep the probe's stdout clean */
        if (chdir(scratch) < 0) _exit(98);
        if (c->neg_idx >= 0) guard_buffers();
        signal(SIGALRM, SIG_DFL);
        alarm(5);
        c->h = (c->mode == M_RO) ? hRO : hRW;
        if (c->mode == M_RO) domarr[0] = hRO[H_DOM];
        if (c->closed) {
            /* the application drops its connection reference; the handles
             * made from it keep it alive, as libvirt documents */
            int left = virConnectClose(hRW[H_CONN]);
            if (left != 1) _exit(97);
        }
        virResetLastError();
        fi->call(c);
        alarm(0);
        child_report();
        _exit(0);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    double deadline = now() + 7.0;
    int status = 0, done = 0, killed = 0;
    for (;;) {
        struct pollfd pf = { p[0], POLLIN, 0 };
        poll(&pf, 1, 20);
        ssize_t n;
        while ((n = read(p[0], rbuf + rlen, sizeof(rbuf) - 1 - rlen)) > 0) rlen += n;
        if (!done && waitpid(pid, &status, WNOHANG) == pid) done = 1;
        if (done) {
            while ((n = read(p[0], rbuf + rlen, sizeof(rbuf) - 1 - rlen)) > 0) rlen += n;
            break;
        }
        if (now() > deadline) {
            kill(pid, SIGKILL); waitpid(pid, &status, 0); killed = 1; break;
        }
    }
    close(p[0]);
    rbuf[rlen] = 0;
    const char *st;
    char stbuf[64];
    if (killed || (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)) st = "hang";
    else if (WIFSIGNALED(status)) { snprintf(stbuf, sizeof stbuf, "crash:%s", strsignal(WTERMSIG(status)) ? strsignal(WTERMSIG(status)) : "?"); st = stbuf; }
    else if (rlen == 0) { snprintf(stbuf, sizeof stbuf, "exit:%d", WEXITSTATUS(status)); st = stbuf; }
    else st = "ok";
    printf("%s\t%s\t%s\t%s", fi->name, casename, st, rlen ? rbuf : "\n");
    fflush(stdout);
}

static void argname(const struct fninfo *fi, int idx, char *out, size_t n)
{
    const char *s = fi->argnames;
    for (int i = 0; i < idx; i++) s = strchr(s, ',') + 1;
    const char *e = strchr(s, ',');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    if (l >= n) l = n - 1;
    memcpy(out, s, l); out[l] = 0;
}

static void probe_fn(const struct fninfo *fi)
{
    struct ctx c;
    char cn[256], an[128];
    int has_handle = 0, has_flags = 0;
    for (int i = 0; i < fi->nargs; i++) {
        if (fi->kinds[i] == 'H' || fi->kinds[i] == 'D') has_handle = 1;
        if (fi->kinds[i] == 'F') has_flags = 1;
    }
#define RESET(m) do { memset(&c, 0, sizeof c); c.mode = (m); c.null_idx = -1; c.neg_idx = -1; } while (0)
    RESET(M_NULL);
    run_case(fi, fi->first_handle >= 0 ? "null_handle" : "zero_args", &c);
    if (fi->first_handle >= 0) {
        /* NULL handle but every other argument valid (rw dummies) */
        RESET(M_RW); c.strx = 1; c.ival = 1; c.null_idx = 0;
        run_case(fi, "null_handle_v", &c);
    }

    if (has_handle) {
        RESET(M_RO); run_case(fi, "ro_buf", &c);
        RESET(M_RO); c.strx = 1; run_case(fi, "ro_x", &c);
        RESET(M_RO); c.strx = 1; c.ival = 1; run_case(fi, "ro_x1", &c);
        RESET(M_RO); c.strx = 2; c.ival = 1; run_case(fi, "ro_good", &c);
        if (has_flags) {
            for (int b = 0; b < 24; b++) {
                RESET(M_RO); c.strx = 1; c.flags = 1UL << b;
                snprintf(cn, sizeof cn, "ro_flagbit:%d", b);
                run_case(fi, cn, &c);
            }
        }
    }
    RESET(M_RW); c.strx = 1; run_case(fi, "rw_x", &c);
    RESET(M_RW); c.strx = 1; c.ival = 1; run_case(fi, "rw_x1", &c);
    RESET(M_RW); c.strx = 2; c.ival = 1; run_case(fi, "rw_good", &c);
    if (fi->first_handle >= 0) {
        RESET(M_RW); c.strx = 2; c.ival = 1; c.closed = 1; run_case(fi, "closed_good", &c);
    }

    for (int i = 0; i < fi->nargs; i++) {
        char k = fi->kinds[i];
        if (i == 0 && fi->first_handle >= 0) continue;   /* covered by null_handle */
        if (strchr("HSADCP", k)) {
            argname(fi, i, an, sizeof an);
            for (int iv = 0; iv <= 1; iv++) {
                RESET(M_RW); c.strx = 1; c.ival = iv; c.null_idx = i;
                snprintf(cn, sizeof cn, "nonnull:%s:%d", an, iv);
                run_case(fi, cn, &c);
            }
        }
        if (k == 'I' && fi->signedness[i] == '1') {
            argname(fi, i, an, sizeof an);
            RESET(M_RW); c.strx = 1; c.ival = 1; c.neg_idx = i;
            snprintf(cn, sizeof cn, "neg:%s", an);
            run_case(fi, cn, &c);
        }
    }
    if (has_flags) {
        RESET(M_RW); c.strx = 1; c.flags = 0x80000000UL; run_case(fi, "bad_flags", &c);
        RESET(M_RW); c.strx = 1; c.ival = 1; c.flags = 0x80000000UL; run_case(fi, "bad_flags1", &c);
        RESET(M_RW); c.strx = 2; c.ival = 1; c.flags = 0x80000000UL; run_case(fi, "bad_flags_good", &c);
    }
}

static const unsigned char fake_uuid[16] = {0x11,0x22,0x33,0x44,0x55,0x66,0x77,0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff,0x01};

static void setup(void)
{
    virSetErrorFunc(NULL, quiet);
    virConnectPtr rw = virConnectOpen("test:///default");
    virConnectPtr ro = virConnectOpenReadOnly("test:///default");
    if (!rw || !ro) { fprintf(stderr, "cannot open test:///default\n"); exit(1); }
    hRW[H_CONN] = rw; hRO[H_CONN] = ro;
    hRW[H_DOM] = virDomainLookupByName(rw, "test");
    hRO[H_DOM] = virDomainLookupByName(ro, "test");
    hRW[H_NET] = virNetworkLookupByName(rw, "default");
    hRO[H_NET] = virNetworkLookupByName(ro, "default");
    hRW[H_POOL] = virStoragePoolLookupByName(rw, "default-pool");
    hRO[H_POOL] = virStoragePoolLookupByName(ro, "default-pool");
    hRW[H_IFACE] = virInterfaceLookupByName(rw, "eth1");
    hRO[H_IFACE] = virInterfaceLookupByName(ro, "eth1");
    hRW[H_NODEDEV] = virNodeDeviceLookupByName(rw, "computer");
    hRO[H_NODEDEV] = virNodeDeviceLookupByName(ro, "computer");
    hRW[H_STREAM] = virStreamNew(rw, 0);
    hRO[H_STREAM] = virStreamNew(ro, 0);

    virStorageVolPtr v = virStorageVolCreateXML(hRW[H_POOL],
        "<volume><name>probevol</name><capacity>1048576</capacity></volume>", 0);
    if (!v) fprintf(stderr, "setup: vol create: %s\n", virGetLastErrorMessage());
    hRW[H_VOL] = virStorageVolLookupByName(hRW[H_POOL], "probevol");
    hRO[H_VOL] = virStorageVolLookupByName(hRO[H_POOL], "probevol");

    virNetworkPortPtr port = virNetworkPortCreateXML(hRW[H_NET],
        "<networkport><owner><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner>"
        "<mac address='52:54:00:11:22:33'/></networkport>", 0);
    if (port) {
        unsigned char u[16]; virNetworkPortGetUUID(port, u);
        hRW[H_PORT] = port; hRO[H_PORT] = virNetworkPortLookupByUUID(hRO[H_NET], u);
    } else {
        fprintf(stderr, "setup: netport create: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_PORT] = virGetNetworkPort(hRW[H_NET], fake_uuid);
        hRO[H_PORT] = virGetNetworkPort(hRO[H_NET], fake_uuid);
    }
    virSecretPtr sec = virSecretDefineXML(rw,
        "<secret ephemeral='no' private='no'><uuid>11223344-5566-7788-99aa-bbccddeeff01</uuid>"
        "<usage type='ceph'><name>probe</name></usage></secret>", 0);
    if (sec) {
        hRW[H_SECRET] = sec; hRO[H_SECRET] = virSecretLookupByUUID(ro, fake_uuid);
    } else {
        fprintf(stderr, "setup: secret define: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_SECRET] = virGetSecret(rw, fake_uuid, VIR_SECRET_USAGE_TYPE_CEPH, "probe");
        hRO[H_SECRET] = virGetSecret(ro, fake_uuid, VIR_SECRET_USAGE_TYPE_CEPH, "probe");
    }
    virNWFilterPtr nwf = virNWFilterDefineXML(rw, "<filter name='probefilter' chain='root'></filter>");
    if (nwf) {
        hRW[H_NWFILTER] = nwf; hRO[H_NWFILTER] = virNWFilterLookupByName(ro, "probefilter");
    } else {
        fprintf(stderr, "setup: nwfilter define: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_NWFILTER] = virGetNWFilter(rw, "probefilter", fake_uuid);
        hRO[H_NWFILTER] = virGetNWFilter(ro, "probefilter", fake_uuid);
    }
    virNWFilterBindingPtr b = virNWFilterBindingCreateXML(rw,
        "<filterbinding><owner><name>test</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid></owner>"
        "<portdev name='vnet0'/><mac address='52:54:00:11:22:33'/><filterref filter='probefilter'/></filterbinding>", 0);
    if (b) {
        hRW[H_BINDING] = b; hRO[H_BINDING] = virNWFilterBindingLookupByPortDev(ro, "vnet0");
    } else {
        fprintf(stderr, "setup: nwfilter binding: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_BINDING] = virGetNWFilterBinding(rw, "vnet0", "probefilter");
        hRO[H_BINDING] = virGetNWFilterBinding(ro, "vnet0", "probefilter");
    }
    /* the test driver refuses checkpoints and snapshots on the same domain,
     * so checkpoints live on a second, running domain "probecpdom" */
    virDomainPtr cpdom = virDomainCreateXML(rw,
        "<domain type='test'><name>probecpdom</name><memory>1048576</memory>"
        "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
        "<driver name='qemu' type='qcow2'/><source file='/probe/disk.qcow2'/>"
        "<target dev='vda' bus='virtio'/></disk></devices></domain>", 0);
    if (!cpdom) fprintf(stderr, "setup: cp domain: %s\n", virGetLastErrorMessage());
    virDomainPtr rocpdom = virDomainLookupByName(ro, "probecpdom");
    virDomainCheckpointPtr cp = virDomainCheckpointCreateXML(cpdom,
        "<domaincheckpoint><name>probecp</name></domaincheckpoint>", 0);
    if (cp) {
        hRW[H_CHECKPOINT] = cp; hRO[H_CHECKPOINT] = virDomainCheckpointLookupByName(rocpdom, "probecp", 0);
    } else {
        fprintf(stderr, "setup: checkpoint: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_CHECKPOINT] = virGetDomainCheckpoint(hRW[H_DOM], "probecp");
        hRO[H_CHECKPOINT] = virGetDomainCheckpoint(hRO[H_DOM], "probecp");
    }
    virDomainSnapshotPtr s = virDomainSnapshotCreateXML(hRW[H_DOM],
        "<domainsnapshot><name>probesnap</name></domainsnapshot>", 0);
    if (s) {
        hRW[H_SNAP] = s; hRO[H_SNAP] = virDomainSnapshotLookupByName(hRO[H_DOM], "probesnap", 0);
    } else {
        fprintf(stderr, "setup: snapshot: %s -> fabricated\n", virGetLastErrorMessage());
        hRW[H_SNAP] = virGetDomainSnapshot(hRW[H_DOM], "probesnap");
        hRO[H_SNAP] = virGetDomainSnapshot(hRO[H_DOM], "probesnap");
    }
    for (int i = 0; i < H_COUNT; i++)
        if (!hRW[i] || !hRO[i]) {
            fprintf(stderr, "setup: missing %s handle (rw=%p ro=%p)\n", hname[i], hRW[i], hRO[i]);
            exit(1);
        }
    for (int i = 0; i < NBUF; i++) buf[i] = calloc(1, BUFSZ);
    for (int i = 0; i < 63; i++) strarr[i] = "x";
    strarr[63] = NULL;
    domarr[0] = hRW[H_DOM]; domarr[1] = NULL;
    virResetLastError();

    int nthreads = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    while (d && (de = readdir(d))) if (de->d_name[0] != '.') nthreads++;
    if (d) closedir(d);
    fprintf(stderr, "setup: done, %d thread(s) in process\n", nthreads);
}

int main(int argc, char **argv)
{
    int shard = argc > 1 ? atoi(argv[1]) : 0;
    int nshard = argc > 2 ? atoi(argv[2]) : 1;
    const char *only = argc > 3 ? argv[3] : NULL;
    snprintf(scratch, sizeof scratch, "/tmp/libvirt-probe-%d", shard);
    setup();
    for (int i = 0; i < nfntable; i++) {
        if (i % nshard != shard) continue;
        if (only && strcmp(only, fntable[i].name) != 0) continue;
        probe_fn(&fntable[i]);
    }
    nftw(scratch, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
