/* Throughput and memory of the client library on the test driver.
 *
 * Built once against our headers; which libvirt.so.0 runs is chosen by
 * LD_LIBRARY_PATH (see run.py).  One process defines a population of
 * domains (-n), then times each workload named on the command line and
 * prints one JSON object per line: the population's definition, each
 * workload, and finally the process's peak RSS.
 *
 *   bench --list                   workload table, one JSON line each
 *   bench [-n N] [-t SECS] [-c CAP] WORKLOAD...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define URI "test:///default"
#define REMOTE_URI "test+unix:///default"  /* the running system libvirtd */
#define SAMPLE 1024      /* handles kept for get-info */
#define MAX_THREADS 8
#define LARGE_DISKS 64   /* + as many interfaces: 128 devices */

struct bench {
    virConnectPtr conn;
    virConnectPtr remote;               /* REMOTE_URI, for the RPC workloads */
    int n;                              /* domains to look up: bench-0000000.. */
    int builtin;                        /* n == 1 and the one is "test" */
    unsigned char builtin_uuid[VIR_UUID_BUFLEN];
    virDomainPtr sample[SAMPLE];
    virDomainPtr dom;                   /* a persistent domain of one's own */
    char *large_xml;
    atomic_long delivered;              /* events seen by the callback */
    int callback;                       /* event registration id */
};

struct workload {
    const char *name;
    const char *what;                   /* what one unit is */
    int threads;
    int scale;                          /* measured against 1k..100k domains */
    int cold;                           /* runs with no connection held open */
    int remote;                         /* calls through libvirtd (REMOTE_URI) */
    int (*prepare)(struct bench *);     /* 0 ok, 1 unsupported, -1 error */
    long (*op)(struct bench *, unsigned long i); /* units done, <0 error */
};

static double clock_secs(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_secs(CLOCK_MONOTONIC);
}

/* A line of /proc/self/status in KiB: VmRSS now, VmHWM at its peak (unlike
 * getrusage's ru_maxrss, not inherited from the image before exec). */
static long status_kib(const char *field)
{
    char line[256];
    long v = 0;
    size_t len = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, len) && line[len] == ':')
            v = atol(line + len + 1);
    if (f)
        fclose(f);
    return v;
}

static long rss_kib(void)
{
    return status_kib("VmRSS");
}

static unsigned long spread(unsigned long i, int n)
{
    return n > 0 ? (i * 2654435761UL) % (unsigned long)n : 0;
}

/* ---- domain XML ---- */

static void uuid_of(int k, unsigned char *u)
{
    memset(u, 0, VIR_UUID_BUFLEN);
    u[0] = 0xbe; u[1] = 0x4c;
    u[6] = 0x40;                         /* version 4 */
    u[8] = 0x80;                         /* variant */
    for (int j = 0; j < 4; j++)
        u[12 + j] = (unsigned char)((unsigned)k >> (24 - 8 * j));
}

/* "bench-%07d" without printf: the lookup workloads compute their key
 * instead of reading it from an n-entry array, so that the harness's own
 * cache misses stay out of the per-lookup cost at 100k domains. */
static void name_of(int k, char *name)
{
    memcpy(name, "bench-", 6);
    for (int j = 12; j >= 6; j--, k /= 10)
        name[j] = (char)('0' + k % 10);
    name[13] = '\0';
}

