/*
 * typed_params_diff.c: exercises the virTypedParams* family with good and
 * bad input and prints every result, the array state and the thread's last
 * error. Built once against the real libvirt and once against virt-rs; the
 * two outputs must be identical (see typed_params_diff.sh).
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
show_error(const char *what, int ret)
{
    virErrorPtr e = virGetLastError();
    printf("%-44s ret=%d", what, ret);
    if (!e) {
        printf(" err=none\n");
        return;
    }
    printf(" err=code:%d dom:%d level:%d msg:[%s] str1:[%s] str2:[%s] str3:[%s] int1:%d int2:%d\n",
           e->code, e->domain, e->level, e->message ? e->message : "(null)",
           e->str1 ? e->str1 : "(null)", e->str2 ? e->str2 : "(null)",
           e->str3 ? e->str3 : "(null)", e->int1, e->int2);
}

static void
dump(const char *what, virTypedParameterPtr p, int n, int max)
{
    int i;
    printf("  %s: nparams=%d maxparams=%d\n", what, n, max);
    for (i = 0; i < n; i++) {
        printf("    [%d] %s type=%d ", i, p[i].field, p[i].type);
        switch (p[i].type) {
        case VIR_TYPED_PARAM_INT: printf("i=%d\n", p[i].value.i); break;
        case VIR_TYPED_PARAM_UINT: printf("ui=%u\n", p[i].value.ui); break;
        case VIR_TYPED_PARAM_LLONG: printf("l=%lld\n", p[i].value.l); break;
        case VIR_TYPED_PARAM_ULLONG: printf("ul=%llu\n", p[i].value.ul); break;
        case VIR_TYPED_PARAM_DOUBLE: printf("d=%.17g\n", p[i].value.d); break;
        case VIR_TYPED_PARAM_BOOLEAN: printf("b=%d\n", p[i].value.b); break;
        case VIR_TYPED_PARAM_STRING:
            printf("s=%s\n", p[i].value.s ? p[i].value.s : "(NULL)"); break;
        default: printf("?\n");
        }
    }
}

/* Sets a well-known error so that we can see which calls reset it. */
static void
make_error(void)
{
    virTypedParameter p;
    long long l;
    memset(&p, 0, sizeof(p));
    strcpy(p.field, "x");
    p.type = VIR_TYPED_PARAM_INT;
    virTypedParamsGetLLong(&p, 1, "x", &l);
}

static char *
repeat(char c, int n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void
test_add_growth(void)
{
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0, ret, i;
    char name[32];

    printf("== growth\n");
    for (i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "p%d", i);
        ret = virTypedParamsAddInt(&p, &n, &max, name, i * 7 - 30);
        printf("  add %s ret=%d n=%d max=%d\n", name, ret, n, max);
    }
    virTypedParamsFree(p, n);

    /* caller-preallocated array with spare room */
    p = calloc(3, sizeof(*p));
    n = 0;
    max = 3;
    for (i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "q%d", i);
        ret = virTypedParamsAddUInt(&p, &n, &max, name, i);
        printf("  add %s ret=%d n=%d max=%d\n", name, ret, n, max);
    }
    virTypedParamsFree(p, n);

    /* nparams larger than maxparams (caller's bookkeeping is off) */
    p = calloc(4, sizeof(*p));
    n = 4;
    max = 0;
    ret = virTypedParamsAddInt(&p, &n, &max, "r", 1);
    printf("  add r ret=%d n=%d max=%d\n", ret, n, max);
    virTypedParamsFree(p, n);
}

