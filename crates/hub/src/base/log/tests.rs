use super::*;

use std::sync::atomic::AtomicBool;

/// A log file that fails (as a full disk does) while `full` is set.
#[derive(Clone, Default)]
struct Disk {
    written: Arc<Mutex<Vec<u8>>>,
    full: Arc<AtomicBool>,
}

impl Write for Disk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.full.load(Ordering::SeqCst) {
            return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
        }
        self.written.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Disk {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.written.lock().unwrap())
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// Waits (bounded) until the writer thread has handled every queued line.
fn settle(writer: &LogWriter) {
    drop(writer.drained_on_drop(Duration::from_secs(5)));
}

#[test]
fn lines_that_cannot_be_written_are_dropped_counted_and_announced_once_writing_works_again() {
    let disk = Disk::default();
    let writer = LogWriter::to(disk.clone());
    let subscriber = subscriber(writer.clone(), "info".into());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("before");
        settle(&writer);
        disk.full.store(true, Ordering::SeqCst);
        for i in 0..5 {
            // Never panics and never returns an error to the caller.
            tracing::error!("while full {i}");
        }
        settle(&writer);
        disk.full.store(false, Ordering::SeqCst);
        tracing::info!("after");
        settle(&writer);
    });
    let lines = disk.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].ends_with("before"), "{lines:#?}");
    assert!(
        lines[1].ends_with("5 log lines were dropped while the log could not be written"),
        "{lines:#?}"
    );
    assert!(lines[2].ends_with("after"), "{lines:#?}");
}

#[test]
fn a_line_cut_off_by_a_full_disk_is_not_glued_to_the_announcement() {
    /// Takes 10 bytes, then fails until emptied.
    struct Small(Vec<u8>, bool);
    impl Write for Small {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.1 || self.0.len() >= 10 {
                return Err(std::io::Error::from_raw_os_error(libc::EFBIG));
            }
            let n = buf.len().min(10 - self.0.len());
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut sink = Sink {
        out: Box::new(Small(Vec::new(), false)),
        dropped: 0,
        cut: false,
    };
    sink.line(b"a line longer than ten bytes\n");
    assert_eq!((sink.dropped, sink.cut), (1, true));
    // Space returns.
    sink.out = Box::new(Vec::new());
    sink.line(b"next\n");
    assert_eq!((sink.dropped, sink.cut), (0, false));
}

#[test]
fn a_full_queue_drops_lines_without_waiting() {
    /// A log reader that never reads: every write blocks until released, and says it is stuck.
    struct Stuck(Arc<(Mutex<bool>, std::sync::Condvar)>, Arc<AtomicBool>);
    impl Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.1.store(true, Ordering::SeqCst);
            let (released, wake) = &*self.0;
            let mut released = released.lock().unwrap();
            while !*released {
                released = wake.wait(released).unwrap();
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let stuck = Arc::new(AtomicBool::new(false));
    let writer = LogWriter::to(Stuck(gate.clone(), stuck.clone()));
    // The writer thread takes a first line and is stuck writing it; only then is the queue's
    // room exactly known (the thread may take several queued lines in one write).
    writer.make_writer().write_all(b"first\n").unwrap();
    let waited = Instant::now();
    while !stuck.load(Ordering::SeqCst) {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the writer thread never wrote"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    for _ in 0..QUEUE_LINES + 100 {
        let mut line = writer.make_writer();
        line.write_all(b"x\n").unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "logging waited for the stuck reader"
    );
    assert!(writer.shared.overflowed.load(Ordering::SeqCst) >= 100);
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    settle(&writer);
}

#[tokio::test]
async fn a_budget_logs_its_lines_then_one_summary_per_window() {
    let captured = Disk::default();
    let subscriber = subscriber(
        {
            let captured = captured.clone();
            move || captured.clone()
        },
        "info".into(),
    );
    let _default = tracing::subscriber::set_default(subscriber);
    let budget = LogBudget::with_window("a test event", 2, Duration::from_millis(100));
    let admitted: Vec<bool> = (0..10).map(|_| budget.admit()).collect();
    assert_eq!(admitted.iter().filter(|a| **a).count(), 2);
    assert!(captured.lines().is_empty(), "nothing is logged per held occurrence");
    // The window ends and the timer sums it up without another occurrence.
    for _ in 0..100 {
        if !captured.lines().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let lines = captured.lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("a test event: 8 in the last"), "{lines:#?}");
    assert!(budget.admit(), "a new window has its lines again");
}

#[test]
fn without_a_runtime_the_next_occurrence_sums_the_last_window_up() {
    let captured = Disk::default();
    let subscriber = subscriber(
        {
            let captured = captured.clone();
            move || captured.clone()
        },
        "info".into(),
    );
    tracing::subscriber::with_default(subscriber, || {
        let budget = LogBudget::with_window("a test event", 0, Duration::from_millis(20));
        for _ in 0..3 {
            assert!(!budget.admit());
        }
        std::thread::sleep(Duration::from_millis(40));
        assert!(!budget.admit());
    });
    let lines = captured.lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("a test event: 3 in the last"), "{lines:#?}");
}

#[test]
fn a_value_from_a_request_cannot_forge_a_line_or_send_escape_sequences() {
    let disk = Disk::default();
    let writer = LogWriter::to(disk.clone());
    let subscriber = subscriber(writer.clone(), "info".into());
    let forged = "oops\n2026-12-05T09:00:00.000000Z  INFO frontdoor_hub: staff opened every door\r\x1b[2K\x1b[31mred\u{9b}1m\u{2028}next\u{202e}desrever";
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("a sign-in failed at the callback: {forged}");
        tracing::info!(door = %forged, "as a field");
        tracing::info!(door = forged, "as a string field");
        settle(&writer);
    });
    let written = String::from_utf8(disk.written.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 3, "three events, three lines: {lines:#?}");
    for line in &lines {
        assert!(
            !line.contains("\n2026-12-05") && line.contains("\\n2026-12-05"),
            "{line}"
        );
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{202e}')),
            "no control or reordering character reaches the log: {line:?}"
        );
        assert!(
            line.contains("[31mred"),
            "the escape is shown as text, not obeyed: {line}"
        );
    }
    assert!(lines[0].contains("\\r"), "{}", lines[0]);
}

#[test]
fn ordinary_lines_pass_unchanged() {
    let line = "2026-12-05T09:00:00Z  INFO frontdoor_hub: sync done — “Front door”\ttab\n"
        .as_bytes()
        .to_vec();
    assert_eq!(one_line(line.clone()), line);
}
