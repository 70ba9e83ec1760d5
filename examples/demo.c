/* A short tour of the library through the C API, on the built-in test host. */
#include <stdio.h>
#include <stdlib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static const char *state_name(int s)
{
    static const char *names[] = { "no state", "running", "blocked", "paused",
                                   "shutting down", "shut off", "crashed", "suspended" };
    return s >= 0 && s < 8 ? names[s] : "?";
}

int main(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    if (!conn) {
        fprintf(stderr, "open failed: %s\n", virGetLastErrorMessage());
        return 1;
    }
    char *uri = virConnectGetURI(conn);
    virNodeInfo node;
    virNodeGetInfo(conn, &node);
    printf("connected to %s (driver %s), host: %u CPUs, %lu KiB\n",
           uri, virConnectGetType(conn), node.cpus, node.memory);
    free(uri);

    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    for (int i = 0; i < n; i++) {
        virDomainInfo info;
        virDomainGetInfo(doms[i], &info);
        printf("  domain %-8s id %d  %s, %hu vCPUs, %lu KiB\n", virDomainGetName(doms[i]),
               (int)virDomainGetID(doms[i]), state_name(info.state), info.nrVirtCpu, info.memory);
    }

    if (n > 0) {
        int state, reason;
        virDomainSuspend(doms[0]);
        virDomainGetState(doms[0], &state, &reason, 0);
        printf("after suspend: %s\n", state_name(state));
        virDomainResume(doms[0]);
        virDomainGetState(doms[0], &state, &reason, 0);
        printf("after resume:  %s\n", state_name(state));
    }
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);

    virSetErrorFunc(NULL, NULL);
    if (!virDomainLookupByName(conn, "missing"))
        printf("lookup of a missing domain fails as libvirt does: code %d, \"%s\"\n",
               virGetLastErrorCode(), virGetLastErrorMessage());
    printf("close -> %d remaining references\n", virConnectClose(conn));
    return 0;
}
