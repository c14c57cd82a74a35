/**
 * `new Date(epochMs).toISOString()`, composed from the UTC getters. A process's first `toISOString()` (or first
 * local-time method) sets up V8's date cache, about 1 ms on a cold instance, and an event's time is often the first
 * date a function formats: the config-load event of its first invocation. The UTC getters do without that cache.
 */
export function isoTime(epochMs: number): string {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  // Four-digit years only: toISOString writes the others with a sign and six digits, and throws for an invalid time.
  if (!(year >= 1000 && year <= 9999)) return date.toISOString();
  return `${year}-${twoDigits(date.getUTCMonth() + 1)}-${twoDigits(date.getUTCDate())}T${twoDigits(
    date.getUTCHours(),
  )}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())}.${String(
    date.getUTCMilliseconds() + 1000,
  ).slice(1)}Z`;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}
