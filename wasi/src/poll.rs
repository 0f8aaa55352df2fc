//! `poll_oneoff`: wait for clocks and descriptor readiness.
//!
//! In-memory streams, regular files and directories never block, so their subscriptions are
//! ready at once. Host streams (inherited stdio, host files given as stdio) are waited on with
//! the host's `poll`. Clock subscriptions become deadlines on the monotonic clock.

use std::time::Duration;

use crate::abi::{
    Clockid, EVENT_FD_READWRITE_HANGUP, Event, Rights, SUBCLOCK_ABSTIME, Subscription,
    SubscriptionKind, eventtype,
};
use crate::clocks;
use crate::ctx::WasiCtx;
use crate::errno::{Errno, Result};
use crate::memory::GuestMemory;
use crate::sys;
use crate::table::Descriptor;

/// What one subscription waits on.
enum Wait {
    /// A monotonic deadline in nanoseconds.
    Deadline(u64),
    /// Already decided: the event to report.
    Ready(Event),
    /// A host descriptor to poll for `events`.
    Host { fd: i32, events: libc::c_short },
}

impl WasiCtx {
    pub(crate) fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory<'_>,
        input: u32,
        out: u32,
        count: u32,
        nevents_ptr: u32,
    ) -> Result<()> {
        if count == 0 {
            return Err(Errno::Inval);
        }
        let in_size = count
            .checked_mul(Subscription::SIZE as u32)
            .ok_or(Errno::Fault)?;
        let out_size = count.checked_mul(Event::SIZE as u32).ok_or(Errno::Fault)?;
        mem.slice(out, out_size)?;
        mem.slice(nevents_ptr, 4)?;
        let subscriptions = mem
            .slice(input, in_size)?
            .chunks_exact(Subscription::SIZE)
            .map(Subscription::decode)
            .collect::<Result<Vec<_>>>()?;

        let waits = subscriptions
            .iter()
            .map(|sub| self.wait_for(sub))
            .collect::<Result<Vec<_>>>()?;
        let events = wait(&subscriptions, &waits)?;
        for (i, event) in events.iter().enumerate() {
            mem.write(out + (i * Event::SIZE) as u32, &event.encode())?;
        }
        mem.write_u32(nevents_ptr, events.len() as u32)
    }

    fn wait_for(&mut self, sub: &Subscription) -> Result<Wait> {
        let ready = |kind: u8, error: Errno, nbytes: u64| {
            Wait::Ready(Event {
                userdata: sub.userdata,
                error,
                kind,
                nbytes,
                flags: 0,
            })
        };
        match sub.kind {
            SubscriptionKind::Clock {
                id, timeout, flags, ..
            } => {
                let now = clocks::monotonic_now();
                let absolute = flags & SUBCLOCK_ABSTIME != 0;
                // Like Wasmtime, only the wall and monotonic clocks can be waited on.
                let deadline = match Clockid::decode(id)? {
                    Clockid::ProcessCputime | Clockid::ThreadCputime => return Err(Errno::Inval),
                    _ if !absolute => now.saturating_add(timeout),
                    Clockid::Monotonic => timeout,
                    // An absolute wall-clock time becomes the same distance from now on the
                    // monotonic clock.
                    Clockid::Realtime => {
                        let wall = clocks::now(Clockid::Realtime)?;
                        now.saturating_add(timeout.saturating_sub(wall))
                    }
                };
                Ok(Wait::Deadline(deadline))
            }
            SubscriptionKind::FdRead { fd } | SubscriptionKind::FdWrite { fd } => {
                let reading = matches!(sub.kind, SubscriptionKind::FdRead { .. });
                let kind = if reading {
                    eventtype::FD_READ
                } else {
                    eventtype::FD_WRITE
                };
                let entry = self.table.get_mut(fd)?;
                if !entry.rights.contains(Rights::POLL_FD_READWRITE) {
                    return Ok(ready(kind, Errno::Notcapable, 0));
                }
                let host = |fd: i32| Wait::Host {
                    fd,
                    events: if reading { libc::POLLIN } else { libc::POLLOUT },
                };
                Ok(match &mut entry.desc {
                    Descriptor::Input(input) if reading => match input.host_fd() {
                        Some(fd) => host(fd),
                        None => ready(kind, Errno::Success, input.ready_bytes()),
                    },
                    Descriptor::Output(output) if !reading => match output.host_fd() {
                        Some(fd) => host(fd),
                        None => ready(kind, Errno::Success, 0),
                    },
                    // Like Wasmtime: waiting to read an output, to write an input, or on a
                    // directory fails the whole call.
                    Descriptor::Input(_) | Descriptor::Output(_) | Descriptor::Dir(_) => {
                        return Err(Errno::Badf);
                    }
                    Descriptor::File(file) if reading => {
                        ready(kind, Errno::Success, file.bytes_ahead())
                    }
                    Descriptor::File(_) => ready(kind, Errno::Success, 0),
                })
            }
        }
    }
}

