//! Logging that cannot stop a door.
//!
//! Two dangers come with a log. Writing it can fail — the disk is full, a file-size limit is
//! reached (`EFBIG`), journald stalls — and `tracing_subscriber`'s default writer then reports
//! the failure with `eprintln!`, which panics on the same broken stderr and takes down whichever
//! thread logged (once, the journal's: every door refused until a restart). And anyone who can
//! reach the hub can make it log, so an unauthenticated flood could fill the disk through the
//! log alone.
//!
//! - [`LogWriter`] is a `MakeWriter` for stderr or stdout that never panics and never blocks
//!   the thread that logs: lines go through a bounded queue to a writer thread. A line that
//!   cannot be written (the queue is full, or the write fails) is dropped and counted, and the
//!   first line that can be written again is preceded by "N log lines were dropped while the
//!   log could not be written".
//! - [`LogBudget`] limits the lines one kind of event may log per minute; the rest are counted
//!   and summed up in one line at the end of the minute. Every log line that a request without
//!   a valid session can cause goes through one.

use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// Lines waiting for the writer thread at most; more are dropped (and counted).
pub const QUEUE_LINES: usize = 4096;

/// A `MakeWriter` that never panics and never blocks for long. Cloning shares the writer thread.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

struct Shared {
    /// To the writer thread; `None` if it could not be started (then lines are written in place).
    queue: Option<mpsc::SyncSender<Vec<u8>>>,
    /// Used only without a writer thread.
    in_place: Mutex<Option<Sink>>,
    /// Lines dropped because the queue was full (the thread adds them to its own count).
    overflowed: AtomicU64,
    /// Lines queued and not yet handled, for [`Drained`].
    pending: AtomicUsize,
}

/// Where lines end, with the count of those that could not be written.
struct Sink {
    out: Box<dyn Write + Send>,
    dropped: u64,
    /// The last write stopped within a line: the next one starts on a new line.
    cut: bool,
}

impl Sink {
    fn line(&mut self, line: &[u8]) {
        if self.dropped > 0 {
            let notice = format!(
                "{}{} WARN frontdoor_hub::base::log: {} log lines were dropped while the log could not be written\n",
                if self.cut { "\n" } else { "" },
                jiff::Timestamp::now(),
                self.dropped
            );
            match write_fully(&mut self.out, notice.as_bytes()) {
                Ok(()) => {
                    self.dropped = 0;
                    self.cut = false;
                }
                Err(partly) => {
                    self.cut |= partly;
                    self.dropped += 1;
                    return;
                }
            }
        }
        match write_fully(&mut self.out, line) {
            Ok(()) => self.cut = false,
            Err(partly) => {
                self.cut |= partly;
                self.dropped += 1;
            }
        }
        let _ = self.out.flush();
    }
}

/// The writer thread: takes the sink, writes each queued line. Ends when every [`LogWriter`] is
/// gone and the queue is empty.
fn write_thread(shared: &std::sync::Weak<Shared>, lines: &mpsc::Receiver<Vec<u8>>) {
    let sink = shared
        .upgrade()
        .and_then(|s| s.in_place.lock().unwrap_or_else(|p| p.into_inner()).take());
    let Some(mut sink) = sink else {
        return;
    };
    while let Ok(line) = lines.recv() {
        match shared.upgrade() {
            Some(shared) => {
                sink.dropped += shared.overflowed.swap(0, Ordering::Relaxed);
                sink.line(&line);
                shared.pending.fetch_sub(1, Ordering::AcqRel);
            }
            None => sink.line(&line),
        }
    }
}

/// Writes all of `buf`; `Err(true)` when it failed after writing part of it.
fn write_fully(out: &mut dyn Write, mut buf: &[u8]) -> Result<(), bool> {
    let mut wrote = false;
    let mut interrupted = 0;
    while !buf.is_empty() {
        match out.write(buf) {
            Ok(0) => return Err(wrote),
            Ok(n) => {
                wrote = true;
                buf = &buf[n.min(buf.len())..];
            }
            // A signal arrived mid-write: try again, but not forever.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted && interrupted < 16 => interrupted += 1,
            Err(_) => return Err(wrote),
        }
    }
    Ok(())
}