static void
test_add_all(void)
{
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0, ret;
    char *long79 = repeat('a', 79), *long80 = repeat('b', 80), *long200 = repeat('c', 200);
    const char *list[] = { "one", "two", "three", NULL };
    const char *empty[] = { NULL };

    printf("== add\n");
    ret = virTypedParamsAddInt(&p, &n, &max, "int", -42);
    show_error("AddInt", ret);
    ret = virTypedParamsAddUInt(&p, &n, &max, "uint", 4000000000u);
    show_error("AddUInt", ret);
    ret = virTypedParamsAddLLong(&p, &n, &max, "llong", -9000000000000000000LL);
    show_error("AddLLong", ret);
    ret = virTypedParamsAddULLong(&p, &n, &max, "ullong", 18000000000000000000ULL);
    show_error("AddULLong", ret);
    ret = virTypedParamsAddDouble(&p, &n, &max, "double", 3.25);
    show_error("AddDouble", ret);
    ret = virTypedParamsAddBoolean(&p, &n, &max, "bool", 1);
    show_error("AddBoolean(1)", ret);
    ret = virTypedParamsAddBoolean(&p, &n, &max, "bool2", 7);
    show_error("AddBoolean(7)", ret);
    ret = virTypedParamsAddBoolean(&p, &n, &max, "bool3", 0);
    show_error("AddBoolean(0)", ret);
    ret = virTypedParamsAddBoolean(&p, &n, &max, "bool4", 256);
    show_error("AddBoolean(256)", ret);
    ret = virTypedParamsAddString(&p, &n, &max, "string", "hello world");
    show_error("AddString", ret);
    ret = virTypedParamsAddString(&p, &n, &max, "nullstr", NULL);
    show_error("AddString(NULL value)", ret);
    ret = virTypedParamsAddString(&p, &n, &max, "emptystr", "");
    show_error("AddString(empty)", ret);
    ret = virTypedParamsAddInt(&p, &n, &max, "int", 99);
    show_error("AddInt duplicate", ret);
    ret = virTypedParamsAddString(&p, &n, &max, "string", "again");
    show_error("AddString duplicate", ret);
    ret = virTypedParamsAddInt(&p, &n, &max, long79, 79);
    show_error("AddInt name 79 chars", ret);
    dump("after good adds", p, n, max);

    ret = virTypedParamsAddInt(&p, &n, &max, long80, 80);
    show_error("AddInt name 80 chars", ret);
    printf("  slot after failure: field=%s\n", p[n].field);
    ret = virTypedParamsAddUInt(&p, &n, &max, long200, 1);
    show_error("AddUInt name 200 chars", ret);
    ret = virTypedParamsAddLLong(&p, &n, &max, long200, 1);
    show_error("AddLLong name 200 chars", ret);
    ret = virTypedParamsAddULLong(&p, &n, &max, long200, 1);
    show_error("AddULLong name 200 chars", ret);
    ret = virTypedParamsAddDouble(&p, &n, &max, long200, 1);
    show_error("AddDouble name 200 chars", ret);
    ret = virTypedParamsAddBoolean(&p, &n, &max, long200, 1);
    show_error("AddBoolean name 200 chars", ret);
    ret = virTypedParamsAddString(&p, &n, &max, long200, "x");
    show_error("AddString name 200 chars", ret);
    ret = virTypedParamsAddFromString(&p, &n, &max, long200, VIR_TYPED_PARAM_INT, "1");
    show_error("AddFromString name 200 chars", ret);
    ret = virTypedParamsAddStringList(&p, &n, &max, long200, list);
    show_error("AddStringList name 200 chars", ret);
    dump("after failed adds", p, n, max);

    printf("== string list\n");
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", list);
    show_error("AddStringList 3", ret);
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", NULL);
    show_error("AddStringList NULL", ret);
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", empty);
    show_error("AddStringList empty", ret);
    make_error();
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", NULL);
    show_error("AddStringList NULL after error", ret);
    make_error();
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", empty);
    show_error("AddStringList empty after error", ret);
    make_error();
    ret = virTypedParamsAddStringList(&p, &n, &max, "list", list);
    show_error("AddStringList 3 after error", ret);
    dump("after lists", p, n, max);

    virTypedParamsFree(p, n);
    free(long79);
    free(long80);
    free(long200);
}

