/**
 * What this process holds open until its app closes it — the HTTP server, the queue
 * workers, the dispatcher, the database pool —, by name. A shutdown that passes its deadline
 * logs the names still here: what did not close (names only, never a value). Counted, since
 * a test process may run several apps at once.
 */
const open = new Map<string, number>();

/** `component` is open until the function returned is called (once is enough; more do nothing). */
export function opened(component: string): () => void {
  open.set(component, (open.get(component) ?? 0) + 1);
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    const left = (open.get(component) ?? 1) - 1;
    if (left > 0) open.set(component, left);
    else open.delete(component);
  };
}

/** The components still open, by name, sorted. */
export function stillOpen(): string[] {
  return [...open.keys()].sort();
}
