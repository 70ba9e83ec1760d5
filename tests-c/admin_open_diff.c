/* libvirt-admin's library-level calls and the URI handling of
 * virAdmConnectOpen (daemon names, paths, parameters, sockets), printed
 * with the errors they raise; c_diff.sh compares the output with libvirt's. */
#include <stdio.h>
#include <libvirt/libvirt-admin.h>
#include <libvirt/virterror.h>

static void show(const char *what, int failed)
{
    virErrorPtr e = virGetLastError();
    printf("%-40s %s code=%d domain=%d msg=[%s]\n", what, failed ? "FAIL" : "ok",
           e ? e->code : 0, e ? e->domain : 0, e && e->message ? e->message : "");
}

int main(void)
{
    static const char *uris[] = {
        /* no daemon socket may exist at these paths (the protocol on a
         * live admin socket is not spoken yet) */
        "libvirtd:///session", "libvirtd:///foo", "libvirtd:///",
        "libvirtd://host/system?socket=/nonexistent/sock", "virtqemud:///session",
        "virtfood:///system", "libvirt:///system", "LIBVIRTD:///system", "bogus:///x",
        "libvirtd+unix:///system", "virtqemud:///system?mode=legacy",
        "virtqemud:///embed?root=/tmp", "libvirtd:///system?socket=/nonexistent/sock",
    };
    unsigned long long v = 0;
    size_t i;

    show("virAdmGetVersion", virAdmGetVersion(&v) < 0);
    printf("version %llu\n", v);
    show("virAdmGetVersion(NULL)", virAdmGetVersion(NULL) < 0);
    show("virAdmInitialize", virAdmInitialize() < 0);
    for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        virAdmConnectPtr c = virAdmConnectOpen(uris[i], 0);
        show(uris[i], c == NULL);
        if (c)
            virAdmConnectClose(c);
    }
    return 0;
}
