//! The guest's allocator (set by `export_policy!`): a bump arena in `.bss`,
//! then the system allocator.
//!
//! Each evaluation runs in a fresh instance that is thrown away, so freeing
//! hardly matters; growing linear memory does. Every `memory.grow` makes the
//! host `mprotect` the new pages (a TLB shootdown on every core) and, when
//! the pooled slot is reused, protect them again — measured at about a fifth
//! of a short policy call. The arena lies inside the module's initial memory,
//! so a typical evaluation never grows memory. When it is full, allocations
//! fall through to the system allocator, so a policy that allocates without
//! bound still meets the host's memory cap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, UnsafeCell};

const ARENA_BYTES: usize = 1 << 20;

/// A bump allocator over 1 MiB of initial memory, falling back to the
/// system allocator.
#[repr(C, align(16))]
pub struct Arena {
    bytes: UnsafeCell<[u8; ARENA_BYTES]>,
    /// Offset of the first free byte.
    next: Cell<usize>,
    /// Offset of the most recent allocation (freed or grown in place).
    last: Cell<usize>,
}

// SAFETY: wasm32-unknown-unknown guests have one thread.
unsafe impl Sync for Arena {}

impl Default for Arena {
    fn default() -> Self {
        Self::new()
    }
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            bytes: UnsafeCell::new([0; ARENA_BYTES]),
            next: Cell::new(0),
            // Zero like the rest, so the arena stays in `.bss` (no data
            // segment to copy); nothing is freed before the first alloc.
            last: Cell::new(0),
        }
    }

    fn base(&self) -> usize {
        self.bytes.get() as usize
    }

    fn offset_of(&self, ptr: *mut u8) -> Option<usize> {
        let off = (ptr as usize).wrapping_sub(self.base());
        (off < ARENA_BYTES).then_some(off)
    }

    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let base = self.base();
        let start = (base + self.next.get()).checked_next_multiple_of(layout.align())? - base;
        let end = start.checked_add(layout.size())?;
        if end > ARENA_BYTES {
            return None;
        }
        self.last.set(start);
        self.next.set(end);
        Some((base + start) as *mut u8)
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => p,
            // SAFETY: forwarded with the caller's layout.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.offset_of(ptr) {
            // The most recent block is given back; others wait for the
            // instance to be dropped.
            Some(off) => {
                if off == self.last.get() && off + layout.size() == self.next.get() {
                    self.next.set(off);
                    self.last.set(usize::MAX);
                }
            }
            // SAFETY: `ptr` came from `System` with this layout.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(off) = self.offset_of(ptr) else {
            // SAFETY: `ptr` came from `System` with this layout.
            return unsafe { System.realloc(ptr, layout, new_size) };
        };
        if off == self.last.get() && off + new_size <= ARENA_BYTES {
            self.next.set(off + new_size);
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the caller guarantees the new layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as above.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are at least `layout.size()` long and distinct.
            unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        }
        new
    }
}
