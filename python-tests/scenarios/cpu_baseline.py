"""virConnectBaselineCPU of the test driver: x86 model choice over the CPU
map's feature bits, feature lists and policies, vendors, architectures,
flags and errors, POWER and ARM CPUs."""
from differential import *  # noqa: F401,F403

EXPAND = 1


def cpu(model, vendor="Intel", features=(), arch="x86_64", attrs=""):
    """A host <cpu> description; `features` are names or (name, policy)."""
    parts = [f"<cpu{attrs}><arch>{arch}</arch>"]
    if model is not None:
        parts.append(f"<model>{model}</model>")
    if vendor is not None:
        parts.append(f"<vendor>{vendor}</vendor>")
    for f in features:
        name, policy = (f, None) if isinstance(f, str) else f
        parts.append(f"<feature name='{name}'/>" if policy is None else f"<feature policy='{policy}' name='{name}'/>")
    parts.append("</cpu>")
    return "".join(parts)


def baselines(libvirt, *cases):
    """Each case is a list of CPU XMLs, or (list, flags)."""
    quiet(libvirt)
    c = libvirt.open(URI)
    out = []
    for case in cases:
        cpus, flags = case if isinstance(case, tuple) else (case, 0)
        out.append(call(c.baselineCPU, cpus, flags))
    return out


def pairs(libvirt, names, vendor=None, flags=0):
    return baselines(libvirt, *[([cpu(a, vendor), cpu(b, vendor)], flags) for a in names for b in names if a != b])


INTEL = ["Conroe", "Penryn", "Nehalem", "Westmere", "SandyBridge", "IvyBridge", "Haswell-noTSX", "Haswell",
         "Broadwell", "Skylake-Client", "Skylake-Server", "Cascadelake-Server", "Icelake-Server", "Cooperlake",
         "Snowridge"]
AMD = ["Opteron_G1", "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome",
       "EPYC-Milan"]
GENERIC = ["486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo", "qemu32",
           "kvm32", "qemu64", "kvm64", "athlon", "phenom"]


@scenario
def cpu_baseline_intel_pairs(libvirt):
    return pairs(libvirt, INTEL, "Intel")


@scenario
def cpu_baseline_amd_pairs(libvirt):
    return pairs(libvirt, AMD, "AMD")


@scenario
def cpu_baseline_generic_pairs(libvirt):
    return pairs(libvirt, GENERIC)


@scenario
def cpu_baseline_all_models_with_haswell(libvirt):
    quiet(libvirt)
    names = libvirt.open(URI).getCPUModelNames("x86_64", 0)
    return baselines(libvirt, *[[cpu("Haswell", None), cpu(m, None)] for m in names])


@scenario
def cpu_baseline_each_model_alone(libvirt):
    quiet(libvirt)
    names = libvirt.open(URI).getCPUModelNames("x86_64", 0)
    return baselines(libvirt, *[[cpu(m, None)] for m in names])


@scenario
def cpu_baseline_each_model_expanded(libvirt):
    quiet(libvirt)
    names = libvirt.open(URI).getCPUModelNames("x86_64", 0)
    return baselines(libvirt, *[([cpu(m, None)], EXPAND) for m in names])


@scenario
def cpu_baseline_mixed_vendors_without_vendor(libvirt):
    return pairs(libvirt, ["Haswell", "Skylake-Server", "Opteron_G4", "EPYC-Rome", "Dhyana", "kvm64"])


@scenario
def cpu_baseline_triples(libvirt):
    return baselines(libvirt,
                     [cpu("Haswell"), cpu("Nehalem"), cpu("SandyBridge")],
                     [cpu("Skylake-Server"), cpu("Cascadelake-Server"), cpu("Icelake-Server")],
                     [cpu("EPYC", "AMD"), cpu("Opteron_G5", "AMD"), cpu("EPYC-Milan", "AMD")],
                     [cpu("Haswell"), cpu("Haswell"), cpu("Haswell")],
                     [cpu("Haswell"), cpu("Haswell"), cpu("Broadwell")],
                     [cpu("kvm64", None), cpu("qemu64", None), cpu("Haswell", None)],
                     ([cpu("Haswell"), cpu("Nehalem"), cpu("SandyBridge")], EXPAND))


