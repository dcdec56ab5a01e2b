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
    let mut stream = runtime.block_on(client.pull_blob_stream(reference, descriptor))?;
    let declared = u64::try_from(descriptor.size).unwrap_or(0);
    let digest = descriptor.digest.clone();
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
    Ok(BlobReader {
        rx,
        chunk: Bytes::new(),
        state: State::Streaming,
    })
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
