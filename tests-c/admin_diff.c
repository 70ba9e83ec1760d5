/* libvirt-admin against the running libvirtd: connection, servers,
 * clients, logging settings, close callbacks and the errors of bad
 * arguments. Live values (client ids, timestamps, counters) differ between
 * runs, so only their shape is printed; settings changed are restored.
 * c_diff.sh compares the output with libvirt's. Skips without the socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <libvirt/libvirt-admin.h>
#include <libvirt/virterror.h>

#define SOCK "/run/libvirt/libvirt-admin-sock"

static void show(const char *what, long long r)
{
    virErrorPtr e = virGetLastError();
    printf("%-32s r=%lld code=%d domain=%d msg=[%s]\n", what, r,
           e ? e->code : 0, e ? e->domain : 0, e && e->message ? e->message : "");
}

static void show_params(virTypedParameterPtr p, int n, int values)
{
    int i;
    for (i = 0; i < n; i++) {
        if (values && p[i].type == VIR_TYPED_PARAM_UINT)
            printf("  %s type=%d value=%u\n", p[i].field, p[i].type, p[i].value.ui);
        else
            printf("  %s type=%d\n", p[i].field, p[i].type);
    }
}

static int closed_calls;
static void on_close(virAdmConnectPtr c, int reason, void *opaque)
{
    (void)c;
    (void)opaque;
    closed_calls++;
    printf("close callback reason=%d\n", reason);
}
static void other_cb(virAdmConnectPtr c, int reason, void *opaque)
{
    (void)c;
    (void)reason;
    (void)opaque;
}
static int freed;
static void free_cb(void *opaque)
{
    (void)opaque;
    freed++;
}

/* The ids of the clients of server `s`, sorted as the daemon lists them. */
static int client_ids(virAdmServerPtr s, unsigned long long *ids, int max)
{
    virAdmClientPtr *cls = NULL;
    int n = virAdmServerListClients(s, &cls, 0), i, k = 0;
    for (i = 0; i < n; i++) {
        if (k < max)
            ids[k++] = virAdmClientGetID(cls[i]);
        virAdmClientFree(cls[i]);
    }
    free(cls);
    return k;
}

