//! `memory.atomic.wait` and `memory.atomic.notify`: threads parked on addresses of shared
//! memories.
//!
//! One process-wide table maps an address to its queue of waiters. A waiter checks the
//! value it expects while holding the table lock, and a notifier takes the same lock, so a
//! notification that follows a write cannot be lost between the check and the wait.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Waiter {
    woken: Mutex<bool>,
    wake: Condvar,
}

static QUEUES: LazyLock<Mutex<HashMap<usize, VecDeque<Arc<Waiter>>>>> =
    LazyLock::new(Default::default);

/// The result of `memory.atomic.wait`, as the instruction returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum WaitResult {
    /// Woken by a notify.
    Ok = 0,
    /// The memory did not hold the expected value.
    NotEqual = 1,
    /// The timeout passed.
    TimedOut = 2,
}

/// Parks the calling thread on `address` if `holds_expected()` (checked under the queue lock)
/// until notified or until `timeout` passes.
pub fn wait(
    address: usize,
    holds_expected: impl FnOnce() -> bool,
    timeout: Option<Duration>,
) -> WaitResult {
    let deadline = timeout.map(|t| Instant::now().checked_add(t));
    let waiter = {
        let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
        if !holds_expected() {
            return WaitResult::NotEqual;
        }
        let waiter = Arc::new(Waiter::default());
        queues.entry(address).or_default().push_back(waiter.clone());
        waiter
    };
    let mut woken = waiter.woken.lock().unwrap_or_else(|e| e.into_inner());
    while !*woken {
        match deadline {
            // No timeout, or one too far away to represent: wait until notified.
            None | Some(None) => woken = waiter.wake.wait(woken).unwrap_or_else(|e| e.into_inner()),
            Some(Some(deadline)) => {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                woken = waiter
                    .wake
                    .wait_timeout(woken, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
    if *woken {
        return WaitResult::Ok;
    }
    drop(woken);
    // Timed out: leave the queue, unless a notifier took this waiter meanwhile, in which case
    // the notification counts.
    let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(queue) = queues.get_mut(&address)
        && let Some(position) = queue.iter().position(|w| Arc::ptr_eq(w, &waiter))
    {
        queue.remove(position);
        if queue.is_empty() {
            queues.remove(&address);
        }
        return WaitResult::TimedOut;
    }
    WaitResult::Ok
}

/// Wakes up to `count` threads parked on `address`, returning how many were woken.
pub fn notify(address: usize, count: u32) -> u32 {
    let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(queue) = queues.get_mut(&address) else {
        return 0;
    };
    let mut woken = 0;
    while woken < count {
        let Some(waiter) = queue.pop_front() else {
            break;
        };
        *waiter.woken.lock().unwrap_or_else(|e| e.into_inner()) = true;
        waiter.wake.notify_one();
        woken += 1;
    }
    if queue.is_empty() {
        queues.remove(&address);
    }
    woken
}
