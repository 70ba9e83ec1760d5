"""Domain jobs, block jobs, guest vCPUs, security labels and block peeking,
on the test driver and through the daemon (remote driver), which serves
them with its own checks (peek size) and the daemon's errors."""
import os

from differential import *  # noqa: F401,F403

DAEMON_SOCK = "/run/libvirt/libvirt-sock"


def job_queries(libvirt, uri):
    if uri.startswith("test+unix") and not os.path.exists(DAEMON_SOCK):
        return "no daemon"
    quiet(libvirt)
    d = libvirt.open(uri).lookupByName("test")
    return {
        "jobInfo": call(d.jobInfo),
        "jobStats": call(d.jobStats, 0),
        "blockJobInfo": call(d.blockJobInfo, "vda", 0),
        "blockJobInfo-nodisk": call(d.blockJobInfo, "nope", 0),
        "securityLabelList": call(d.securityLabelList),
        "securityLabel": call(d.securityLabel),
        "blockPeek": call(d.blockPeek, "vda", 0, 16, 0),
        "blockPeek-too-large": call(d.blockPeek, "vda", 0, 5000000, 0),
        "blockPeek-empty": call(d.blockPeek, "vda", 0, 0, 0),
    }


@scenario
def domain_job_queries_test_driver(libvirt):
    return job_queries(libvirt, "test:///default")


@scenario
def domain_job_queries_remote(libvirt):
    return job_queries(libvirt, "test+unix:///default")
