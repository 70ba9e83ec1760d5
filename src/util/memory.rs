//! Memory advice for large, randomly accessed tables.

/// The size of a transparent huge page on x86-64 and most other hosts.
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the whole buffer of `v` (its capacity, not only
/// its length) with transparent huge pages, where the host enables them
/// on request. A random access into a table of many megabytes then costs
/// a cache miss but rarely a TLB miss. Only the huge-page-aligned part of
/// the buffer is advised; nothing changes in its contents.
pub fn advise_huge_pages<T>(v: &Vec<T>) {
    let start = v.as_ptr() as usize;
    let end = start + v.capacity() * std::mem::size_of::<T>();
    let (from, to) = (start.next_multiple_of(HUGE_PAGE), end / HUGE_PAGE * HUGE_PAGE);
    if to > from {
        // SAFETY: the range lies inside a buffer this process owns; the
        // advice only changes how the kernel backs it, never its contents.
        unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) };
    }
}
