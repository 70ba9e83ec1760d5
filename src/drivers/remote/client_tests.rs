//! The reading role under load: many threads on one connection, with and
//! without a background reader (event listeners, an open stream), replies
//! with descriptors, events read by callers and between calls.

use super::client::{close_all, Client, Socket, REMOTE};
use super::inbox::{Inbox, Taken};
use crate::util::rpc::{self, fds, Header, Message, MessageType, Status};
use crate::util::xdr::{Decoder, Encoder};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Procedures the fake daemon treats specially.
const OPEN_STREAM: i32 = 50;
const WITH_FD: i32 = 60;
const EVENT_LATER: i32 = 70;
/// The procedure of the event messages it sends.
const EVENT: i32 = 7;
/// Data messages on an opened stream.
const STREAM_CHUNKS: usize = 20;

fn send(s: &mut UnixStream, h: Header, payload: impl FnOnce(&mut Encoder)) {
    rpc::write_message(s, &Message::frame(&h, payload).unwrap()).unwrap();
}

fn event_header() -> Header {
    Header {
        program: REMOTE.number,
        version: 1,
        procedure: EVENT,
        kind: MessageType::Message,
        serial: 0,
        status: Status::Ok,
    }
}

/// A fake daemon answering every call with its procedure number until the
/// client hangs up; every third reply is preceded by an event. Returns the
/// number of events sent.
fn fake_daemon(mut s: UnixStream) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut events = 0;
        let mut answered = 0;
        while let Ok(Some(m)) = rpc::read_message(&mut s) {
            let h = m.header;
            if h.kind != MessageType::Call {
                continue;
            }
            answered += 1;
            if answered % 3 == 0 {
                send(&mut s, event_header(), |e| e.i32(answered));
                events += 1;
            }
            let reply = Header { kind: MessageType::Reply, ..h };
            match h.procedure {
                WITH_FD => {
                    send(&mut s, Header { kind: MessageType::ReplyWithFds, ..reply }, |e| {
                        e.u32(1);
                        e.i32(h.procedure);
                    });
                    let f = std::fs::File::open("/dev/null").unwrap();
                    fds::send_fd(s.as_raw_fd(), f.as_raw_fd()).unwrap();
                }
                OPEN_STREAM => {
                    send(&mut s, reply, |e| e.i32(h.procedure));
                    let data = Header { kind: MessageType::Stream, status: Status::Continue, ..h };
                    for i in 0..STREAM_CHUNKS {
                        send(&mut s, data, |e| e.raw(&[i as u8; 1000]));
                    }
                    send(&mut s, data, |_| {});
                }
                EVENT_LATER => {
                    send(&mut s, reply, |e| e.i32(h.procedure));
                    std::thread::sleep(Duration::from_millis(100));
                    send(&mut s, event_header(), |e| e.i32(0));
                    events += 1;
                }
                p => send(&mut s, reply, |e| e.i32(p)),
            }
        }
        events
    })
}

/// A connected client with an event counter, and its fake daemon.
fn setup() -> (Arc<Client>, Arc<AtomicUsize>, std::thread::JoinHandle<usize>) {
    let (a, b) = UnixStream::pair().unwrap();
    let daemon = fake_daemon(b);
    let client = Arc::new(Client::start(Socket::Unix(a), None).unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    client.set_handler(Arc::new(move |h: &Header, _: &[u8]| {
        assert_eq!(h.procedure, EVENT);
        s.fetch_add(1, Ordering::SeqCst);
    }));
    (client, seen, daemon)
}

/// `threads` threads making `calls` calls each; thread 0 also toggles an
/// event listener on and off when `toggle`.
fn hammer(client: &Arc<Client>, threads: i32, calls: i32, toggle: bool) {
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let c = client.clone();
            std::thread::spawn(move || {
                for i in 0..calls {
                    if toggle && t == 0 && i % 10 == 0 {
                        c.listen(i % 20 == 0);
                    }
                    let p = if i % 7 == 0 { WITH_FD } else { 100 + t * 1000 + i };
                    let (r, got) = c.call_with_fds(REMOTE, p, &[], |_| {}).unwrap();
                    assert_eq!(Decoder::new(&r).i32().unwrap(), p);
                    assert_eq!(got.len(), usize::from(p == WITH_FD));
                    close_all(&got);
                }
                if toggle && t == 0 && calls > 0 && (calls - 1) % 20 < 10 {
                    c.listen(false);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

fn finish(client: Arc<Client>, seen: &AtomicUsize, daemon: std::thread::JoinHandle<usize>) {
    client.shutdown();
    drop(client);
    let sent = daemon.join().unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), sent, "every event reached the handler");
}

#[test]
fn callers_read_for_each_other() {
    let (client, seen, daemon) = setup();
    hammer(&client, 8, 200, false);
    finish(client, &seen, daemon);
}

#[test]
fn listeners_come_and_go_while_threads_call() {
    let (client, seen, daemon) = setup();
    hammer(&client, 8, 200, true);
    // a listener: an event sent between calls arrives without a call
    client.listen(true);
    let before = seen.load(Ordering::SeqCst);
    client.call(REMOTE, EVENT_LATER, |_| {}).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.load(Ordering::SeqCst) == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(seen.load(Ordering::SeqCst) > before, "the background reader got the event");
    client.listen(false);
    hammer(&client, 4, 50, false);
    finish(client, &seen, daemon);
}

#[test]
fn a_stream_receives_while_threads_call() {
    let (client, seen, daemon) = setup();
    let inbox = Arc::new(Inbox::default());
    let (r, serial) = client.call_stream(REMOTE, OPEN_STREAM, inbox.clone(), |_| {}).unwrap();
    assert_eq!(Decoder::new(&r).i32().unwrap(), OPEN_STREAM);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 700];
        let mut total = 0;
        loop {
            match inbox.take(&mut buf, false, false).unwrap() {
                Taken::Data(0) => return total,
                Taken::Data(n) => total += n,
                t => panic!("unexpected {t:?}"),
            }
        }
    });
    hammer(&client, 6, 100, false);
    assert_eq!(reader.join().unwrap(), STREAM_CHUNKS * 1000);
    client.end_stream(serial);
    hammer(&client, 4, 50, false);
    finish(client, &seen, daemon);
}
