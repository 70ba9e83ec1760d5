/* Behavioural tests of the libvirt C API on the test:///default driver.
 *
 * Built twice (against our headers and against the reference headers) and
 * run against both our library and the real libvirt: every assertion must
 * hold for real libvirt 9.0.0 too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static int checks, failures, quiet;

#define CHECK(cond) check_((cond), #cond, __LINE__)
static void check_(int ok, const char *what, int line)
{
    checks++;
    if (!ok) {
        failures++;
        if (!quiet)
            fprintf(stderr, "FAIL api_test.c:%d: %s\n", line, what);
    }
}

/* The last error must have this code and, if msg_part is set, mention it. */
#define CHECK_ERROR(code, msg_part) check_error_((code), (msg_part), __LINE__)
static void check_error_(int code, const char *msg_part, int line)
{
    virErrorPtr err = virGetLastError();
    char what[256];

    snprintf(what, sizeof(what), "last error has code %d (got %d: %s)", code,
             err ? err->code : -1, err && err->message ? err->message : "no error");
    check_(err && err->code == code, what, line);
    if (msg_part) {
        snprintf(what, sizeof(what), "error message mentions '%s'", msg_part);
        check_(err && err->message && strstr(err->message, msg_part), what, line);
    }
}

static int handler_calls;
static void count_errors(void *data, virErrorPtr err)
{
    (void)err;
    (*(int *)data)++;
}

static void test_connection(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    char *uri;

    CHECK(conn != NULL);
    if (!conn)
        return;
    CHECK(strcmp(virConnectGetType(conn), "TEST") == 0);
    uri = virConnectGetURI(conn);
    CHECK(uri && strcmp(uri, "test:///default") == 0);
    free(uri);
    CHECK(virConnectIsAlive(conn) == 1);
    CHECK(virConnectClose(conn) == 0);
}

