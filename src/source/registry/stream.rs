//! A blob streamed from the registry as a blocking [`Read`]: a task on the source's runtime
//! pulls the response body and hands its chunks over a bounded channel, so at most
//! [`CHUNKS_IN_FLIGHT`] chunks are held however slowly the walk reads, and nothing is written to
//! disk. oci-client's stream verifies the blob's digest as it goes (its last item is an error
//! when the bytes do not match the descriptor's digest); on top of that, a body longer than the
//! descriptor's size is cut off with an error as soon as it passes the size, so a hostile
//! registry cannot stream without end.

use bytes::Bytes;
use futures_util::StreamExt;
use oci_client::manifest::OciDescriptor;
use oci_client::{Client, Reference};
use std::io::{self, Read};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

/// Chunks a blob's task may hold before the reader takes them (each is one read of the
/// response body, a few KiB to some tens): enough that the download keeps going while the walk
/// analyses a large file, at most a few MiB.
const CHUNKS_IN_FLIGHT: usize = 64;

/// A blob being read.
pub(super) struct BlobReader {
    /// Chunks, then `Ok(None)` once the whole blob came and its digest matched.
    rx: mpsc::Receiver<io::Result<Option<Bytes>>>,
    chunk: Bytes,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Streaming,
    /// The whole blob came and matched its digest.
    Ended,
    /// An error was returned: nothing more will come.
    Failed,
}

/// Asks the registry for the blob `descriptor` names and, once it answers, streams the body.
/// An error response (not found, refused) is returned here, before any byte is read.
pub(super) fn open(
    runtime: &Runtime,
    client: &Client,
    reference: &Reference,
    descriptor: &OciDescriptor,
) -> Result<BlobReader, oci_client::errors::OciDistributionError> {
    let stream = runtime.block_on(client.pull_blob_stream(reference, descriptor))?;
    let declared = u64::try_from(descriptor.size).unwrap_or(0);
    Ok(forward(runtime, stream, declared, descriptor.digest.clone()))
}

/// Hands `stream`'s chunks to a [`BlobReader`] from a task on `runtime`: at most `declared`
/// bytes, and an error when it ends short of them.
fn forward<S>(runtime: &Runtime, mut stream: S, declared: u64, digest: String) -> BlobReader
where
    S: futures_util::Stream<Item = io::Result<Bytes>> + Send + Unpin + 'static,
{
    let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
    runtime.spawn(async move {
        let mut seen: u64 = 0;
        while let Some(item) = stream.next().await {
            let item = item.and_then(|chunk| {
                seen += chunk.len() as u64;
                if seen > declared {
                    Err(io::Error::other(format!(
                        "blob {digest} is longer than the {declared} bytes its descriptor declares"
                    )))
                } else {
                    Ok(Some(chunk))
                }
            });
            let last = item.is_err();
            // The reader went away (the walk stopped early): nothing more to do.
            if tx.send(item).await.is_err() || last {
                return;
            }
        }
        // The stream ended without an error, so its digest matched.
        let end = if seen < declared {
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("blob {digest} ended after {seen} of its {declared} bytes"),
            ))
        } else {
            Ok(None)
        };
        let _ = tx.send(end).await;
    });
    BlobReader {
        rx,
        chunk: Bytes::new(),
        state: State::Streaming,
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.chunk.is_empty() {
            match self.state {
                State::Ended => return Ok(0),
                State::Failed => return Err(io::Error::other("the blob stream failed earlier")),
                State::Streaming => {}
            }
            match self.rx.blocking_recv() {
                Some(Ok(Some(chunk))) => self.chunk = chunk,
                Some(Ok(None)) => self.state = State::Ended,
                Some(Err(e)) => {
                    self.state = State::Failed;
                    return Err(e);
                }
                // The task stopped without saying the blob was whole (its runtime went away).
                None => {
                    self.state = State::Failed;
                    return Err(io::Error::other("the blob stream stopped before its end"));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap()
    }

    fn chunks(
        items: Vec<io::Result<&'static [u8]>>,
    ) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + Unpin {
        futures_util::stream::iter(items.into_iter().map(|i| i.map(Bytes::from_static)))
    }

    #[test]
    fn a_whole_blob_reads_to_its_end_in_any_buffer_size() {
        let rt = runtime();
        let many: Vec<io::Result<&'static [u8]>> = (0..200).map(|_| Ok(&b"0123456789"[..])).collect();
        let mut reader = forward(&rt, chunks(many), 2000, "sha256:x".into());
        let mut got = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"0123456789".repeat(200));
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn short_long_and_failed_streams_are_errors_never_a_quiet_end() {
        let rt = runtime();
        let read_all = |mut r: BlobReader| {
            let mut v = Vec::new();
            let e = r.read_to_end(&mut v).unwrap_err();
            // Once failed, always failed.
            assert!(r.read(&mut [0u8; 4]).is_err());
            (v, e.to_string())
        };
        let (got, e) = read_all(forward(&rt, chunks(vec![Ok(b"abc")]), 5, "sha256:s".into()));
        assert_eq!(
            (got.as_slice(), e.as_str()),
            (&b"abc"[..], "blob sha256:s ended after 3 of its 5 bytes")
        );
        let (got, e) = read_all(forward(&rt, chunks(vec![Ok(b"abc"), Ok(b"def")]), 4, "sha256:l".into()));
        assert_eq!(
            (got.as_slice(), e.as_str()),
            (
                &b"abc"[..],
                "blob sha256:l is longer than the 4 bytes its descriptor declares"
            )
        );
        let (got, e) = read_all(forward(
            &rt,
            chunks(vec![Ok(b"ab"), Err(io::Error::other("Invalid digest")), Ok(b"cd")]),
            4,
            "sha256:d".into(),
        ));
        assert_eq!((got.as_slice(), e.as_str()), (&b"ab"[..], "Invalid digest"));
    }

    #[test]
    fn a_stream_whose_runtime_went_away_is_an_error() {
        let rt = runtime();
        let pending = futures_util::stream::pending::<io::Result<Bytes>>();
        let mut reader = forward(&rt, pending, 10, "sha256:p".into());
        drop(rt);
        let e = reader.read(&mut [0u8; 4]).unwrap_err();
        assert_eq!(e.to_string(), "the blob stream stopped before its end");
    }
}
