//! Many requests at once: bounded worker threads, each item isolated, results handed over
//! as they finish.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use gemini_image_core::{Error, GenerateRequest, GenerateResponse};

use crate::call::CallOptions;
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
        mut on_done: impl FnMut(usize, &Result<GenerateResponse, Error>),
    ) -> Vec<Result<GenerateResponse, Error>> {
        let mut results: Vec<Option<Result<GenerateResponse, Error>>> =
            std::iter::repeat_with(|| None)
                .take(requests.len())
                .collect();
        let requests: Vec<Option<GenerateRequest>> = requests.into_iter().map(Some).collect();
        let slots: Vec<std::sync::Mutex<Option<GenerateRequest>>> =
            requests.into_iter().map(std::sync::Mutex::new).collect();
        self.batch_each(
            slots.len(),
            |index| take_request(&slots, index),
            concurrency,
            &CallOptions::default(),
            |index, result| {
                on_done(index, &result);
                if let Some(slot) = results.get_mut(index) {
                    *slot = Some(result);
                }
            },
        );
        results
            .into_iter()
            .map(|slot| slot.unwrap_or_else(|| Err(Error::internal("a batch item got no result"))))
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

    /// The batch primitive every front door builds on: `count` items, item `index` built
    /// lazily by `build(index)` when a worker takes it (so a 10,000-prompt batch never
    /// holds every input at once), at most `concurrency` in flight (at least 1), and each
    /// result handed to `on_result(index, result)` on the calling thread as soon as it is
    /// done, owned (so it need not be held until the end).
    ///
    /// Each item is isolated: a build error is that item's error, and a panic in one item
    /// becomes its `internal` error while the others go on. `call` applies to every item;
    /// once its cancel token fires, no new item starts, items in flight finish, and every
    /// item never started gets a `cancelled` error, so `on_result` is called exactly once
    /// per index.
    pub fn batch_each(
        &self,
        count: usize,
        build: impl Fn(usize) -> Result<GenerateRequest, Error> + Sync,
        concurrency: usize,
        call: &CallOptions,
        mut on_result: impl FnMut(usize, Result<GenerateResponse, Error>),
    ) {
        let stop = AtomicBool::new(false);
        let started = run_each(
            count,
            concurrency,
            &|| stop.load(Ordering::SeqCst) || call.is_cancelled(),
            |index| build(index).and_then(|request| self.generate_with(&request, call)),
            |message| Err(Error::internal(format!("a batch item panicked: {message}"))),
            &mut on_result,
        );
        stop.store(true, Ordering::SeqCst);
        for index in started..count {
            on_result(
                index,
                Err(Error::cancelled(
                    "the batch was cancelled before this item started",
                )),
            );
        }
    }
}

/// Moves request `index` out of its slot (each index is taken once).
fn take_request(
    slots: &[std::sync::Mutex<Option<GenerateRequest>>],
    index: usize,
) -> Result<GenerateRequest, Error> {
    slots
        .get(index)
        .and_then(|slot| {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        })
        .ok_or_else(|| Error::internal(format!("batch item {index} was taken twice")))
}

/// The scheduling under [`Client::batch`], for work that is more than one `generate`
/// call (building requests lazily, writing files as items finish): runs `work(index, item)`
/// for every item on at most `concurrency` scoped threads (at least 1), hands each result to
/// `on_done(index, &result)` on the calling thread in completion order, and returns the
/// results in input order. Once `cancel` is set no new item starts; items in flight finish,
/// and the ones never started are `None`. A panicking item is re-raised on the calling
/// thread after the other items finished.
pub fn run_bounded<T: Sync, R: Send>(
    items: &[T],
    concurrency: usize,
    cancel: &AtomicBool,
    work: impl Fn(usize, &T) -> R + Sync,
    mut on_done: impl FnMut(usize, &R),
) -> Vec<Option<R>> {
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let mut panicked = None;
    run_each(
        items.len(),
        concurrency,
        &|| cancel.load(Ordering::SeqCst),
        |index| items.get(index).map(|item| work(index, item)),
        |message| {
            panicked.get_or_insert(message);
            None
        },
        &mut |index, result: Option<R>| {
            if let (Some(result), Some(slot)) = (result, results.get_mut(index)) {
                on_done(index, &result);
                *slot = Some(result);
            }
        },
    );
    if let Some(message) = panicked {
        std::panic::panic_any(message);
    }
    results
}

/// Runs `work(index)` for `0..count` on at most `concurrency` scoped threads, in index
/// order of starting; hands each result to `on_done` on the calling thread as it arrives.
/// A panic in `work` is caught and turned into a result by `on_panic`. Stops starting
/// items once `stop()` is true; returns how many items were started (they are `0..n`).
fn run_each<R: Send>(
    count: usize,
    concurrency: usize,
    stop: &(dyn Fn() -> bool + Sync),
    work: impl Fn(usize) -> R + Sync,
    mut on_panic: impl FnMut(String) -> R,
    on_done: &mut dyn FnMut(usize, R),
) -> usize {
    if count == 0 {
        return 0;
    }
    let workers = concurrency.clamp(1, count);
    let next = AtomicUsize::new(0);
    let work = &work;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..workers {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    if stop() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= count {
                        break;
                    }
                    let outcome = catch_unwind(AssertUnwindSafe(|| work(index)));
                    if sender.send((index, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, outcome) in receiver {
            let result = match outcome {
                Ok(result) => result,
                Err(payload) => on_panic(panic_message(payload.as_ref())),
            };
            on_done(index, result);
        }
    });
    next.load(Ordering::SeqCst).min(count)
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_each_isolates_panics_and_counts_started() {
        let mut seen = Vec::new();
        let started = run_each(
            5,
            2,
            &|| false,
            |index| {
                if index == 2 {
                    panic!("item two broke");
                }
                Ok::<usize, String>(index * 10)
            },
            Err,
            &mut |index, result| seen.push((index, result)),
        );
        assert_eq!(started, 5);
        seen.sort();
        assert_eq!(seen[2], (2, Err("item two broke".to_string())));
        assert_eq!(seen[4], (4, Ok(40)));
    }

    #[test]
    fn run_each_stops_starting_items() {
        let stop = AtomicBool::new(false);
        let mut done = 0;
        let started = run_each(
            100,
            1,
            &|| stop.load(Ordering::SeqCst),
            |index| {
                if index == 3 {
                    stop.store(true, Ordering::SeqCst);
                }
                index
            },
            |_| 0,
            &mut |_, _| done += 1,
        );
        assert_eq!(started, 4);
        assert_eq!(done, 4);
    }
}
