"""Driver dispatch for the public functions that have no hand-written body.

A function whose C signature follows one of libvirt's usual calling
conventions gets a driver slot (in src/core/driver/api_table.rs, the
`ApiTable`) whose Rust signature is derived from the C one, and generated
glue in its shim that converts the arguments, calls the slot and hands the
result back the way libvirt's API does. Functions with other shapes (struct
out-parameters, callbacks, raw buffers, streams) keep hand-written bodies.
"""

import re

# scalar C types passed by value -> Rust type and the conversion from the C value
SCALARS = {
    "int": ("i32", "{}"),
    "unsigned int": ("u32", "{}"),
    "unsigned long": ("u64", "{} as u64"),
    "unsigned long long": ("u64", "{}"),
    "long long": ("i64", "{}"),
    "double": ("f64", "{}"),
    "size_t": ("usize", "{}"),
}

# single results written through a pointer: C pointee -> Rust type
SCALAR_OUTS = {
    "int *": ("i32", "c_int"),
    "unsigned int *": ("u32", "c_uint"),
    "unsigned long long *": ("u64", "c_ulonglong"),
    "long long *": ("i64", "c_longlong"),
    "unsigned long *": ("u64", "c_ulong"),
}

RETURNS = {
    "int": ("i32", "{}"),
    "unsigned long long": ("u64", "{}"),
    "long long": ("i64", "{}"),
    "unsigned long": ("u64", "{} as c_ulong"),
    "char *": ("String", "crate::capi::marshal::string_out({})?"),
}

# library-level functions and families served elsewhere (streams, events)
NOT_DISPATCHED = re.compile(r"^virStream|^virConnect\w*Event\w*[Rr]egister|^virEvent|^virAdm")
# shapes the generic conventions would misread; they keep hand-written bodies
HAND_WRITTEN = {
    "virDomainGetCPUStats",         # output array with an unsigned count
    "virNodeGetCellsFreeMemory",    # output array indexed by cell
    "virDomainGetVcpuPinInfo",      # output cpu maps
    "virDomainGetEmulatorPinInfo",  # output cpu map
    "virNodeGetCPUMap",             # allocated cpu map
    "virDomainGetSchedulerType",    # string result plus a count
    "virSecretGetValue",            # bytes result plus a size
    "virDomainGetJobStats",         # job type and allocated parameters
    "virConnectGetAllDomainStats",  # stats records
    "virDomainListGetStats",        # stats records
    # file descriptors and hypervisor-private calls: capi/api/descriptors.rs
    "virDomainOpenGraphicsFD",
    "virDomainOpenGraphics",
    "virDomainLxcOpenNamespace",
    "virDomainLxcEnterNamespace",
    "virDomainQemuAttach",
    "virDomainQemuMonitorCommand",
    "virDomainCreateXMLWithFiles",
    "virDomainCreateWithFiles",
    "virDomainFDAssociate",
    "virNetworkDHCPLease",
    "virNodeGetFreePages",          # two arrays sized by other arguments
    "virDomainMigrate",             # the result belongs to the destination
    "virDomainMigrate2",
    "virDomainMigrateToURI",        # checks against the driver's migration features
    "virDomainMigrateToURI2",
}


def snake(name):
    n = name[3:] if name.startswith("vir") else name
    n = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", n)
    n = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", n)
    return n.lower()


class Plan:
    def __init__(self, slot, args, ret, code):
        self.slot, self.args, self.ret, self.code = slot, args, ret, code


