// Blocking models stop Node's event loop while they sit in a syscall. When a
// call comes back early (a timeout, or EINTR because a signal arrived) they
// yield to the loop so that signal handlers, timers and promises can run,
// then go back to blocking.
//
// One setImmediate is not always enough: if the blocking call was made from
// the poll phase (a promise resolved by an I/O callback), the immediate runs
// in the check phase of that same iteration, before libuv has looked at its
// descriptors again — and a signal is only a byte in libuv's signal pipe until
// the next poll phase reads it. Two immediates put one poll phase (with a zero
// timeout: immediates are pending) between the call and our return.
export function yieldToNode(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
