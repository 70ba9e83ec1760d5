/* Thread stress: threads sharing one connection and threads with their own
 * connections mix define / lookup / lifecycle / list / undefine on
 * test:///default, with a lifecycle event callback registered on each
 * domain for its life (the default event loop runs on its own thread), for a
 * bounded time, then the invariants are checked: every
 * domain a thread made is gone again, no call failed unexpectedly, every
 * connection closes with no reference left. A watchdog fails the run on a
 * deadlock. Usage: stress [seconds] (default 3). */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHARED_THREADS 16
#define OWN_THREADS 16

static virConnectPtr shared;
static volatile int stop;
static volatile int loop_stop;
static long events_seen;
static long ops[SHARED_THREADS + OWN_THREADS];
static int failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(int id, const char *what)
{
    const char *msg = virGetLastErrorMessage();
    pthread_mutex_lock(&fail_lock);
    if (failures++ < 20)
        fprintf(stderr, "thread %d: %s failed: %s\n", id, what, msg);
    pthread_mutex_unlock(&fail_lock);
}

static void quiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
    (void)c;
    (void)d;
    (void)event;
    (void)detail;
    (void)opaque;
    __atomic_add_fetch(&events_seen, 1, __ATOMIC_RELAXED);
    return 0;
}

static void tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static void *event_loop(void *arg)
{
    (void)arg;
    while (!loop_stop)
        virEventRunDefaultImpl();
    return NULL;
}

/* One round on connection c: a private domain through its whole life. */
static void round_trip(int id, virConnectPtr c, long n)
{
    char xml[512], name[64];
    virDomainPtr d, found;
    virDomainPtr *all = NULL;
    virDomainInfo info;
    int i, count, cb;

    snprintf(name, sizeof(name), "stress-%d-%ld", id, n);
    snprintf(xml, sizeof(xml),
             "<domain type='test'><name>%s</name><memory>65536</memory>"
             "<vcpu>1</vcpu><os><type>hvm</type></os></domain>", name);
    if (!(d = virDomainDefineXML(c, xml))) {
        fail(id, "define");
        return;
    }
    if (!(found = virDomainLookupByName(c, name)))
        fail(id, "lookup by name");
    else
        virDomainFree(found);
    if ((cb = virConnectDomainEventRegisterAny(c, d, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                               VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                                               NULL, NULL)) < 0)
        fail(id, "event register");
    if (virDomainCreate(d) < 0)
        fail(id, "create");
    if (virDomainSuspend(d) < 0)
        fail(id, "suspend");
    if (virDomainResume(d) < 0)
        fail(id, "resume");
    if (virDomainGetInfo(d, &info) < 0 || info.state != VIR_DOMAIN_RUNNING)
        fail(id, "get info");
    if ((count = virConnectListAllDomains(c, &all, 0)) < 0)
        fail(id, "list all");
    for (i = 0; i < count; i++)
        virDomainFree(all[i]);
    free(all);
    if (virDomainDestroy(d) < 0)
        fail(id, "destroy");
    if (cb >= 0 && virConnectDomainEventDeregisterAny(c, cb) < 0)
        fail(id, "event deregister");
    if (virDomainUndefine(d) < 0)
        fail(id, "undefine");
    virDomainFree(d);
}

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    virConnectPtr c = shared;

    if (id >= SHARED_THREADS && !(c = virConnectOpen("test:///default"))) {
        fail(id, "open");
        return NULL;
    }
    while (!stop)
        round_trip(id, c, ops[id]++);
    if (c != shared && virConnectClose(c) != 0)
        fail(id, "close (references left)");
    return NULL;
}

static void watchdog(int sig)
{
    (void)sig;
    fprintf(stderr, "stress: deadlock (watchdog fired)\n");
    _exit(2);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 3;
    pthread_t t[SHARED_THREADS + OWN_THREADS], loop;
    long total = 0;
    int i, before, after;

    virSetErrorFunc(NULL, quiet);
    signal(SIGALRM, watchdog);
    alarm(seconds + 30);
    if (virEventRegisterDefaultImpl() < 0 || virEventAddTimeout(100, tick, NULL, NULL) < 0)
        return 1;
    pthread_create(&loop, NULL, event_loop, NULL);
    if (!(shared = virConnectOpen("test:///default")))
        return 1;
    before = virConnectNumOfDomains(shared) + virConnectNumOfDefinedDomains(shared);
    for (i = 0; i < SHARED_THREADS + OWN_THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)(long)i);
    sleep(seconds);
    stop = 1;
    for (i = 0; i < SHARED_THREADS + OWN_THREADS; i++) {
        pthread_join(t[i], NULL);
        total += ops[i];
    }
    after = virConnectNumOfDomains(shared) + virConnectNumOfDefinedDomains(shared);
    if (after != before) {
        fprintf(stderr, "stress: %d domains before, %d after\n", before, after);
        failures++;
    }
    if (virConnectClose(shared) != 0) {
        fprintf(stderr, "stress: references left on the shared connection\n");
        failures++;
    }
    loop_stop = 1;
    pthread_join(loop, NULL);
    alarm(0);
    printf("stress: %d threads, %d s, %ld domain round trips (%ld calls), %ld events, %d failures\n",
           SHARED_THREADS + OWN_THREADS, seconds, total, total * 12,
           __atomic_load_n(&events_seen, __ATOMIC_RELAXED), failures);
    return failures ? 1 : 0;
}
