// What a value is, in words, for error messages about a handler's answers.
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  return `an object (${value.constructor?.name ?? 'no prototype'})`;
}