static void
test_from_string(void)
{
    static const struct { int type; const char *val; } cases[] = {
        { VIR_TYPED_PARAM_INT, "123" }, { VIR_TYPED_PARAM_INT, "-123" },
        { VIR_TYPED_PARAM_INT, " 12" }, { VIR_TYPED_PARAM_INT, "12 " },
        { VIR_TYPED_PARAM_INT, "+5" }, { VIR_TYPED_PARAM_INT, "" },
        { VIR_TYPED_PARAM_INT, "0x10" }, { VIR_TYPED_PARAM_INT, "010" },
        { VIR_TYPED_PARAM_INT, "2147483647" }, { VIR_TYPED_PARAM_INT, "2147483648" },
        { VIR_TYPED_PARAM_INT, "-2147483648" }, { VIR_TYPED_PARAM_INT, "-2147483649" },
        { VIR_TYPED_PARAM_INT, "abc" }, { VIR_TYPED_PARAM_INT, "1.5" },
        { VIR_TYPED_PARAM_UINT, "4294967295" }, { VIR_TYPED_PARAM_UINT, "4294967296" },
        { VIR_TYPED_PARAM_UINT, "-1" }, { VIR_TYPED_PARAM_UINT, "-4294967295" },
        { VIR_TYPED_PARAM_UINT, "-4294967296" }, { VIR_TYPED_PARAM_UINT, " -2" },
        { VIR_TYPED_PARAM_UINT, "x" }, { VIR_TYPED_PARAM_UINT, "7" },
        { VIR_TYPED_PARAM_LLONG, "9223372036854775807" },
        { VIR_TYPED_PARAM_LLONG, "9223372036854775808" },
        { VIR_TYPED_PARAM_LLONG, "-9223372036854775808" },
        { VIR_TYPED_PARAM_LLONG, "-9223372036854775809" },
        { VIR_TYPED_PARAM_LLONG, "1k" }, { VIR_TYPED_PARAM_LLONG, "\t-77" },
        { VIR_TYPED_PARAM_ULLONG, "18446744073709551615" },
        { VIR_TYPED_PARAM_ULLONG, "18446744073709551616" },
        { VIR_TYPED_PARAM_ULLONG, "-1" }, { VIR_TYPED_PARAM_ULLONG, "-18446744073709551615" },
        { VIR_TYPED_PARAM_ULLONG, "-18446744073709551616" },
        { VIR_TYPED_PARAM_ULLONG, "12" }, { VIR_TYPED_PARAM_ULLONG, "" },
        { VIR_TYPED_PARAM_DOUBLE, "1.5" }, { VIR_TYPED_PARAM_DOUBLE, "-2e10" },
        { VIR_TYPED_PARAM_DOUBLE, "1e400" }, { VIR_TYPED_PARAM_DOUBLE, "1e-400" },
        { VIR_TYPED_PARAM_DOUBLE, "0x1p4" }, { VIR_TYPED_PARAM_DOUBLE, " 3" },
        { VIR_TYPED_PARAM_DOUBLE, "3 " }, { VIR_TYPED_PARAM_DOUBLE, "abc" },
        { VIR_TYPED_PARAM_DOUBLE, "" }, { VIR_TYPED_PARAM_DOUBLE, "inf" },
        { VIR_TYPED_PARAM_DOUBLE, "-Infinity" }, { VIR_TYPED_PARAM_DOUBLE, "nan" },
        { VIR_TYPED_PARAM_DOUBLE, "1,5" }, { VIR_TYPED_PARAM_DOUBLE, ".5" },
        { VIR_TYPED_PARAM_BOOLEAN, "true" }, { VIR_TYPED_PARAM_BOOLEAN, "TRUE" },
        { VIR_TYPED_PARAM_BOOLEAN, "TrUe" }, { VIR_TYPED_PARAM_BOOLEAN, "false" },
        { VIR_TYPED_PARAM_BOOLEAN, "FALSE" }, { VIR_TYPED_PARAM_BOOLEAN, "1" },
        { VIR_TYPED_PARAM_BOOLEAN, "0" }, { VIR_TYPED_PARAM_BOOLEAN, "yes" },
        { VIR_TYPED_PARAM_BOOLEAN, "2" }, { VIR_TYPED_PARAM_BOOLEAN, " true" },
        { VIR_TYPED_PARAM_BOOLEAN, "" },
        { VIR_TYPED_PARAM_STRING, "some text" }, { VIR_TYPED_PARAM_STRING, "" },
        { 0, "1" }, { 7, "1" }, { 99, "1" }, { -1, "1" },
        { VIR_TYPED_PARAM_INT, NULL }, { VIR_TYPED_PARAM_STRING, NULL },
        { 99, NULL },
    };
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0, ret;
    size_t i;
    char label[128];

    printf("== from string\n");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%zu", i);
        ret = virTypedParamsAddFromString(&p, &n, &max, name, cases[i].type, cases[i].val);
        snprintf(label, sizeof(label), "FromString t=%d [%s]", cases[i].type,
                 cases[i].val ? cases[i].val : "NULL");
        show_error(label, ret);
        if (ret < 0)
            printf("  slot after failure: field=%s\n", p[n].field);
    }
    dump("from string", p, n, max);
    virTypedParamsFree(p, n);
}