@scenario
def cpu_baseline_haswell_nehalem(libvirt):
    return baselines(libvirt, [cpu("Haswell"), cpu("Nehalem")], [cpu("Nehalem"), cpu("Haswell")],
                     ([cpu("Haswell"), cpu("Nehalem")], EXPAND), [cpu("Haswell", None), cpu("Nehalem")],
                     [cpu("Haswell"), cpu("Nehalem", None)])


@scenario
def cpu_baseline_extra_features(libvirt):
    return baselines(libvirt,
                     [cpu("Haswell", features=["svm"]), cpu("Haswell", features=["svm", "vmx"])],
                     ([cpu("Haswell", features=["svm"]), cpu("Haswell", features=["svm", "vmx"])], EXPAND),
                     [cpu("Nehalem", features=["aes"]), cpu("Haswell")],
                     [cpu("Nehalem", features=["aes", "pclmuldq", "avx"]), cpu("Haswell", features=["invtsc"])],
                     [cpu("Haswell", features=["invtsc", "xsaves", "vmx"])],
                     ([cpu("Haswell", features=["invtsc", "xsaves", "vmx"])], EXPAND),
                     [cpu("486", None, features=["sse", "sse2", "lm"])])


@scenario
def cpu_baseline_host_feature_policies_ignored(libvirt):
    return baselines(libvirt, *[[cpu("Haswell"), cpu("Nehalem", features=[("aes", p)])]
                                for p in ("require", "disable", "force", "forbid", "optional", "bogus", "")],
                     [cpu("Haswell", features=[("sse", "disable")])],
                     ([cpu("Nehalem", features=[("sse", "forbid"), ("vmx", "disable")])], EXPAND))


@scenario
def cpu_baseline_feature_errors(libvirt):
    return baselines(libvirt,
                     [cpu("Haswell", features=["bogus"])], [cpu("Haswell"), cpu("Nehalem", features=["bogus"])],
                     [cpu("Haswell", features=["sse3"])], [cpu("Haswell", features=["pclmulqdq"])],
                     [cpu("Haswell", features=["aes", "aes"])],
                     [cpu("Haswell", features=[("aes", "require"), ("aes", "disable")])],
                     ["<cpu><arch>x86_64</arch><model>Haswell</model><feature/></cpu>"],
                     ["<cpu><arch>x86_64</arch><model>Haswell</model><feature name=''/></cpu>"],
                     [cpu("Haswell", "Bogus", features=["bogus"])])


@scenario
def cpu_baseline_removed_features(libvirt):
    return baselines(libvirt, [cpu("Opteron_G3", "AMD")], [cpu("Opteron_G3", "AMD", features=["monitor"])],
                     ([cpu("Opteron_G3", "AMD")], EXPAND), [cpu("EPYC", "AMD"), cpu("Opteron_G3", "AMD")],
                     [cpu("phenom", "AMD"), cpu("Opteron_G3", "AMD", features=["monitor"])],
                     [cpu("Dhyana", "Hygon"), cpu("Dhyana", None)], ([cpu("Dhyana", "Hygon")], EXPAND))


@scenario
def cpu_baseline_models_not_for_guests(libvirt):
    return baselines(libvirt, [cpu("cpu64-rhel5", None)], [cpu("cpu64-rhel5", None), cpu("cpu64-rhel6", None)],
                     [cpu("Skylake-Client-noTSX-IBRS")], [cpu("Cascadelake-Server-noTSX")],
                     [cpu("Icelake-Server-noTSX"), cpu("Icelake-Client-noTSX")],
                     ([cpu("Skylake-Server-noTSX-IBRS")], EXPAND))


