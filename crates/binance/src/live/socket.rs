//! One WebSocket connection: opened with timeouts (TLS by rustls with webpki roots for `wss://`), read by its
//! own thread into a bounded queue (a full queue stops the reads, which pushes back on the server; nothing is
//! dropped), pings answered by that thread as they arrive.

use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// Messages held between the reader thread and the run: a full queue stops the reads.
pub(crate) const QUEUE_BOUND: usize = 8192;

/// How often the reader thread looks at whether it should stop while the socket is silent.
const READER_POLL: Duration = Duration::from_millis(100);

/// An open connection.
pub(crate) struct Socket {
    queue: Receiver<Read>,
    raw: TcpStream,
    closing: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    /// Messages in the queue of every open socket (the run's queue depth).
    queued: Arc<AtomicUsize>,
    /// When it was opened.
    pub(crate) opened: Instant,
}

/// What one read gave.
pub(crate) enum Read {
    /// A text or binary message.
    Data(Vec<u8>),
    /// Nothing within the wait.
    Nothing,
    /// The connection is over.
    Closed(String),
}

impl Socket {
    /// Connects to `url` within `timeout` (TCP connect, handshake), and starts its reader.
    /// `queued` counts the messages waiting in the queues of the run's sockets.
    pub(crate) fn connect(url: &str, timeout: Duration, queued: &Arc<AtomicUsize>) -> Result<Socket, String> {
        let request = url.into_client_request().map_err(|e| format!("not a WebSocket URL: {e}"))?;
        let uri = request.uri();
        let host = uri.host().ok_or("the URL has no host")?.trim_start_matches('[').trim_end_matches(']').to_string();
        let tls = uri.scheme_str() == Some("wss");
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let addresses = (host.as_str(), port).to_socket_addrs().map_err(|e| format!("cannot resolve {host}: {e}"))?;
        let mut last = format!("{host} has no address");
        for address in addresses {
            let stream = match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => stream,
                Err(e) => {
                    last = format!("cannot connect to {address}: {e}");
                    continue;
                }
            };
            let io = |e: std::io::Error| e.to_string();
            stream.set_read_timeout(Some(timeout)).map_err(io)?;
            stream.set_write_timeout(Some(timeout)).map_err(io)?;
            let _ = stream.set_nodelay(true);
            let raw = stream.try_clone().map_err(io)?;
            let (ws, _) = tungstenite::client_tls_with_config(request, stream, None, None)
                .map_err(|e| format!("handshake failed: {e}"))?;
            raw.set_read_timeout(Some(READER_POLL)).map_err(io)?;
            let closing = Arc::new(AtomicBool::new(false));
            let (sender, queue) = sync_channel(QUEUE_BOUND);
            let (reader_closing, reader_queued) = (Arc::clone(&closing), Arc::clone(queued));
            let reader = std::thread::Builder::new()
                .name("barsmith-live-reader".into())
                .spawn(move || read_loop(ws, &sender, &reader_closing, &reader_queued))
                .map_err(io)?;
            let queued = Arc::clone(queued);
            return Ok(Socket { queue, raw, closing, reader: Some(reader), queued, opened: Instant::now() });
        }
        Err(last)
    }

    /// The next message within `wait`.
    pub(crate) fn read(&mut self, wait: Duration) -> Read {
        match self.queue.recv_timeout(wait) {
            Ok(read) => {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                read
            }
            Err(RecvTimeoutError::Timeout) => Read::Nothing,
            Err(RecvTimeoutError::Disconnected) => Read::Closed("the reader ended".into()),
        }
    }

    /// Closes the connection (the reader ends at once: its socket is shut down).
    pub(crate) fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        let _ = self.raw.shutdown(Shutdown::Both);
        // Unblocks a reader waiting for room in the queue.
        self.drain();
        if let Some(reader) = self.reader.take() {
            while !reader.is_finished() {
                self.drain();
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = reader.join();
        }
        self.drain();
    }

    fn drain(&mut self) {
        while self.queue.try_recv().is_ok() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The reader thread: messages to the queue (waiting for room), pings answered, the end reported once.
fn read_loop(
    mut ws: WebSocket<MaybeTlsStream<TcpStream>>,
    queue: &SyncSender<Read>,
    closing: &AtomicBool,
    queued: &AtomicUsize,
) {
    loop {
        if closing.load(Ordering::Relaxed) {
            return;
        }
        let read = match ws.read() {
            Ok(Message::Text(text)) => Read::Data(text.as_bytes().to_vec()),
            Ok(Message::Binary(bytes)) => Read::Data(bytes.to_vec()),
            Ok(Message::Ping(_)) => match ws.flush() {
                Ok(()) => continue,
                Err(e) => Read::Closed(format!("answering a ping failed: {e}")),
            },
            Ok(Message::Pong(_)) | Ok(Message::Frame(_)) => continue,
            Ok(Message::Close(frame)) => Read::Closed(match frame {
                Some(frame) => format!("closed by the server ({} {})", frame.code, frame.reason),
                None => "closed by the server".to_string(),
            }),
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
            {
                let _ = ws.flush();
                continue;
            }
            Err(e) => Read::Closed(e.to_string()),
        };
        let end = matches!(read, Read::Closed(_));
        // Counted before it is sent, so that the run never takes it out of the count first.
        queued.fetch_add(1, Ordering::Relaxed);
        if queue.send(read).is_err() {
            queued.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        if end {
            return;
        }
    }
}