static void
test_get(void)
{
    virTypedParameterPtr p = NULL, got;
    int n = 0, max = 0, ret;
    int iv = -1;
    unsigned int uv = 1;
    long long lv = -1;
    unsigned long long ulv = 1;
    double dv = -1;
    int bv = -1;
    const char *sv = "unset";
    char *long200 = repeat('c', 200);
    static const char *names[] = { "int", "uint", "llong", "ullong", "double", "bool", "string", "missing", NULL };
    size_t i;
    char label[128];

    printf("== get\n");
    virTypedParamsAddInt(&p, &n, &max, "int", -5);
    virTypedParamsAddUInt(&p, &n, &max, "uint", 5);
    virTypedParamsAddLLong(&p, &n, &max, "llong", -5000000000LL);
    virTypedParamsAddULLong(&p, &n, &max, "ullong", 5000000000ULL);
    virTypedParamsAddDouble(&p, &n, &max, "double", 0.5);
    virTypedParamsAddBoolean(&p, &n, &max, "bool", 1);
    virTypedParamsAddString(&p, &n, &max, "string", "str");
    virTypedParamsAddInt(&p, &n, &max, "int", 1234);
    virTypedParamsAddInt(&p, &n, &max, "tail", 1);

    for (i = 0; names[i]; i++) {
        const char *nm = names[i];
        iv = -1; uv = 1; lv = -1; ulv = 1; dv = -1; bv = -1; sv = "unset";
        snprintf(label, sizeof(label), "GetInt %s", nm);
        ret = virTypedParamsGetInt(p, n, nm, &iv);
        show_error(label, ret);
        printf("  value=%d\n", iv);
        snprintf(label, sizeof(label), "GetUInt %s", nm);
        ret = virTypedParamsGetUInt(p, n, nm, &uv);
        show_error(label, ret);
        printf("  value=%u\n", uv);
        snprintf(label, sizeof(label), "GetLLong %s", nm);
        ret = virTypedParamsGetLLong(p, n, nm, &lv);
        show_error(label, ret);
        printf("  value=%lld\n", lv);
        snprintf(label, sizeof(label), "GetULLong %s", nm);
        ret = virTypedParamsGetULLong(p, n, nm, &ulv);
        show_error(label, ret);
        printf("  value=%llu\n", ulv);
        snprintf(label, sizeof(label), "GetDouble %s", nm);
        ret = virTypedParamsGetDouble(p, n, nm, &dv);
        show_error(label, ret);
        printf("  value=%g\n", dv);
        snprintf(label, sizeof(label), "GetBoolean %s", nm);
        ret = virTypedParamsGetBoolean(p, n, nm, &bv);
        show_error(label, ret);
        printf("  value=%d\n", bv);
        snprintf(label, sizeof(label), "GetString %s", nm);
        ret = virTypedParamsGetString(p, n, nm, &sv);
        show_error(label, ret);
        printf("  value=%s\n", sv ? sv : "(NULL)");
        got = virTypedParamsGet(p, n, nm);
        snprintf(label, sizeof(label), "Get %s", nm);
        show_error(label, got ? (int)(got - p) : -1);
    }

    printf("== get edge cases\n");
    ret = virTypedParamsGetInt(p, n, "int", NULL);
    show_error("GetInt value NULL", ret);
    ret = virTypedParamsGetString(p, n, "string", NULL);
    show_error("GetString value NULL", ret);
    ret = virTypedParamsGetInt(p, n, "uint", NULL);
    show_error("GetInt mismatch value NULL", ret);
    iv = -1;
    ret = virTypedParamsGetInt(NULL, n, "int", &iv);
    show_error("GetInt params NULL", ret);
    ret = virTypedParamsGetInt(NULL, 0, "int", &iv);
    show_error("GetInt params NULL n=0", ret);
    ret = virTypedParamsGetInt(p, n, NULL, &iv);
    show_error("GetInt name NULL", ret);
    ret = virTypedParamsGetInt(p, 0, "int", &iv);
    show_error("GetInt nparams 0", ret);
    ret = virTypedParamsGetInt(p, 8, "tail", &iv);
    show_error("GetInt nparams short (tail)", ret);
    ret = virTypedParamsGetInt(p, 9, "tail", &iv);
    show_error("GetInt nparams full (tail)", ret);
    ret = virTypedParamsGetInt(p, n, long200, &iv);
    show_error("GetInt name 200 chars", ret);
    ret = virTypedParamsGetInt(p, n, "", &iv);
    show_error("GetInt empty name", ret);
    ret = virTypedParamsGetInt(p, n, "INT", &iv);
    show_error("GetInt case differs", ret);
    got = virTypedParamsGet(NULL, 3, "int");
    show_error("Get params NULL", got ? 1 : 0);
    got = virTypedParamsGet(p, n, NULL);
    show_error("Get name NULL", got ? 1 : 0);

    printf("== odd stored values\n");
    p[5].value.b = 5;
    bv = -1;
    ret = virTypedParamsGetBoolean(p, n, "bool", &bv);
    show_error("GetBoolean raw 5", ret);
    printf("  value=%d\n", bv);
    p[8].type = 42;
    ret = virTypedParamsGetInt(p, n, "tail", &iv);
    show_error("GetInt on type 42", ret);
    p[8].type = 0;
    ret = virTypedParamsGetInt(p, n, "tail", &iv);
    show_error("GetInt on type 0", ret);
    p[8].type = VIR_TYPED_PARAM_INT;

    printf("== error persistence\n");
    make_error();
    show_error("make_error", -1);
    make_error();
    got = virTypedParamsGet(p, n, "int");
    show_error("Get found after error", got ? 1 : 0);
    make_error();
    got = virTypedParamsGet(p, n, "missing");
    show_error("Get missing after error", got ? 1 : 0);
    make_error();
    ret = virTypedParamsGetInt(p, n, "missing", &iv);
    show_error("GetInt missing after error", ret);
    make_error();
    ret = virTypedParamsGetInt(p, n, "int", &iv);
    show_error("GetInt found after error", ret);
    make_error();
    virTypedParamsClear(NULL, 0);
    show_error("Clear(NULL) after error", 0);
    make_error();
    virTypedParamsFree(NULL, 0);
    show_error("Free(NULL) after error", 0);
    make_error();
    ret = virTypedParamsAddInt(&p, &n, &max, "late", 1);
    show_error("AddInt after error", ret);

    printf("== clear\n");
    make_error();
    virTypedParamsClear(p, n);
    show_error("Clear after error", 0);
    printf("  string slot after clear: %s type=%d field=%s\n",
           p[6].value.s ? "non-NULL" : "NULL", p[6].type, p[6].field);
    printf("  int slot after clear: %d type=%d field=%s\n",
           p[0].value.i, p[0].type, p[0].field);
    virTypedParamsClear(p, n);
    show_error("Clear twice", 0);
    make_error();
    virTypedParamsFree(p, n);
    show_error("Free after error", 0);
    virTypedParamsFree(NULL, 5);
    show_error("Free(NULL, 5)", 0);
    free(long200);
}

/* Cases libvirt does not guard against: run them in a child so that a
 * crash only prints "crashed". */
static void
test_risky(void)
{
    static const char *what[] = { "AddInt name NULL", "AddString name NULL" };
    size_t i;

    printf("== risky\n");
    fflush(stdout);
    for (i = 0; i < 2; i++) {
        pid_t pid = fork();
        int st;
        if (pid == 0) {
            virTypedParameterPtr p = NULL;
            int n = 0, max = 0, ret;
            freopen("/dev/null", "w", stderr);
            if (i == 0)
                ret = virTypedParamsAddInt(&p, &n, &max, NULL, 3);
            else
                ret = virTypedParamsAddString(&p, &n, &max, NULL, "v");
            show_error(what[i], ret);
            dump(what[i], p, n, max);
            fflush(stdout);
            _exit(0);
        }
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st))
            printf("%s crashed\n", what[i]);
    }
}

int
main(void)
{
    /* libvirt's typed-parameter helpers use the thread-local error
     * storage without initialising the library themselves. */
    if (virInitialize() < 0)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_add_growth();
    test_add_all();
    test_from_string();
    test_get();
    test_risky();
    return 0;
}
