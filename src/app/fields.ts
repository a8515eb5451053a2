// Reading a flat field list [name, value, name, value, …] (the form of
// Request.headers and Reply.headers) by name, in any case. Names of a
// request are lower-cased by http/; a reply's are as its author wrote them.

/** Index of the first field called `lowerName` (given in lower case), or -1. */
export function fieldIndex(fields: readonly string[], lowerName: string): number {
  const n = lowerName.length;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    // Compare lengths first: most names differ there, and toLowerCase() allocates.
    if (name.length === n && (name === lowerName || name.toLowerCase() === lowerName)) return i;
  }
  return -1;
}

/** The value of the first field called `lowerName`, or undefined. */
export function fieldValue(fields: readonly string[], lowerName: string): string | undefined {
  const i = fieldIndex(fields, lowerName);
  return i < 0 ? undefined : fields[i + 1];
}

export function hasField(fields: readonly string[], lowerName: string): boolean {
  return fieldIndex(fields, lowerName) >= 0;
}