@scenario
def cpu_baseline_vendor_rules(libvirt):
    return baselines(libvirt,
                     [cpu("Haswell"), cpu("Opteron_G4", None)], [cpu("Haswell", None), cpu("Opteron_G4", None)],
                     [cpu("Haswell", "AMD"), cpu("Opteron_G4", None)], [cpu("Haswell"), cpu("Opteron_G4")],
                     [cpu("Haswell", "AMD")], [cpu("Haswell", "Hygon"), cpu("kvm64", None)],
                     [cpu("kvm64", "AMD"), cpu("Haswell")], [cpu("kvm64", "AMD"), cpu("qemu64", "Intel")],
                     [cpu("kvm64", None), cpu("qemu64", "Intel")], [cpu("kvm64", "Intel"), cpu("qemu64", None)])


@scenario
def cpu_baseline_vendor_errors(libvirt):
    return baselines(libvirt, [cpu("Haswell", "Bogus")], [cpu("Haswell"), cpu("Nehalem", "Bogus")],
                     [cpu("Haswell", None), cpu("Nehalem", "Bogus")], [cpu("kvm64", None), cpu("qemu64", "Bogus")],
                     [cpu("Haswell", None), cpu("kvm64", "Bogus")], [cpu("EPYC", "AMD"), cpu("Dhyana")],
                     [cpu("EPYC", None), cpu("Haswell", None), cpu("Dhyana", None)], [cpu("Bogus", "Bogus")],
                     [cpu("Haswell", "intel")])


@scenario
def cpu_baseline_hygon(libvirt):
    return baselines(libvirt, [cpu("Dhyana", "Hygon")], [cpu("Dhyana", "Hygon"), cpu("EPYC", None)],
                     [cpu("Dhyana", None), cpu("kvm64", None)], [cpu("Dhyana", "Hygon"), cpu("Dhyana", "Hygon")],
                     [cpu("kvm64", "Hygon"), cpu("qemu64", "Hygon")])


@scenario
def cpu_baseline_unknown_models(libvirt):
    return baselines(libvirt, [cpu("Bogus")], [cpu("Haswell"), cpu("Bogus")], [cpu("haswell")],
                     [cpu("Haswell"), cpu("POWER8")], [cpu("qemu64 ")], [cpu("")])


@scenario
def cpu_baseline_preferred_model(libvirt):
    return baselines(libvirt, [cpu("Haswell"), cpu("Haswell")], [cpu("486", None), cpu("486", None)],
                     [cpu("Broadwell"), cpu("Broadwell", features=["vmx"])],
                     [cpu("Skylake-Server", features=["avx512f"]), cpu("Skylake-Server")],
                     [cpu("qemu64", None), cpu("qemu64", None, features=["vmx"])])


@scenario
def cpu_baseline_host_mode_attributes(libvirt):
    return baselines(libvirt, [cpu("Haswell", attrs=" mode='host-model'")],
                     [cpu("Haswell", attrs=" mode='host-passthrough'")],
                     [cpu("Haswell", attrs=" mode='custom'")], [cpu("Haswell", attrs=" match='exact'")],
                     [cpu("Haswell", attrs=" match='bogus' check='full'")], [cpu("Haswell", attrs=" mode='bogus'")])


@scenario
def cpu_baseline_architectures(libvirt):
    return baselines(libvirt, [cpu("Haswell"), cpu("Nehalem", arch="i686")],
                     [cpu("Haswell", arch="i686"), cpu("Nehalem")], [cpu("Haswell", arch="i686")],
                     [cpu("Haswell"), cpu("POWER8", "IBM", arch="ppc64")],
                     [cpu("Haswell"), cpu("Nehalem", arch="bogus")], [cpu("Haswell", arch="mips")],
                     [cpu("Haswell", arch="s390x")], [cpu("Haswell", arch="")],
                     [cpu("Haswell", arch="aarch64"), cpu("Nehalem")])


