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

/// From this many elements on, [`reserve_one`] and [`filled`] put a table
/// on huge pages.
pub const HUGE_FROM: usize = 1 << 15;

/// Makes room for one more element in `v`. A full table of at least
/// [`HUGE_FROM`] elements moves to a buffer twice as large that is advised
/// before anything is written to it (pages touched before the advice keep
/// their small size).
pub fn reserve_one<T>(v: &mut Vec<T>) {
    if v.len() < v.capacity() || v.len() < HUGE_FROM {
        return;
    }
    let mut bigger = Vec::with_capacity(v.capacity() * 2);
    advise_huge_pages(&bigger);
    bigger.append(v);
    *v = bigger;
}

/// A table of `n` copies of `x` in a buffer of its own, and the index in
/// it where the table starts. From [`HUGE_FROM`] elements on, the buffer
/// has room for one more huge page and the table starts on a huge page
/// boundary, so that all of it is backed by huge pages.
pub fn filled<T: Clone>(n: usize, x: T) -> (Vec<T>, usize) {
    let size = std::mem::size_of::<T>().max(1);
    if n < HUGE_FROM || !HUGE_PAGE.is_multiple_of(size) {
        return (vec![x; n], 0);
    }
    let mut v = Vec::with_capacity(n + HUGE_PAGE / size);
    advise_huge_pages(&v);
    let start = v.as_ptr() as usize;
    let skip = (start.next_multiple_of(HUGE_PAGE) - start) / size;
    v.resize(skip + n, x);
    (v, skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_tables_start_on_a_huge_page() {
        let (v, skip) = filled(HUGE_FROM * 2, 7u64);
        assert_eq!(v.len() - skip, HUGE_FROM * 2);
        assert_eq!((v.as_ptr() as usize + skip * 8) % HUGE_PAGE, 0);
        assert!(v.iter().all(|x| *x == 7));
        let (small, skip) = filled(10, 1u8);
        assert_eq!((small.len(), skip), (10, 0));
    }

    #[test]
    fn growing_past_the_threshold_keeps_the_elements() {
        let mut v: Vec<usize> = Vec::new();
        for i in 0..HUGE_FROM * 2 + 5 {
            reserve_one(&mut v);
            v.push(i);
        }
        assert!(v.iter().enumerate().all(|(i, x)| i == *x));
    }
}
