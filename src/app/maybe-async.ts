// Values that are either ready or promised. The request path stays
// synchronous when the application is: a model serving a synchronous handler
// never waits on a microtask, so nothing here wraps a ready value in a Promise.

export function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `f(value)` now if `value` is ready, else once it is. */
export function mapMaybe<T, U>(value: T | Promise<T>, f: (v: T) => U): U | Promise<U> {
  return isThenable(value) ? value.then(f) : f(value);
}