impl LogWriter {
    /// Writes to the process's stderr.
    pub fn stderr() -> LogWriter {
        LogWriter::to(std::io::stderr())
    }

    /// Writes to the process's stdout.
    pub fn stdout() -> LogWriter {
        LogWriter::to(std::io::stdout())
    }

    /// Writes to `out` (tests give a writer that fails on demand).
    pub fn to(out: impl Write + Send + 'static) -> LogWriter {
        let (queue, lines) = mpsc::sync_channel::<Vec<u8>>(QUEUE_LINES);
        let sink = Sink {
            out: Box::new(out),
            dropped: 0,
            cut: false,
        };
        let mut shared = Arc::new(Shared {
            queue: Some(queue),
            in_place: Mutex::new(Some(sink)),
            overflowed: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
        });
        let for_thread = Arc::downgrade(&shared);
        let started = std::thread::Builder::new()
            .name("frontdoor-log".into())
            .spawn(move || write_thread(&for_thread, &lines));
        if started.is_err() {
            // No thread (the closure and its weak reference are gone again): write in place.
            if let Some(shared) = Arc::get_mut(&mut shared) {
                shared.queue = None;
            }
        }
        LogWriter { shared }
    }

    /// Waits (at most `within`) on drop until the queued lines are written: for the end of
    /// `main`, so the last lines are not lost when the process exits.
    pub fn drained_on_drop(&self, within: Duration) -> Drained {
        Drained {
            shared: self.shared.clone(),
            within,
        }
    }

    fn submit(&self, line: Vec<u8>) {
        let shared = &self.shared;
        match &shared.queue {
            Some(queue) => {
                shared.pending.fetch_add(1, Ordering::AcqRel);
                if queue.try_send(line).is_err() {
                    shared.pending.fetch_sub(1, Ordering::AcqRel);
                    shared.overflowed.fetch_add(1, Ordering::Relaxed);
                }
            }
            None => match shared.in_place.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                Some(sink) => sink.line(&line),
                None => {
                    shared.overflowed.fetch_add(1, Ordering::Relaxed);
                }
            },
        }
    }
}

/// See [`LogWriter::drained_on_drop`].
pub struct Drained {
    shared: Arc<Shared>,
    within: Duration,
}

impl Drop for Drained {
    fn drop(&mut self) {
        let until = Instant::now() + self.within;
        while self.shared.pending.load(Ordering::Acquire) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// One log line being formatted; handed to the writer when dropped.
pub struct Line<'a> {
    buf: Vec<u8>,
    writer: &'a LogWriter,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.writer.submit(one_line(std::mem::take(&mut self.buf)));
        }
    }
}

/// The hub's log subscriber writing into `writer` at `filter`: plain text, because the writer
/// escapes every control character a line holds (see [`one_line`]), so colours would arrive as
/// `\u{1b}[…`; the subscriber's own write errors are not reported (the writer counts them).
pub fn subscriber<W>(writer: W, filter: tracing_subscriber::EnvFilter) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .log_internal_errors(false)
        .finish()
}

/// One event as one line of text: every control character inside it (a newline, a carriage
/// return, an ANSI escape, C1 controls) and the characters that move or reorder text (line and
/// paragraph separators, bidirectional overrides) are written as escapes (`\n`, `\u{1b}`), so
/// nothing a caller sends — a sign-in callback's error text, a door id in an address, a body
/// Cobot or a device answered — can start a line of its own, colour the terminal or hide what
/// follows. Only the line's own final newline stays. This is the one place every module's log
/// lines pass, so no call site can forget it (the hub logs without colours, so no escape is
/// ever its own).
pub fn one_line(buf: Vec<u8>) -> Vec<u8> {
    fn suspicious(c: char) -> bool {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
    }
    let text = String::from_utf8_lossy(&buf);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    if !body.chars().any(suspicious) && matches!(text, std::borrow::Cow::Borrowed(_)) {
        return buf;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in body.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if suspicious(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\n');
    out.into_bytes()
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            buf: Vec::with_capacity(256),
            writer: self,
        }
    }
}

