//! Work spread over the machine's cores, results in input order. A big run's rows are
//! independent until the false-discovery adjustment, and at 20,000 metrics their noise model
//! and evidence text are half of the whole step; GitHub's runners have 2–4 cores.
//! Plain `std::thread::scope`, each thread taking the next block of items from a shared list
//! when it is done with one: no pool, no work stealing.

/// Fewest items per thread: below this a thread's start costs more than it saves (a typical
/// gate of 200 rows runs on the calling thread alone).
const MIN_CHUNK: usize = 1_000;

/// The cores this process may use, asked once: on Linux the standard library reads the
/// cgroup's CPU quota from files for every call, and a step asks several times.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `f` applied to every item, on up to as many threads as the machine has cores, in order.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    map_in_chunks(items, MIN_CHUNK, f)
}

/// [`map`] for items that are each a large piece of work (a stored run of 20,000 metrics to
/// decode): a thread for as few as `min_chunk` of them.
pub fn map_in_chunks<T: Send, R: Send>(items: Vec<T>, min_chunk: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len(), min_chunk);
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let block = block_for(items.len(), threads);
    // Each thread moves its items out of their slots and writes each result into its own: no
    // part of either list is copied (split into parts and the parts collected back, 20,000
    // rows of a drafted kilobyte each were 7 MB copied out and the results 8 MB copied in).
    // `Option` of a type with a niche (a `String`, a `Vec`) is the same size, so the slots are
    // the items' own memory.
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(slots.len()).collect();
    let blocks = std::sync::Mutex::new(slots.chunks_mut(block).zip(results.chunks_mut(block)));
    in_blocks(threads, &blocks, |(inputs, outputs)| {
        for (item, out) in inputs.iter_mut().zip(outputs) {
            *out = item.take().map(&f);
        }
    });
    results.into_iter().map(|r| r.expect("every item was mapped")).collect()
}

/// `f` applied to every item where it lies, on up to as many threads as the machine has
/// cores: for a second pass over a list the first pass made (each row's text written into it
/// once the p-values are adjusted across all of them), without moving the items.
pub fn for_each<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let threads = threads_for(items.len(), MIN_CHUNK);
    if threads == 1 {
        return items.iter_mut().for_each(f);
    }
    let block = block_for(items.len(), threads);
    let blocks = std::sync::Mutex::new(items.chunks_mut(block));
    in_blocks(threads, &blocks, |chunk| chunk.iter_mut().for_each(&f));
}

/// Blocks a thread's share is cut into (see [`in_blocks`]).
const BLOCKS_PER_THREAD: usize = 16;

/// Items per block for `threads` threads: [`BLOCKS_PER_THREAD`] blocks each, at least one item.
fn block_for(len: usize, threads: usize) -> usize {
    (len / (threads * BLOCKS_PER_THREAD)).max(1)
}

/// `work` on every block of `blocks`, on `threads` threads (the caller one of them), each taking
/// the next block when it is done with one. Not an equal share each, fixed up front: the stages
/// that run beside this one (the save prepared while the rows are judged, the results read
/// while the stored runs decode) take part of one core, and the thread on that core finished
/// its share last while the other waited (at 20,000 metrics, ~6 ms of the rows' 35).
fn in_blocks<B: Send>(
    threads: usize,
    blocks: &std::sync::Mutex<impl Iterator<Item = B> + Send>,
    work: impl Fn(B) + Sync,
) {
    let next = || blocks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
    let each = || {
        while let Some(block) = next() {
            work(block);
        }
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(each)).collect();
        each();
        join_all(others);
    });
}

/// Threads for `len` items, at least `min_chunk` each: one where that is all of them.
fn threads_for(len: usize, min_chunk: usize) -> usize {
    cores().min(len / min_chunk.max(1)).max(1)
}

/// Waits for every worker. A panic in a worker is a bug; it goes on as a panic of the caller.
fn join_all(handles: Vec<std::thread::ScopedJoinHandle<'_, ()>>) {
    for handle in handles {
        handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
    }
}

/// `a` and `b` at once (on a machine with one core, one after the other): for two stages that
/// do not need each other, such as reading the results while the baseline loads, or writing
/// the JSON report while the comment renders.
pub fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if cores() < 2 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let a = a();
        // A panic in the other thread is a bug; it goes on as a panic of the caller.
        (a, other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_gives_both_results_in_their_places() {
        let (a, b) = join(|| (1..=100).sum::<u32>(), || "b".repeat(3));
        assert_eq!((a, b.as_str()), (5050, "bbb"));
    }

    #[test]
    fn coarse_items_keep_their_order_too() {
        for n in [0, 1, 2, 3, 50, 51] {
            let out = map_in_chunks((0..n).collect(), 1, |i: usize| i * 3);
            assert_eq!(out, (0..n).map(|i| i * 3).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn results_keep_the_input_order_at_every_size() {
        for n in [0, 1, 999, 1_000, 2_001, 10_007] {
            let items: Vec<usize> = (0..n).collect();
            let out = map(items, |i| i * 2);
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn for_each_reaches_every_item_once_in_its_place_at_every_size() {
        for n in [0, 1, 999, 1_000, 2_001, 10_007] {
            let mut items: Vec<(usize, usize)> = (0..n).map(|i| (i, 0)).collect();
            for_each(&mut items, |(i, seen)| *seen += *i + 1);
            assert!(items.iter().enumerate().all(|(k, &(i, seen))| i == k && seen == k + 1), "n = {n}");
        }
    }

    #[test]
    fn items_after_a_slow_one_go_to_the_threads_that_are_free() {
        // Item 0 waits until items 1,000..2,000 are done. With each thread given an equal share
        // up front, those are the share of item 0's own thread, behind it: it would wait for
        // ever (here: a minute, then the test fails).
        if cores() < 2 {
            eprintln!("SKIPPED: one core, so one thread");
            return;
        }
        let done = std::sync::Mutex::new(0usize);
        let changed = std::sync::Condvar::new();
        let out = map((0..4_000usize).collect(), |i| {
            if i == 0 {
                let start = std::time::Instant::now();
                let mut count = done.lock().unwrap();
                while *count < 1_000 {
                    assert!(start.elapsed().as_secs() < 60, "items 1,000..2,000 waited behind item 0");
                    count = changed.wait_timeout(count, std::time::Duration::from_millis(100)).unwrap().0;
                }
            } else if (1_000..2_000).contains(&i) {
                *done.lock().unwrap() += 1;
                changed.notify_all();
            }
            i + 1
        });
        assert!(out.iter().enumerate().all(|(k, &v)| v == k + 1));
    }

    #[test]
    fn a_panic_in_a_worker_is_the_callers() {
        let mut items = vec![0u32; 4_000];
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each(&mut items, |x| assert!(*x != 0, "item {x}"));
        }));
        assert!(caught.is_err());
    }
}