static char *small_xml(const char *name, const unsigned char *u)
{
    char uuid[VIR_UUID_STRING_BUFLEN], *xml;
    snprintf(uuid, sizeof uuid,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
             u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    if (asprintf(&xml, "<domain type='test'><name>%s</name><uuid>%s</uuid>"
                 "<memory>1048576</memory><vcpu>1</vcpu>"
                 "<os><type>hvm</type></os></domain>", name, uuid) < 0)
        return NULL;
    return xml;
}

static char *large_xml(void)
{
    size_t cap = 64 + LARGE_DISKS * 400, len = 0;
    char *xml = malloc(cap);
    if (!xml)
        return NULL;
    len += sprintf(xml, "<domain type='test'><name>bench-large</name>"
                   "<memory>4194304</memory><vcpu>4</vcpu>"
                   "<os><type>hvm</type></os><devices>");
    for (int i = 0; i < LARGE_DISKS; i++)
        len += sprintf(xml + len,
                       "<disk type='file' device='disk'><source file='/var/lib/bench/d%d.img'/>"
                       "<target dev='vd%c%c' bus='virtio'/></disk>"
                       "<interface type='network'><mac address='52:54:00:be:00:%02x'/>"
                       "<source network='default'/></interface>",
                       i, 'a' + i / 26, 'a' + i % 26, i);
    strcpy(xml + len, "</devices></domain>");
    return xml;
}

static virDomainPtr define(virConnectPtr conn, const char *name, int k)
{
    unsigned char u[VIR_UUID_BUFLEN];
    uuid_of(k, u);
    char *xml = small_xml(name, u);
    virDomainPtr d = xml ? virDomainDefineXML(conn, xml) : NULL;
    free(xml);
    return d;
}

/* ---- population ---- */

/* The i-th pseudo-random domain of the population, by name or UUID. */
static virDomainPtr lookup_name(struct bench *b, unsigned long i)
{
    char name[32];
    if (b->builtin)
        return virDomainLookupByName(b->conn, "test");
    name_of((int)spread(i, b->n), name);
    return virDomainLookupByName(b->conn, name);
}

static virDomainPtr lookup_uuid(struct bench *b, unsigned long i)
{
    unsigned char u[VIR_UUID_BUFLEN];
    if (b->builtin)
        return virDomainLookupByUUID(b->conn, b->builtin_uuid);
    uuid_of((int)spread(i, b->n), u);
    return virDomainLookupByUUID(b->conn, u);
}

/* Defines n domains, stopping at the deadline; prints the definition. */
static int populate(struct bench *b, int n, double cap)
{
    long rss0 = rss_kib();
    double t0 = now(), t = t0, cpu0 = clock_secs(CLOCK_PROCESS_CPUTIME_ID);
    int k;
    for (k = 0; k < n && t - t0 < cap; k++) {
        char name[32];
        name_of(k, name);
        virDomainPtr d = define(b->conn, name, k);
        if (!d) {
            fprintf(stderr, "define %d: %s\n", k, virGetLastErrorMessage());
            return -1;
        }
        virDomainFree(d);
        if (k % 64 == 63)
            t = now();
    }
    t = now();
    if (n)
        printf("{\"workload\": \"define\", \"status\": \"ok\", \"target\": %d, \"n\": %d, \"ops\": %d, "
               "\"units\": %d, \"secs\": %.6f, \"cpu_secs\": %.6f, \"rss_delta_kib\": %ld}\n",
               n, k, k, k, t - t0, clock_secs(CLOCK_PROCESS_CPUTIME_ID) - cpu0, rss_kib() - rss0);
    b->n = k;
    if (k == 0) {                        /* the built-in domain stands in */
        virDomainPtr d = virDomainLookupByName(b->conn, "test");
        if (!d || virDomainGetUUID(d, b->builtin_uuid) < 0)
            return -1;
        virDomainFree(d);
        b->n = 1;
        b->builtin = 1;
    }
    for (int i = 0; i < SAMPLE; i++)
        if (!(b->sample[i] = lookup_uuid(b, i)))
            return -1;
    return 0;
}

/* ---- workloads: prepare ---- */

static int prep_own_domain(struct bench *b)
{
    b->dom = define(b->conn, "bench-own", -1);
    return b->dom ? 0 : -1;
}

static int prep_large(struct bench *b)
{
    b->large_xml = large_xml();
    return b->large_xml ? 0 : -1;
}

static void *event_loop(void *arg)
{
    (void)arg;
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            return NULL;
}

static void on_lifecycle(virConnectPtr c, virDomainPtr d, int ev, int detail, void *opaque)
{
    (void)c; (void)d; (void)ev; (void)detail;
    atomic_fetch_add(&((struct bench *)opaque)->delivered, 1);
}

/* The loop is registered before the connection is opened (see main). */
static int prep_events(struct bench *b)
{
    pthread_t t;
    if (prep_own_domain(b) < 0)
        return -1;
    b->callback = virConnectDomainEventRegisterAny(b->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                   VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), b, NULL);
    if (b->callback < 0)
        return 1;
    if (virDomainCreate(b->dom) < 0 || pthread_create(&t, NULL, event_loop, NULL) != 0)
        return -1;
    pthread_detach(t);
    for (int k = 0; k < 1000 && !atomic_load(&b->delivered); k++)
        usleep(1000);                    /* the start event, not counted */
    atomic_store(&b->delivered, 0);
    return 0;
}