/// Waits until at least one subscription is ready; returns the events of all that are.
fn wait(subscriptions: &[Subscription], waits: &[Wait]) -> Result<Vec<Event>> {
    let mut events: Vec<Event> = waits
        .iter()
        .filter_map(|w| match w {
            Wait::Ready(event) => Some(*event),
            _ => None,
        })
        .collect();
    let deadline = waits
        .iter()
        .filter_map(|w| match w {
            Wait::Deadline(d) => Some(*d),
            _ => None,
        })
        .min();
    let host: Vec<usize> = (0..waits.len())
        .filter(|&i| matches!(waits[i], Wait::Host { .. }))
        .collect();
    let mut pollfds: Vec<libc::pollfd> = host
        .iter()
        .map(|&i| match waits[i] {
            Wait::Host { fd, events } => libc::pollfd {
                fd,
                events,
                revents: 0,
            },
            _ => unreachable!("filtered to host waits"),
        })
        .collect();

    loop {
        let now = clocks::monotonic_now();
        let remaining = deadline.map(|d| d.saturating_sub(now));
        if pollfds.is_empty() {
            // Nothing to poll: sleep until the first deadline unless something is ready.
            if events.is_empty() {
                match remaining {
                    Some(nanos) => std::thread::sleep(Duration::from_nanos(nanos)),
                    // Cannot happen: every subscription is a clock, a host descriptor or ready.
                    None => return Err(Errno::Inval),
                }
            }
        } else {
            let timeout_ms = if !events.is_empty() {
                0
            } else {
                match remaining {
                    // Rounded up, so that a deadline is never reported early.
                    Some(nanos) => nanos.div_ceil(1_000_000).min(i32::MAX as u64) as libc::c_int,
                    None => -1,
                }
            };
            match sys::poll(&mut pollfds, timeout_ms) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            for (pollfd, &i) in pollfds.iter().zip(&host) {
                if pollfd.revents == 0 {
                    continue;
                }
                let kind = match subscriptions[i].kind {
                    SubscriptionKind::FdRead { .. } => eventtype::FD_READ,
                    _ => eventtype::FD_WRITE,
                };
                let (error, flags) = if pollfd.revents & libc::POLLNVAL != 0 {
                    (Errno::Badf, 0)
                } else if pollfd.revents & libc::POLLHUP != 0 {
                    (Errno::Success, EVENT_FD_READWRITE_HANGUP)
                } else if pollfd.revents & libc::POLLERR != 0 {
                    (Errno::Io, 0)
                } else {
                    (Errno::Success, 0)
                };
                events.push(Event {
                    userdata: subscriptions[i].userdata,
                    error,
                    kind,
                    nbytes: 0,
                    flags,
                });
            }
        }
        let now = clocks::monotonic_now();
        for (sub, w) in subscriptions.iter().zip(waits) {
            if let Wait::Deadline(d) = w
                && *d <= now
            {
                events.push(Event {
                    userdata: sub.userdata,
                    error: Errno::Success,
                    kind: eventtype::CLOCK,
                    nbytes: 0,
                    flags: 0,
                });
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
    }
}
