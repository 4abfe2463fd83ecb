// The API speaks RFC 3339 with an offset; the database returns Dates (or, from stored JSON, strings).
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
export function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}
