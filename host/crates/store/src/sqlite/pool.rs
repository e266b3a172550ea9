//! A fixed set of read-only connections, lent one at a time.
//!
//! A `rusqlite::Connection` may move between threads but not be shared, so
//! each concurrent reader needs its own. In WAL mode readers never block the
//! writer nor each other, and each read sees the last committed state when
//! it starts. The pool is a handful of connections behind a mutex and a
//! condition variable: far simpler than a general pool crate, and enough
//! for a 2-core machine where more readers than cores only add memory.

use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

pub(crate) struct Pool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl Pool {
    pub(crate) fn new(connections: Vec<Connection>) -> Pool {
        Pool {
            idle: Mutex::new(connections),
            returned: Condvar::new(),
        }
    }

    /// Waits for an idle connection.
    pub(crate) fn get(&self) -> Lent<'_> {
        let mut idle = lock(&self.idle);
        loop {
            if let Some(conn) = idle.pop() {
                return Lent {
                    pool: self,
                    conn: Some(conn),
                };
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// A lent connection, returned to the pool when dropped.
pub(crate) struct Lent<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Only `drop` takes the connection out.
        self.conn
            .as_ref()
            .expect("a lent connection is present until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            lock(&self.pool.idle).push(conn);
            self.pool.returned.notify_one();
        }
    }
}

/// Locks, recovering from a panic in another holder: the guarded data is
/// connections, which a panic leaves usable (an open transaction rolls
/// back when its guard drops).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