/* Through the daemon: one connection shared by the workload's threads. */
static int prep_remote(struct bench *b)
{
    if (!b->remote && !(b->remote = virConnectOpen(REMOTE_URI))) {
        fprintf(stderr, "%s: %s\n", REMOTE_URI, virGetLastErrorMessage());
        return 1;                        /* no daemon here: reported, not fatal */
    }
    return 0;
}

/* ---- workloads: one operation each ---- */

static long op_open_close(struct bench *b, unsigned long i)
{
    (void)b; (void)i;
    virConnectPtr c = virConnectOpen(URI);
    return c && virConnectClose(c) >= 0 ? 1 : -1;
}

static long op_define_undefine(struct bench *b, unsigned long i)
{
    (void)i;
    virDomainPtr d = define(b->conn, "bench-tmp", -2);
    int rc = d ? virDomainUndefine(d) : -1;
    if (d)
        virDomainFree(d);
    return rc < 0 ? -1 : 1;
}

static long op_define_dump_large(struct bench *b, unsigned long i)
{
    (void)i;
    virDomainPtr d = virDomainDefineXML(b->conn, b->large_xml);
    char *xml = d ? virDomainGetXMLDesc(d, 0) : NULL;
    int rc = xml ? virDomainUndefine(d) : -1;
    free(xml);
    if (d)
        virDomainFree(d);
    return rc < 0 ? -1 : 1;
}

static long op_lifecycle(struct bench *b, unsigned long i)
{
    (void)i;
    return virDomainCreate(b->dom) < 0 || virDomainSuspend(b->dom) < 0 ||
           virDomainResume(b->dom) < 0 || virDomainDestroy(b->dom) < 0 ? -1 : 1;
}

static long op_suspend_resume(struct bench *b, unsigned long i)
{
    (void)i;
    return virDomainSuspend(b->dom) < 0 || virDomainResume(b->dom) < 0 ? -1 : 2;
}

static long op_lookup_name(struct bench *b, unsigned long i)
{
    virDomainPtr d = lookup_name(b, i);
    return d && virDomainFree(d) == 0 ? 1 : -1;
}

static long op_lookup_uuid(struct bench *b, unsigned long i)
{
    virDomainPtr d = lookup_uuid(b, i);
    return d && virDomainFree(d) == 0 ? 1 : -1;
}

static long op_get_info(struct bench *b, unsigned long i)
{
    virDomainInfo info;
    return virDomainGetInfo(b->sample[i % SAMPLE], &info) < 0 ? -1 : 1;
}

static long op_lookup_info(struct bench *b, unsigned long i)
{
    virDomainInfo info;
    virDomainPtr d = lookup_name(b, i);
    int rc = d ? virDomainGetInfo(d, &info) : -1;
    if (d)
        virDomainFree(d);
    return rc < 0 ? -1 : 1;
}

static long op_rpc_version(struct bench *b, unsigned long i)
{
    unsigned long v;
    (void)i;
    return virConnectGetLibVersion(b->remote, &v) < 0 ? -1 : 1;
}

