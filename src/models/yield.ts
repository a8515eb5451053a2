// Blocking models stop Node's event loop while they sit in a syscall. When a
// call comes back early (a timeout, or EINTR because a signal arrived) they
// yield for one turn of the loop so that signal handlers, timers and promises
// can run, then go back to blocking.
export function yieldToNode(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
