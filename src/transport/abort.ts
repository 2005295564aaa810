/**
 * One `abort` listener per signal, however many attempts share it.
 *
 * Callers commonly pass one `AbortSignal` to every call of a batch. With a
 * listener per attempt, 64 concurrent calls would hang 64 listeners on it
 * (Node warns with `MaxListenersExceededWarning` past 10), and a listener
 * forgotten on any path would live as long as the signal. Here the library
 * adds a single listener to a signal while at least one attempt watches it,
 * and removes it when the last one stops watching.
 */

type Watcher = (reason: unknown) => void;

interface Watched {
  watchers: Set<Watcher>;
  listener: () => void;
}

const watched = new WeakMap<AbortSignal, Watched>();

/**
 * Calls `watcher` with the signal's reason when `signal` aborts. Returns the
 * function that stops watching; call it when the work is done, whatever the outcome.
 */
export function watchAbort(signal: AbortSignal, watcher: Watcher): () => void {
  let entry = watched.get(signal);
  if (entry === undefined) {
    const watchers = new Set<Watcher>();
    const listener = (): void => {
      watched.delete(signal);
      for (const each of watchers) each(signal.reason);
      watchers.clear();
    };
    entry = { watchers, listener };
    watched.set(signal, entry);
    signal.addEventListener("abort", listener, { once: true });
  }
  const { watchers, listener } = entry;
  watchers.add(watcher);
  return () => {
    if (!watchers.delete(watcher) || watchers.size > 0) return;
    signal.removeEventListener("abort", listener);
    if (watched.get(signal)?.listener === listener) watched.delete(signal);
  };
}