@scenario
def cpu_baseline_ppc64(libvirt):
    return baselines(libvirt, [cpu("POWER8", "IBM", arch="ppc64"), cpu("POWER8", None, arch="ppc64")],
                     [cpu("POWER8", None, arch="ppc64"), cpu("POWER9", None, arch="ppc64")],
                     [cpu("POWER8", None, arch="ppc64le"), cpu("Haswell", None)],
                     [cpu("POWER8", "Intel", arch="ppc64")], [cpu("POWERPC_e5500", "IBM", arch="ppc64")],
                     [cpu("POWERPC_e6500", "Freescale", arch="ppc64")], [cpu("POWER11", None, arch="ppc64")],
                     [cpu("POWER9", None, arch="ppc64"), cpu("POWER9", "Bogus", arch="ppc64")],
                     ([cpu("POWER10", None, arch="ppc64le", features=["x"])], EXPAND))


@scenario
def cpu_baseline_arm(libvirt):
    return baselines(libvirt, [cpu("x", "Intel", arch="aarch64", features=["a"]), cpu("y", arch="armv7l")],
                     ([cpu("cortex-a57", None, arch="aarch64")], EXPAND), [cpu("z", None, arch="armv6l")],
                     [cpu("z", None, arch="armv7b"), cpu("Haswell")])


@scenario
def cpu_baseline_parse_errors(libvirt):
    return baselines(libvirt, [], ["<cpu/>"], ["<cpux/>"], ["<cpu"], [""], ["<cpu><model>Haswell</model></cpu>"],
                     ["<cpu><arch>x86_64</arch></cpu>"], [cpu(None), "<cpu"], [cpu(None), cpu("Haswell", arch="bogus")],
                     [cpu("Haswell"), "<cpu><arch>x86_64</arch><vendor>Intel</vendor></cpu>"],
                     ["<capabilities><host><cpu><arch>x86_64</arch><model>Haswell</model></cpu></host></capabilities>"],
                     ["<cpu><arch> x86_64</arch><model>Haswell</model></cpu>"], [cpu("Haswell", "Intel ")],
                     ["<cpu><arch>x86_64</arch><model>Haswell</model><vendor>Intel</vendor><vendor>AMD</vendor>"
                      "<model>Nehalem</model></cpu>"],
                     ["<cpu><arch>x86_64</arch><model>Haswell<b/>x</model></cpu>"],
                     ["<cpu><arch>x86_64</arch><model><![CDATA[Haswell]]></model></cpu>"],
                     ["<cpu><arch>x86_64</arch><model>Haswell</model><feature name='aes'><x/></feature></cpu>"])


@scenario
def cpu_baseline_flags(libvirt):
    return baselines(libvirt, ([cpu("Haswell")], 2), ([cpu("Haswell")], 3), ([cpu("Haswell")], 4),
                     ([cpu("Haswell"), cpu("Nehalem")], EXPAND), ([], EXPAND), ([cpu("Bogus")], EXPAND))


@scenario
def cpu_baseline_expand_mixed(libvirt):
    return baselines(libvirt, ([cpu("486", None), cpu("Haswell")], EXPAND),
                     ([cpu("Haswell", None), cpu("Opteron_G4", None)], EXPAND),
                     ([cpu("Opteron_G3", "AMD"), cpu("EPYC", "AMD")], EXPAND),
                     ([cpu("Snowridge"), cpu("Icelake-Client")], EXPAND))


@scenario
def cpu_baseline_long_feature_lists(libvirt):
    many = ["vmx", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "pku", "clwb", "pdpe1gb", "abm"]
    return baselines(libvirt, [cpu("Haswell", features=many), cpu("Skylake-Server", features=many[:6])],
                     [cpu("Nehalem", features=many), cpu("Nehalem", features=many)],
                     ([cpu("Nehalem", features=many), cpu("Westmere", features=many[3:])], EXPAND))


@scenario
def cpu_baseline_older_intel(libvirt):
    return pairs(libvirt, ["Conroe", "Penryn", "Nehalem-IBRS", "Westmere-IBRS", "SandyBridge-IBRS",
                           "IvyBridge-IBRS", "Haswell-IBRS", "Broadwell-IBRS", "Skylake-Client-IBRS"], None)


