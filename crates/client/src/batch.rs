//! Many requests at once: bounded worker threads, results in input order.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use gemini_image_core::{Error, GenerateRequest, GenerateResponse};

use crate::client::Client;

impl Client {
    /// Runs [`Client::generate`] on every request with at most `concurrency` in flight
    /// (at least 1), and returns one result per request, in input order. Each item is its
    /// own success or error; retries happen per item.
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// let prompts = ["a red apple", "a green pear", "a yellow banana"];
    /// let requests = prompts.iter().map(|p| client.request(*p)).collect();
    /// for (prompt, result) in prompts.iter().zip(client.batch(requests, 2)) {
    ///     match result {
    ///         Ok(response) => println!("{prompt}: {} images", response.images().len()),
    ///         Err(err) => eprintln!("{prompt}: {err}"),
    ///     }
    /// }
    /// # Ok::<(), gemini_image::Error>(())
    /// ```
    pub fn batch(
        &self,
        requests: Vec<GenerateRequest>,
        concurrency: usize,
    ) -> Vec<Result<GenerateResponse, Error>> {
        self.batch_with(requests, concurrency, |_, _| {})
    }

    /// [`Client::batch`], calling `on_done(index, &result)` on the calling thread as each
    /// item finishes (in completion order), so finished images can be saved at once.
    pub fn batch_with(
        &self,
        requests: Vec<GenerateRequest>,
        concurrency: usize,
        on_done: impl FnMut(usize, &Result<GenerateResponse, Error>),
    ) -> Vec<Result<GenerateResponse, Error>> {
        let never = AtomicBool::new(false);
        self.batch_until(requests, concurrency, &never, on_done)
            .into_iter()
            .map(|slot| {
                slot.unwrap_or_else(|| {
                    // Unreachable without cancellation: every request is handed out.
                    Err(Error::invalid("batch", "the request was not sent"))
                })
            })
            .collect()
    }

    /// [`Client::batch_with`] that stops handing out new requests once `cancel` is set
    /// (e.g. by a Ctrl-C handler). Requests already in flight finish (within the timeout);
    /// their results are kept. Requests never started are `None`.
    pub fn batch_until(
        &self,
        requests: Vec<GenerateRequest>,
        concurrency: usize,
        cancel: &AtomicBool,
        mut on_done: impl FnMut(usize, &Result<GenerateResponse, Error>),
    ) -> Vec<Option<Result<GenerateResponse, Error>>> {
        run_bounded(
            &requests,
            concurrency,
            cancel,
            |_, request| self.generate(request),
            |index, result| on_done(index, result),
        )
    }
}

/// The scheduling under [`Client::batch`], for work that is more than one `generate`
/// call (building requests lazily, writing files as items finish): runs `work(index, item)`
/// for every item on at most `concurrency` scoped threads (at least 1), hands each result to
/// `on_done(index, &result)` on the calling thread in completion order, and returns the
/// results in input order. Once `cancel` is set no new item starts; items in flight finish,
/// and the ones never started are `None`.
pub fn run_bounded<T: Sync, R: Send>(
    items: &[T],
    concurrency: usize,
    cancel: &AtomicBool,
    work: impl Fn(usize, &T) -> R + Sync,
    mut on_done: impl FnMut(usize, &R),
) -> Vec<Option<R>> {
    let total = items.len();
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(total).collect();
    if total == 0 {
        return results;
    }
    let workers = concurrency.clamp(1, total);
    let next = AtomicUsize::new(0);
    let work = &work;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..workers {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    if cancel.load(Ordering::SeqCst) {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    if sender.send((index, work(index, item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, result) in receiver {
            on_done(index, &result);
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
    });
    results
}