/// How many lines one kind of event may log per window (a minute); beyond it, occurrences are
/// counted and one line at the window's end says how many there were.
pub struct LogBudget {
    what: Arc<str>,
    lines: u32,
    window: Duration,
    state: Arc<Mutex<BudgetState>>,
    /// The runtime that sums a window up at its end; without one, the next occurrence after the
    /// window does.
    runtime: Option<tokio::runtime::Handle>,
}

#[derive(Default)]
struct BudgetState {
    /// When the current window began.
    since: Option<Instant>,
    /// Lines logged in it.
    lines: u32,
    /// Occurrences counted but not logged in it.
    held: u64,
    /// A timer will sum this window up.
    armed: bool,
}

impl BudgetState {
    /// Ends the window; the occurrences held in it, if any.
    fn close(&mut self) -> Option<u64> {
        let held = std::mem::take(&mut self.held);
        *self = BudgetState::default();
        (held > 0).then_some(held)
    }
}

impl LogBudget {
    /// `lines` lines a minute for `what` (words for one occurrence, e.g. "a sign-in failed at
    /// the callback"); 0 logs only the minute's summary.
    pub fn per_minute(what: impl Into<Arc<str>>, lines: u32) -> LogBudget {
        LogBudget::with_window(what, lines, Duration::from_secs(60))
    }

    /// As [`LogBudget::per_minute`] with another window (tests).
    pub fn with_window(what: impl Into<Arc<str>>, lines: u32, window: Duration) -> LogBudget {
        LogBudget {
            what: what.into(),
            lines,
            window,
            state: Arc::new(Mutex::new(BudgetState::default())),
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }

    /// Whether this occurrence may be logged on its own line; if not, it is counted for the
    /// window's summary.
    pub fn admit(&self) -> bool {
        let now = Instant::now();
        let (admitted, summary, arm) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let summary = match state.since {
                Some(since) if now.duration_since(since) >= self.window => state.close(),
                _ => None,
            };
            let since = *state.since.get_or_insert(now);
            if state.lines < self.lines {
                state.lines += 1;
                (true, summary, None)
            } else {
                state.held += 1;
                let arm = (!state.armed).then_some(since);
                state.armed = true;
                (false, summary, arm)
            }
        };
        if let Some(held) = summary {
            report(&self.what, held, self.window);
        }
        if let Some(since) = arm {
            self.arm(since);
        }
        admitted
    }

    /// Sums the window that began `since` up at its end.
    fn arm(&self, since: Instant) {
        let Some(runtime) = self
            .runtime
            .clone()
            .or_else(|| tokio::runtime::Handle::try_current().ok())
        else {
            return;
        };
        let state = Arc::downgrade(&self.state);
        let (what, window) = (self.what.clone(), self.window);
        runtime.spawn(async move {
            tokio::time::sleep_until((since + window).into()).await;
            let Some(state) = state.upgrade() else {
                return;
            };
            let held = {
                let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                if state.since != Some(since) {
                    // That window was already summed up by a later occurrence.
                    return;
                }
                state.close()
            };
            if let Some(held) = held {
                report(&what, held, window);
            }
        });
    }
}

fn report(what: &str, held: u64, window: Duration) {
    tracing::warn!(
        count = held,
        "{what}: {held} in the last {} s, not logged one by one",
        window.as_secs().max(1)
    );
}

#[cfg(test)]
mod tests;

/// A [`LogBudget`] kept in a `static`, made on first use: for log lines in code without a hub at
/// hand (`budgeted(&SLOT, "…", 20)`).
pub fn budgeted(slot: &'static std::sync::OnceLock<LogBudget>, what: &'static str, lines: u32) -> &'static LogBudget {
    slot.get_or_init(|| LogBudget::per_minute(what, lines))
}
