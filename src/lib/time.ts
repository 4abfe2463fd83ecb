// The API speaks RFC 3339 in UTC with milliseconds, as the database's api_time() writes it too.
export function iso(value: Date): string {
  return value.toISOString();
}
export function isoOrNull(value: Date | null): string | null {
  return value === null ? null : iso(value);
}
