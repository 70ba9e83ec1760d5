//! libvirt-common.h: the virTypedParams* family (owned by the typed
//! parameters work; filled in there).