/* two round trips (the free is local) */
static long op_rpc_lookup_info(struct bench *b, unsigned long i)
{
    virDomainInfo info;
    (void)i;
    virDomainPtr d = virDomainLookupByName(b->remote, "test");
    int rc = d ? virDomainGetInfo(d, &info) : -1;
    if (d)
        virDomainFree(d);
    return rc < 0 ? -1 : 2;
}

static long op_list_all(struct bench *b, unsigned long i)
{
    (void)i;
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(b->conn, &doms, 0);
    for (int k = 0; k < n; k++)
        virDomainFree(doms[k]);
    free(doms);
    return n;                            /* a unit is one domain listed */
}

static const struct workload workloads[] = {
    { "open-close", "open+close of " URI, 1, 0, 1, 0, NULL, op_open_close },
    { "define-undefine", "define+undefine, small domain", 1, 0, 0, 0, NULL, op_define_undefine },
    { "define-dumpxml-large", "define+dumpxml+undefine, 128 devices", 1, 0, 0, 0, prep_large, op_define_dump_large },
    { "lifecycle", "create+suspend+resume+destroy", 1, 0, 0, 0, prep_own_domain, op_lifecycle },
    { "events", "lifecycle events delivered", 1, 0, 0, 0, prep_events, op_suspend_resume },
    { "threads-2", "lookup+get-info+free, 2 threads", 2, 0, 0, 0, NULL, op_lookup_info },
    { "threads-8", "lookup+get-info+free, 8 threads", 8, 0, 0, 0, NULL, op_lookup_info },
    { "lookup-name", "lookup by name+free", 1, 1, 0, 0, NULL, op_lookup_name },
    { "lookup-uuid", "lookup by UUID+free", 1, 1, 0, 0, NULL, op_lookup_uuid },
    { "get-info", "get-info", 1, 1, 0, 0, NULL, op_get_info },
    { "list-all", "domain listed by list-all", 1, 1, 0, 0, NULL, op_list_all },
    { "rpc-version", "round trip: get-lib-version via libvirtd, 1 thread", 1, 0, 1, 1, prep_remote, op_rpc_version },
    { "rpc-version-8", "round trip: get-lib-version via libvirtd, 8 threads", 8, 0, 1, 1, prep_remote, op_rpc_version },
    { "rpc-lookup-info", "round trip: lookup+get-info via libvirtd, 1 thread", 1, 0, 1, 1, prep_remote, op_rpc_lookup_info },
    { "rpc-lookup-info-8", "round trip: lookup+get-info via libvirtd, 8 threads", 8, 0, 1, 1, prep_remote, op_rpc_lookup_info },
};
#define NWORKLOADS (sizeof workloads / sizeof *workloads)

/* ---- the one timing helper ---- */

struct run {
    const struct workload *w;
    struct bench *b;
    atomic_int stop;
    atomic_long ops, units;
    atomic_int failed;
};

static void *worker(void *arg)
{
    struct run *r = arg;
    unsigned long i = 0;
    long units = 0;
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        long u = r->w->op(r->b, i++);
        if (u < 0) {
            fprintf(stderr, "%s: %s\n", r->w->name, virGetLastErrorMessage());
            atomic_store(&r->failed, 1);
            break;
        }
        units += u;
    }
    atomic_fetch_add(&r->ops, (long)i);
    atomic_fetch_add(&r->units, units);
    return NULL;
}

/* Runs w->op on w->threads threads for about secs seconds. */
static void timed(struct bench *b, const struct workload *w, double secs, long *ops, long *units, int *failed)
{
    struct run r = { .w = w, .b = b };
    pthread_t t[MAX_THREADS];
    struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
    for (int k = 0; k < w->threads; k++)
        pthread_create(&t[k], NULL, worker, &r);
    nanosleep(&ts, NULL);
    atomic_store(&r.stop, 1);
    for (int k = 0; k < w->threads; k++)
        pthread_join(t[k], NULL);
    *ops = r.ops;
    *units = r.units;
    *failed = r.failed;
}

/* Events: the rate is what reached the callback, counted until it stops;
 * returns when the last one came. */