static void test_domains(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom, other, *all = NULL;
    virDomainInfo info;
    char uuid[VIR_UUID_STRING_BUFLEN];
    int n, i, state = -1, reason = -1;

    if (!conn)
        return;
    dom = virDomainLookupByName(conn, "test");
    CHECK(dom != NULL);
    if (!dom)
        goto out;
    CHECK(strcmp(virDomainGetName(dom), "test") == 0);
    CHECK(virDomainGetID(dom) == 1);
    CHECK(virDomainGetUUIDString(dom, uuid) == 0);
    CHECK(strcmp(uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f") == 0);

    other = virDomainLookupByID(conn, 1);
    CHECK(other && strcmp(virDomainGetName(other), "test") == 0);
    if (other)
        virDomainFree(other);
    other = virDomainLookupByUUIDString(conn, uuid);
    CHECK(other && virDomainGetID(other) == 1);
    if (other)
        virDomainFree(other);
    CHECK(virDomainLookupByName(conn, "no-such-domain") == NULL);
    CHECK_ERROR(VIR_ERR_NO_DOMAIN, "Domain not found");
    CHECK(virDomainLookupByID(conn, 4242) == NULL);
    CHECK_ERROR(VIR_ERR_NO_DOMAIN, NULL);

    CHECK(virDomainGetInfo(dom, &info) == 0);
    CHECK(info.state == VIR_DOMAIN_RUNNING);
    CHECK(info.maxMem == 8388608 && info.memory == 2097152);
    CHECK(info.nrVirtCpu == 2);
    CHECK(virDomainIsActive(dom) == 1);
    CHECK(virDomainIsPersistent(dom) == 1);

    CHECK(virDomainSuspend(dom) == 0);
    CHECK(virDomainGetInfo(dom, &info) == 0 && info.state == VIR_DOMAIN_PAUSED);
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0);
    CHECK(state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_USER);
    CHECK(virDomainSuspend(dom) == -1);     /* the test driver says: not running */
    CHECK_ERROR(VIR_ERR_INTERNAL_ERROR, "not running");
    CHECK(virDomainResume(dom) == 0);
    CHECK(virDomainGetInfo(dom, &info) == 0 && info.state == VIR_DOMAIN_RUNNING);
    CHECK(virDomainResume(dom) == -1);
    CHECK_ERROR(VIR_ERR_INTERNAL_ERROR, "not paused");

    n = virConnectListAllDomains(conn, &all, 0);
    CHECK(n == 1);
    if (n == 1)
        CHECK(strcmp(virDomainGetName(all[0]), "test") == 0);
    for (i = 0; i < n; i++)
        virDomainFree(all[i]);
    free(all);
    CHECK(virConnectListAllDomains(conn, &all, VIR_CONNECT_LIST_DOMAINS_INACTIVE) == 0);
    free(all);
    CHECK(virConnectNumOfDomains(conn) == 1);
    /* a NULL array is refused only when its count is non-zero */
    CHECK(virConnectListDomains(conn, NULL, 0) == 0);
    CHECK(virConnectListDomains(conn, NULL, 1) == -1);
    CHECK_ERROR(VIR_ERR_INVALID_ARG, "ids in virConnectListDomains must not be NULL");

    virDomainFree(dom);
 out:
    virConnectClose(conn);
}

static void test_refcounts(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom;

    if (!conn)
        return;
    dom = virDomainLookupByName(conn, "test");
    CHECK(dom != NULL);
    CHECK(virConnectRef(conn) == 0);
    /* 1 while references remain (not the count), 0 once freed */
    CHECK(virConnectClose(conn) == 1);    /* our extra ref + the domain's */
    CHECK(virConnectClose(conn) == 1);    /* the domain still holds one */
    CHECK(dom && strcmp(virDomainGetName(dom), "test") == 0);
    CHECK(virDomainFree(dom) == 0);       /* drops the last connection ref */
}

static void test_handle_errors(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");

    CHECK(virDomainSuspend(NULL) == -1);
    CHECK_ERROR(VIR_ERR_INVALID_DOMAIN, "virDomainSuspend");
    CHECK(virGetLastErrorDomain() == VIR_FROM_DOM);
    CHECK(virConnectGetType(NULL) == NULL);
    CHECK_ERROR(VIR_ERR_INVALID_CONN, "virConnectGetType");
    CHECK(virConnectClose(NULL) == -1);
    CHECK_ERROR(VIR_ERR_INVALID_CONN, NULL);
    CHECK(virDomainFree(NULL) == -1);
    CHECK_ERROR(VIR_ERR_INVALID_DOMAIN, NULL);
    if (!conn)
        return;
    /* a live handle of the wrong class */
    CHECK(virDomainSuspend((virDomainPtr)conn) == -1);
    CHECK_ERROR(VIR_ERR_INVALID_DOMAIN, NULL);
    CHECK(virDomainGetName((virDomainPtr)conn) == NULL);
    CHECK_ERROR(VIR_ERR_INVALID_DOMAIN, NULL);
    /* missing mandatory argument */
    CHECK(virDomainLookupByName(conn, NULL) == NULL);
    CHECK_ERROR(VIR_ERR_INVALID_ARG, "name");
    virConnectClose(conn);
}

static void test_readonly(void)
{
    virConnectPtr conn = virConnectOpenReadOnly("test:///default");
    virDomainPtr dom;
    virDomainInfo info;

    CHECK(conn != NULL);
    if (!conn)
        return;
    dom = virDomainLookupByName(conn, "test");
    CHECK(dom != NULL);
    if (dom) {
        CHECK(virDomainGetInfo(dom, &info) == 0);   /* reading is fine */
        CHECK(virDomainSuspend(dom) == -1);
        CHECK_ERROR(VIR_ERR_OPERATION_DENIED, NULL);
        CHECK(virDomainGetInfo(dom, &info) == 0 && info.state == VIR_DOMAIN_RUNNING);
        virDomainFree(dom);
    }
    CHECK(virConnectClose(conn) == 0);
}

static void test_unsupported(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom = conn ? virDomainLookupByName(conn, "test") : NULL;

    CHECK(dom != NULL);
    if (dom) {
        CHECK(virDomainMigrateSetMaxDowntime(dom, 100, 0) == -1);
        CHECK_ERROR(VIR_ERR_NO_SUPPORT, "virDomainMigrateSetMaxDowntime");
        CHECK(virGetLastErrorDomain() == VIR_FROM_DOMAIN);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
}

static void test_error_api(void)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virError copy;
    virErrorPtr saved, connerr;
    int calls_before = handler_calls;

    if (!conn)
        return;
    virResetLastError();
    CHECK(virGetLastError() == NULL);
    CHECK(virGetLastErrorCode() == VIR_ERR_OK);

    CHECK(virDomainLookupByName(conn, "nope") == NULL);
    CHECK(handler_calls == calls_before + 1);
    CHECK_ERROR(VIR_ERR_NO_DOMAIN, "Domain not found");
    CHECK(virGetLastErrorCode() == VIR_ERR_NO_DOMAIN);
    CHECK(virGetLastErrorDomain() == VIR_FROM_TEST);
    CHECK(virGetLastError()->level == VIR_ERR_ERROR);

    memset(&copy, 0, sizeof(copy));
    CHECK(virCopyLastError(&copy) == VIR_ERR_NO_DOMAIN);
    CHECK(copy.code == VIR_ERR_NO_DOMAIN && copy.domain == VIR_FROM_TEST);
    CHECK(copy.message && strcmp(copy.message, virGetLastError()->message) == 0);
    CHECK(copy.message != virGetLastError()->message);    /* a deep copy */
    virResetError(&copy);
    CHECK(copy.code == VIR_ERR_OK && copy.message == NULL);

    saved = virSaveLastError();
    CHECK(saved && saved->code == VIR_ERR_NO_DOMAIN && saved != virGetLastError());

    connerr = virConnGetLastError(conn);
    CHECK(connerr && connerr->code == VIR_ERR_NO_DOMAIN);
    CHECK(virConnCopyLastError(conn, &copy) == VIR_ERR_NO_DOMAIN);
    virResetError(&copy);
    virConnResetLastError(conn);
    connerr = virConnGetLastError(conn);       /* the connection's slot, now cleared */
    CHECK(connerr && connerr->code == VIR_ERR_OK && connerr->message == NULL);

    /* a successful API call resets the thread's last error */
    CHECK(virConnectNumOfDomains(conn) == 1);
    CHECK(virGetLastError() == NULL);
    CHECK(virCopyLastError(&copy) == 0);
    /* the saved error survives */
    CHECK(saved && saved->code == VIR_ERR_NO_DOMAIN && saved->message != NULL);
    virFreeError(saved);

    CHECK(virDomainLookupByName(conn, "nope") == NULL);
    CHECK(handler_calls == calls_before + 2);
    virResetLastError();
    CHECK(virGetLastError() == NULL);
    CHECK(virGetLastErrorMessage() && strcmp(virGetLastErrorMessage(), "no error") == 0);
    CHECK(handler_calls == calls_before + 2);
    virConnectClose(conn);
}

static void test_error_func(void)
{
    int mine = 0;

    virSetErrorFunc(&mine, count_errors);
    CHECK(virDomainSuspend(NULL) == -1);
    CHECK(virConnectGetType(NULL) == NULL);
    CHECK(mine == 2);
    virSetErrorFunc(&handler_calls, count_errors);
}

/* --report-only: no per-assertion output and exit 0 (used under valgrind,
 * which judges memory only; the assertions are judged by the plain runs) */
int main(int argc, char **argv)
{
    int report_only = argc > 1 && strcmp(argv[1], "--report-only") == 0;

    quiet = report_only;
    virSetErrorFunc(&handler_calls, count_errors);   /* keep stderr quiet */
    CHECK(virInitialize() == 0);
    test_connection();
    test_domains();
    test_refcounts();
    test_handle_errors();
    test_readonly();
    test_unsupported();
    test_error_api();
    test_error_func();
    virResetLastError();
    printf("api_test: %d checks, %d failed\n", checks, failures);
    return failures && !report_only ? 1 : 0;
}
