// What the light Request and the light Response have in common: delegating
// to the real undici object they stand in for, and Headers built from a
// flat field list.

const GlobalHeaders = globalThis.Headers;

/**
 * For each property of `source` (a WHATWG prototype) that `target` lacks:
 * the same property on `target`, answered by `realOf(this)`.
 */
export function delegate<T extends object>(target: object, source: object, realOf: (self: T) => object): void {
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(source))) {
    if (name === 'constructor' || Object.hasOwn(target, name)) continue;
    if (d.get !== undefined) {
      Object.defineProperty(target, name, {
        get(this: T) {
          return Reflect.get(realOf(this), name);
        },
        enumerable: d.enumerable,
        configurable: true,
      });
    } else if (typeof d.value === 'function') {
      Object.defineProperty(target, name, {
        value(this: T, ...args: unknown[]) {
          const real = realOf(this);
          return Reflect.apply(Reflect.get(real, name) as (...a: unknown[]) => unknown, real, args);
        },
        writable: true,
        enumerable: d.enumerable,
        configurable: true,
      });
    }
  }
}

/** A Headers holding the fields of a flat list [name, value, …], in order. */
export function headersFrom(fields: readonly string[]): Headers {
  const headers = new GlobalHeaders();
  appendFields(headers, fields);
  return headers;
}

export function appendFields(headers: Headers, fields: readonly string[]): void {
  for (let i = 0; i < fields.length; i += 2) headers.append(fields[i]!, fields[i + 1]!);
}