int main(void)
{
    virAdmConnectPtr c, c2;
    virAdmServerPtr *srvs = NULL, s, s2;
    virAdmClientPtr *cls = NULL, me, again;
    virTypedParameterPtr p = NULL;
    virTypedParameter one;
    int np = 0, n, i, j, nb, na;
    unsigned long long v = 0, before[64], after[64], newid = 0;
    char *saved = NULL, *f = NULL, *u;

    setvbuf(stdout, NULL, _IONBF, 0);
    /* a write to a connection the daemon closed must fail, not kill us */
    signal(SIGPIPE, SIG_IGN);
    if (access(SOCK, W_OK) != 0) {
        printf("skipped: no libvirtd admin socket\n");
        return 0;
    }
    virAdmInitialize();

    /* bad handles */
    show("Close(NULL)", virAdmConnectClose(NULL));
    show("IsAlive(NULL)", virAdmConnectIsAlive(NULL));
    show("Ref(NULL)", virAdmConnectRef(NULL));
    show("GetURI(NULL)", virAdmConnectGetURI(NULL) != NULL);
    show("ServerFree(NULL)", virAdmServerFree(NULL));
    show("ServerGetName(NULL)", virAdmServerGetName(NULL) != NULL);
    show("ListClients(NULL)", virAdmServerListClients(NULL, NULL, 0));
    show("ClientFree(NULL)", virAdmClientFree(NULL));
    show("ClientGetID(NULL)", (long long)virAdmClientGetID(NULL));
    show("ClientGetTimestamp(NULL)", virAdmClientGetTimestamp(NULL));
    show("ClientGetTransport(NULL)", virAdmClientGetTransport(NULL));
    show("ClientGetInfo(NULL)", virAdmClientGetInfo(NULL, NULL, NULL, 0));
    show("ClientClose(NULL)", virAdmClientClose(NULL, 0));
    show("GetLoggingFilters(NULL)", virAdmConnectGetLoggingFilters(NULL, NULL, 0));
    show("UnregisterCloseCallback(NULL)", virAdmConnectUnregisterCloseCallback(NULL, NULL));

    /* the connection */
    c = virAdmConnectOpen("libvirtd:///system", 0);
    show("Open", c != NULL);
    if (!c)
        return 1;
    u = virAdmConnectGetURI(c);
    show("GetURI", u != NULL);
    printf("uri=%s\n", u);
    free(u);
    show("IsAlive", virAdmConnectIsAlive(c));
    show("GetLibVersion", virAdmConnectGetLibVersion(c, &v));
    printf("libver=%llu\n", v);
    show("GetLibVersion(NULL)", virAdmConnectGetLibVersion(c, NULL));
    show("Ref", virAdmConnectRef(c));
    show("Ref", virAdmConnectRef(c));
    show("Close (3 refs)", virAdmConnectClose(c));
    show("Close (2 refs)", virAdmConnectClose(c));

    /* servers */
    n = virAdmConnectListServers(c, &srvs, 0);
    show("ListServers", n);
    for (i = 0; i < n; i++) {
        printf("  server %s\n", virAdmServerGetName(srvs[i]));
        virAdmServerFree(srvs[i]);
    }
    printf("  terminated=%d\n", n >= 0 && srvs[n] == NULL);
    free(srvs);
    show("ListServers(count)", virAdmConnectListServers(c, NULL, 0));
    show("ListServers(flags)", virAdmConnectListServers(c, NULL, 1));
    show("LookupServer(nope)", virAdmConnectLookupServer(c, "nope", 0) != NULL);
    show("LookupServer(NULL)", virAdmConnectLookupServer(c, NULL, 0) != NULL);
    s2 = virAdmConnectLookupServer(c, "libvirtd", 0);
    show("LookupServer(libvirtd)", s2 != NULL);
    s = virAdmConnectLookupServer(c, "admin", 0);
    show("LookupServer(admin)", s != NULL);
    printf("  name=%s\n", virAdmServerGetName(s));

    for (j = 0; j < 2; j++) {
        virAdmServerPtr srv = j ? s2 : s;
        printf("server %s\n", virAdmServerGetName(srv));
        p = NULL;
        show("GetThreadPoolParameters", virAdmServerGetThreadPoolParameters(srv, &p, &np, 0));
        show_params(p, np, 0);
        show("SetThreadPoolParameters(all)", virAdmServerSetThreadPoolParameters(srv, p, np, 0));
        show("SetThreadPoolParameters(-1)", virAdmServerSetThreadPoolParameters(srv, p, -1, 0));
        virTypedParamsFree(p, np);
        p = NULL;
        show("GetThreadPoolParameters(flags)", virAdmServerGetThreadPoolParameters(srv, &p, &np, 1));
        show("GetClientLimits", virAdmServerGetClientLimits(srv, &p, &np, 0));
        show_params(p, np, 0);
        /* the limits (not the counts) are configuration: stable */
        for (i = 0; i < np; i++)
            if (strstr(p[i].field, "_max"))
                printf("  %s=%u\n", p[i].field, p[i].value.ui);
        show("SetClientLimits(all)", virAdmServerSetClientLimits(srv, p, np, 0));
        memset(&one, 0, sizeof(one));
        snprintf(one.field, sizeof(one.field), "%s", "nclients_max");
        one.type = VIR_TYPED_PARAM_UINT;
        one.value.ui = p[0].value.ui;
        show("SetClientLimits(same max)", virAdmServerSetClientLimits(srv, &one, 1, 0));
        snprintf(one.field, sizeof(one.field), "%s", "bogus");
        show("SetClientLimits(bogus)", virAdmServerSetClientLimits(srv, &one, 1, 0));
        /* a caller array too small for the reply */
        show("GetClientLimits(small array)", virAdmServerGetClientLimits(srv, &p, &np, 0));
        np = 1;
        show("GetThreadPoolParameters(small)", virAdmServerGetThreadPoolParameters(srv, &p, &np, 0));
        virTypedParamsFree(p, 4);
        p = NULL;
        show("GetClientLimits(flags)", virAdmServerGetClientLimits(srv, &p, &np, 1));
        show("SetClientLimits(NULL)", virAdmServerSetClientLimits(srv, NULL, 0, 0));
        show("UpdateTlsFiles", virAdmServerUpdateTlsFiles(srv, 0));
        show("ListClients(flags)", virAdmServerListClients(srv, NULL, 1));
        show("ListClients(count)>0", virAdmServerListClients(srv, NULL, 0) > 0);
    }

    /* clients of the admin server: this connection is one of them */
    n = virAdmServerListClients(s, &cls, 0);
    show("ListClients>0", n > 0);
    printf("  terminated=%d\n", n > 0 && cls[n] == NULL);
    me = cls[n - 1];
    show("ClientGetID>0", virAdmClientGetID(me) > 0);
    show("ClientGetTimestamp>0", virAdmClientGetTimestamp(me) > 0);
    show("ClientGetTransport", virAdmClientGetTransport(me));
    p = NULL;
    show("ClientGetInfo", virAdmClientGetInfo(me, &p, &np, 0));
    show_params(p, np, 0);
    virTypedParamsFree(p, np);
    again = virAdmServerLookupClient(s, virAdmClientGetID(me), 0);
    show("LookupClient", again != NULL);
    show("same id", virAdmClientGetID(again) == virAdmClientGetID(me));
    show("ClientFree", virAdmClientFree(again));
    show("LookupClient(bad id)", virAdmServerLookupClient(s, 1234567890123ULL, 0) != NULL);
    for (i = 0; i < n; i++)
        virAdmClientFree(cls[i]);
    free(cls);

    /* logging filters: set, read back, restore */
    show("GetLoggingFilters", virAdmConnectGetLoggingFilters(c, &saved, 0) >= 0);
    show("GetLoggingFilters(NULL)", virAdmConnectGetLoggingFilters(c, NULL, 0) >= 0);
    show("SetLoggingFilters", virAdmConnectSetLoggingFilters(c, "1:util 3:rpc", 0));
    show("GetLoggingFilters", virAdmConnectGetLoggingFilters(c, &f, 0));
    printf("  filters=%s\n", f ? f : "(null)");
    free(f);
    f = NULL;
    show("SetLoggingFilters(bad)", virAdmConnectSetLoggingFilters(c, "x:util", 0));
    show("SetLoggingFilters(flags)", virAdmConnectSetLoggingFilters(c, "", 1));
    show("SetLoggingFilters(NULL)", virAdmConnectSetLoggingFilters(c, NULL, 0));
    show("GetLoggingFilters", virAdmConnectGetLoggingFilters(c, &f, 0));
    printf("  filters=%s\n", f ? f : "(null)");
    free(f);
    show("restore filters", virAdmConnectSetLoggingFilters(c, saved, 0));
    free(saved);
    f = NULL;
    show("GetLoggingOutputs>0", virAdmConnectGetLoggingOutputs(c, &f, 0) > 0);
    show("outputs set", f != NULL);
    free(f);
    show("GetLoggingOutputs(flags)", virAdmConnectGetLoggingOutputs(c, NULL, 1));
    show("SetLoggingOutputs(bad)", virAdmConnectSetLoggingOutputs(c, "9:x", 0));
    show("SetDaemonTimeout(flags)", virAdmConnectSetDaemonTimeout(c, 0, 1));

    /* close callbacks */
    show("RegisterCloseCallback(NULL)", virAdmConnectRegisterCloseCallback(c, NULL, NULL, NULL));
    show("RegisterCloseCallback", virAdmConnectRegisterCloseCallback(c, on_close, NULL, free_cb));
    show("RegisterCloseCallback(again)", virAdmConnectRegisterCloseCallback(c, other_cb, NULL, NULL));
    show("Unregister(other)", virAdmConnectUnregisterCloseCallback(c, other_cb));
    show("Unregister(NULL)", virAdmConnectUnregisterCloseCallback(c, NULL));
    show("Unregister", virAdmConnectUnregisterCloseCallback(c, on_close));
    printf("  freed=%d\n", freed);
    show("Unregister(again)", virAdmConnectUnregisterCloseCallback(c, on_close));

    /* a second connection, closed by the daemon on our request */
    nb = client_ids(s, before, 64);
    c2 = virAdmConnectOpen(NULL, 0);
    show("Open(default)", c2 != NULL);
    show("RegisterCloseCallback", virAdmConnectRegisterCloseCallback(c2, on_close, NULL, free_cb));
    na = client_ids(s, after, 64);
    for (i = 0; i < na; i++) {
        for (j = 0; j < nb && before[j] != after[i]; j++)
            ;
        if (j == nb)
            newid = after[i];
    }
    show("new client found", newid != 0);
    me = virAdmServerLookupClient(s, newid, 0);
    show("ClientClose(flags)", virAdmClientClose(me, 1));
    show("ClientClose", virAdmClientClose(me, 0));
    virAdmClientFree(me);
    usleep(200000);
    show("ListServers on closed", virAdmConnectListServers(c2, NULL, 0));
    show("IsAlive(closed)", virAdmConnectIsAlive(c2));
    show("ListServers again", virAdmConnectListServers(c2, NULL, 0));
    printf("  close callbacks=%d\n", closed_calls);
    show("Close(closed)", virAdmConnectClose(c2));
    printf("  freed=%d\n", freed);

    /* handles keep their connection */
    show("ServerFree", virAdmServerFree(s2));
    show("Close (server left)", virAdmConnectClose(c));
    show("server still usable", virAdmServerListClients(s, NULL, 0) > 0);
    show("ServerFree (last)", virAdmServerFree(s));
    return 0;
}