@scenario
def cpu_baseline_intel_expanded(libvirt):
    return pairs(libvirt, ["Nehalem", "SandyBridge", "Haswell", "Icelake-Client"], "Intel", EXPAND)


@scenario
def cpu_baseline_amd_expanded(libvirt):
    return pairs(libvirt, ["Opteron_G2", "Opteron_G5", "EPYC-Rome"], "AMD", EXPAND)


@scenario
def cpu_baseline_cross_vendor_generic(libvirt):
    return baselines(libvirt, *[[cpu(a, None), cpu(b, None)] for a in ("Haswell", "Snowridge", "Cooperlake")
                                for b in ("EPYC-Milan", "Opteron_G1", "athlon", "phenom", "Dhyana")])


@scenario
def cpu_baseline_read_only(libvirt):
    quiet(libvirt)
    c = libvirt.openReadOnly(URI)
    return [call(c.baselineCPU, [cpu("Haswell"), cpu("Nehalem")], 0),
            call(c.baselineCPU, [cpu("Haswell"), cpu("Nehalem")], EXPAND)]


FEATURES = ["vme", "ss", "ht", "tm", "pbe", "pclmuldq", "dtes64", "monitor", "vmx", "est", "ssse3", "fma", "cx16",
            "pdcm", "pcid", "x2apic", "movbe", "popcnt", "aes", "xsave", "avx", "f16c", "rdrand", "hypervisor",
            "fsgsbase", "bmi1", "hle", "avx2", "smep", "bmi2", "erms", "invpcid", "rtm", "mpx", "avx512f", "rdseed",
            "adx", "smap", "clflushopt", "clwb", "sha-ni", "pku", "umip", "md-clear", "spec-ctrl", "ssbd", "xsaveopt",
            "xsavec", "lahf_lm", "svm", "abm", "sse4a", "3dnowprefetch", "xop", "fma4", "tbm", "pdpe1gb", "rdtscp",
            "invtsc", "arch-capabilities", "rdctl-no", "ibpb", "virt-ssbd", "amd-ssbd", "npt", "nrip-save"]


@scenario
def cpu_baseline_seeded_mix(libvirt):
    """1 to 4 CPUs of random models, architectures and feature lists."""
    import random
    quiet(libvirt)
    names = libvirt.open(URI).getCPUModelNames("x86_64", 0)
    rnd = random.Random(20260127)

    def one():
        return cpu(rnd.choice(names), rnd.choice([None, None, None, "Intel", "AMD"]),
                   rnd.sample(FEATURES, rnd.choice([0, 1, 3, 8, 20])), rnd.choice(["x86_64", "i686"]))
    return baselines(libvirt, *[([one() for _ in range(rnd.choice([1, 2, 2, 3, 4]))], rnd.choice([0, 0, EXPAND]))
                                for _ in range(400)])


@scenario
def cpu_baseline_host_topology(libvirt):
    def topo(attrs, extra=""):
        return f"<cpu><arch>x86_64</arch><model>Haswell</model><topology {attrs}/>{extra}</cpu>"
    return baselines(libvirt, *[[topo(a)] for a in (
        "sockets='1'", "sockets='1' cores='2' threads='1'", "sockets='0' dies='1' cores='2' threads='1'",
        "sockets='-1' cores='2' threads='1'", "dies='x' sockets='1' cores='2' threads='1'", "",
        "sockets='+1' cores=' 2' threads='1'", "sockets='1 ' cores='1' threads='1'",
        "sockets='0x1' cores='1' threads='1'", "sockets='4294967296' cores='1' threads='1'",
        "sockets='2' dies='0' cores='1' threads='1'", "sockets='2' cores='1' threads='0'")],
                     [topo("sockets='1' cores='2' threads='x'", "<feature/>")],
                     [topo("sockets='1' cores='2' threads='1'", "<topology sockets='x'/>")],
                     ["<cpu><topology sockets='x'/></cpu>"], ["<cpu><arch>x86_64</arch><topology sockets='x'/></cpu>"])