static double drain_events(struct bench *b, long generated, long *units)
{
    double last = now();
    long seen = -1;
    while (atomic_load(&b->delivered) < generated && now() - last < 1.0) {
        if (atomic_load(&b->delivered) != seen) {
            seen = atomic_load(&b->delivered);
            last = now();
        }
        usleep(1000);
    }
    *units = atomic_load(&b->delivered);
    return *units < generated ? last : now();
}

static void run_workload(struct bench *b, const struct workload *w, double secs)
{
    int prep = 0, failed = 0;
    long ops = 0, units = 0;
    if (w->prepare)
        prep = w->prepare(b);
    if (prep) {
        printf("{\"workload\": \"%s\", \"status\": \"%s\", \"error\": \"%s\"}\n", w->name,
               prep > 0 ? "unsupported" : "error",
               prep < 0 ? "prepare failed" : w->remote ? "no daemon at " REMOTE_URI : "registration failed");
        return;
    }
    double t0 = now(), cpu0 = clock_secs(CLOCK_PROCESS_CPUTIME_ID);
    timed(b, w, secs, &ops, &units, &failed);
    double end = w->prepare == prep_events ? drain_events(b, units, &units) : now();
    printf("{\"workload\": \"%s\", \"status\": \"%s\", \"what\": \"%s\", \"threads\": %d, \"n\": %d, "
           "\"ops\": %ld, \"units\": %ld, \"secs\": %.6f, \"cpu_secs\": %.6f, \"rss_kib\": %ld}\n",
           w->name, failed ? "error" : "ok", w->what, w->threads, b->n, ops, units, end - t0,
           clock_secs(CLOCK_PROCESS_CPUTIME_ID) - cpu0, rss_kib());
    fflush(stdout);
}

static const struct workload *find(const char *name)
{
    for (size_t k = 0; k < NWORKLOADS; k++)
        if (!strcmp(workloads[k].name, name))
            return &workloads[k];
    return NULL;
}

int main(int argc, char **argv)
{
    struct bench b = { 0 };
    double secs = 1.0, cap = 60.0;
    int n = 0, opt, events = 0, need_conn = 0;
    Dl_info lib;

    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t k = 0; k < NWORKLOADS; k++)
            printf("{\"name\": \"%s\", \"what\": \"%s\", \"threads\": %d, \"scale\": %d, \"remote\": %d}\n",
                   workloads[k].name, workloads[k].what, workloads[k].threads, workloads[k].scale,
                   workloads[k].remote);
        return 0;
    }
    while ((opt = getopt(argc, argv, "n:t:c:")) != -1) {
        switch (opt) {
        case 'n': n = atoi(optarg); break;
        case 't': secs = atof(optarg); break;
        case 'c': cap = atof(optarg); break;
        default:
            fprintf(stderr, "usage: %s --list | [-n DOMAINS] [-t SECS] [-c SETUP_CAP] WORKLOAD...\n", argv[0]);
            return 2;
        }
    }
    for (int k = optind; k < argc; k++) {
        if (!find(argv[k])) {
            fprintf(stderr, "unknown workload %s\n", argv[k]);
            return 2;
        }
        events |= find(argv[k])->prepare == prep_events;
        need_conn |= !find(argv[k])->cold;
    }
    if (dladdr((void *)virConnectOpen, &lib) && lib.dli_fname)
        printf("{\"library\": \"%s\"}\n", lib.dli_fname);
    /* an event loop is registered before any connection is opened */
    if (events && virEventRegisterDefaultImpl() < 0)
        fprintf(stderr, "no default event loop: %s\n", virGetLastErrorMessage());
    if (n || need_conn) {
        if (!(b.conn = virConnectOpen(URI)) || populate(&b, n, cap) < 0) {
            fprintf(stderr, "setup: %s\n", virGetLastErrorMessage());
            return 1;
        }
    }
    for (int k = optind; k < argc; k++)
        run_workload(&b, find(argv[k]), secs);

    printf("{\"peak_rss_kib\": %ld}\n", status_kib("VmHWM"));
    return 0;
}