def plan(f, facts, handles, functypes):
    """The slot and glue for `f`, or None when it needs a hand-written body."""
    name = f["name"]
    if NOT_DISPATCHED.search(name) or name in HAND_WRITTEN or not f["args"]:
        return None
    first_n, first_t = f["args"][0]
    fbase = first_t.replace("Ptr", "").strip()
    if not first_t.endswith("Ptr") or fbase not in handles:
        return None
    first_cls = handles[fbase]
    nonnull = set((facts.get("nonnull_args") or {}).keys())
    slot_args = ["&Connect" if first_cls == "Connect" else f"&{first_cls}"]
    call = ["h.conn()" if first_cls == "Connect" else "h.obj()"]
    pre = []        # conversions before the call
    out = None      # (rust type, expression turning `v` into the C result)
    args = f["args"][1:]
    i = 0

    def arg(n):
        return {"type": "type_", "ref": "ref_", "fn": "fn_", "mod": "mod_", "in": "in_"}.get(n, n)

    while i < len(args):
        n, t = args[i]
        t = t.strip()
        nxt = args[i + 1] if i + 1 < len(args) else (None, None)
        a = arg(n)
        if t in functypes or t == "void *" or t == "const void *":
            return None
        if t in SCALARS:
            rt, conv = SCALARS[t]
            slot_args.append(rt)
            call.append(conv.format(a))
        elif t == "const char *" and name.endswith("LookupByUUIDString"):
            # parsed here, then served by the LookupByUUID slot
            pre.append(f"let {a}_u = crate::capi::marshal::uuid_text({a}, \"{n}\", \"{name}\")?;")
            slot_args.append("&Uuid")
            call.append(f"&{a}_u")
        elif t == "const char *":
            pre.append(f"let {a}_s = crate::capi::marshal::text({a});")
            if n in nonnull:
                slot_args.append("&str")
                call.append(f"{a}_s.as_deref().unwrap_or_default()")
            else:
                slot_args.append("Option<&str>")
                call.append(f"{a}_s.as_deref()")
        elif t == "const unsigned char *" and "uuid" in n.lower():
            pre.append(f"let {a}_u = crate::capi::marshal::uuid({a});")
            slot_args.append("&Uuid")
            call.append(f"&{a}_u")
        elif t in ("const unsigned char *", "unsigned char *") and nxt[1] in ("int", "size_t") \
                and "Get" not in name:
            cnt = arg(nxt[0])
            pre.append(f"let {a}_b: &[u8] = if {a}.is_null() || {cnt} <= 0 {{ &[] }} "
                       f"else {{ std::slice::from_raw_parts({a} as *const u8, {cnt} as usize) }};")
            slot_args.append("&[u8]")
            call.append(f"{a}_b")
            i += 1
        elif t == "unsigned int *" and nxt[1] == "int":
            cnt = arg(nxt[0])
            pre.append(f"let {a}_v: &[u32] = if {a}.is_null() || {cnt} <= 0 {{ &[] }} "
                       f"else {{ std::slice::from_raw_parts({a} as *const u32, {cnt} as usize) }};")
            slot_args.append("&[u32]")
            call.append(f"{a}_v")
            i += 1
        elif t == "const char **" and nxt[1] in ("int", "unsigned int"):
            cnt = arg(nxt[0])
            pre.append(f"let {a}_l = crate::capi::marshal::strings({a}, {cnt} as i64, \"{n}\", \"{name}\")?;")
            slot_args.append("&[String]")
            call.append(f"&{a}_l")
            i += 1
        elif t == "virTypedParameterPtr" and nxt[1] == "int":
            cnt = arg(nxt[0])
            pre.append(f"let {a}_p = crate::capi::marshal::params_in({a}, {cnt})?;")
            slot_args.append("&[TypedParam]")
            call.append(f"&{a}_p")
            i += 1
        elif t == "virTypedParameterPtr" and nxt[1] == "int *":
            if out:
                return None
            cnt = arg(nxt[0])
            out = ("Vec<TypedParam>", f"crate::capi::marshal::params_fill(v, {a}, {cnt}, \"{name}\")?")
            i += 1
        elif t == "virTypedParameterPtr *" and nxt[1] == "int *":
            if out:
                return None
            cnt = arg(nxt[0])
            out = ("Vec<TypedParam>", f"crate::capi::marshal::params_alloc(v, {a}, {cnt})?")
            i += 1
        elif t in ("char ** const", "char **") and nxt[1] == "int":
            if out:
                return None
            cnt = arg(nxt[0])
            out = ("Vec<String>", f"crate::capi::marshal::names_out(v, {a}, {cnt}, \"{name}\")?")
            i += 1
        elif t == "char ***":
            if out:
                return None
            out = ("Vec<String>", f"crate::capi::marshal::string_list_out(v, {a})?")
        elif t.endswith("Ptr **") and t[:-len("Ptr **")].strip() in handles:
            if out:
                return None
            cls = handles[t[:-len("Ptr **")].strip()]
            wrap = wrapper(first_cls, cls, first_n)
            if wrap is None:
                return None
            out = (f"Vec<{cls}>", f"crate::capi::marshal::objects_out(v, {a}, |o| {wrap})?")
        elif t in SCALAR_OUTS:
            if out:
                return None
            rt, ct = SCALAR_OUTS[t]
            out = (rt, f"crate::capi::marshal::scalar_out(v as {ct}, {a})?")
        elif t.endswith("Ptr") and t[:-3].strip() in handles:
            cls = handles[t[:-3].strip()]
            if n in nonnull:
                pre.append(f"let {a}_h = {cls}Handle::check({a})?;")
                slot_args.append(f"&{cls}")
                call.append(f"{a}_h.{'conn()' if cls == 'Connect' else 'obj()'}")
            else:
                pre.append(f"let {a}_h = if {a}.is_null() {{ None }} else {{ Some({cls}Handle::check({a})?) }};")
                slot_args.append(f"Option<&{cls}>")
                call.append(f"{a}_h.map(|x| x.{'conn()' if cls == 'Connect' else 'obj()'})")
        else:
            return None
        i += 1

    ret = f["ret"].strip()
    if out:
        if ret != "int":
            return None
        slot_ret, conv = out
    elif ret in RETURNS:
        slot_ret, conv0 = RETURNS[ret]
        conv = conv0.format("v")
    elif ret.endswith("Ptr") and ret[:-3].strip() in handles:
        slot_ret = handles[ret[:-3].strip()]
        wrap = wrapper(first_cls, slot_ret, first_n)
        if wrap is None:
            return None
        conv = wrap.replace("(o,", "(v,")
    else:
        return None
    slot = snake(name[:-len("String")] if name.endswith("LookupByUUIDString") else name)
    conn_expr = "h.conn()" if first_cls == "Connect" else "h.driver_conn()?"
    code = " ".join(pre) + f" let v = crate::driver_entry!({conn_expr}, api.{slot})({', '.join(call)})?; Ok({conv})"
    return Plan(slot, slot_args, f"Result<{slot_ret}>", code.strip())


def wrapper(first_cls, cls, first_n):
    """Expression making a new handle of class `cls` from object `o`."""
    conn = first_n if first_cls == "Connect" else "h.conn_handle()"
    if cls == "Connect":
        return None
    if cls in ("DomainSnapshot", "DomainCheckpoint"):
        if first_cls == "Domain":
            parent = f"Parent::Domain({first_n})"
        elif first_cls == cls:
            parent = "h.value.parent"
        else:
            return None
        return f"{cls}Handle::new_with_parent(o, {conn}, {parent})"
    if cls == "NetworkPort":
        if first_cls == "Network":
            parent = f"Parent::Network({first_n})"
        elif first_cls == cls:
            parent = "h.value.parent"
        else:
            return None
        return f"{cls}Handle::new_with_parent(o, {conn}, {parent})"
    return f"{cls}Handle::new_raw(o, {conn})"
