// Reconnect schedule for the pool: 1 s, 2 s, 4 s … capped at 32 s, as PostgREST does.
// Pure: the pool owns the timers; this only says how long the next wait is.

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 32000;

/** Delay before reconnect attempt number `failures` (1 = after the first failure). */
export function backoffDelayMs(failures: number): number {
  if (failures <= 1) return BACKOFF_FIRST_MS;
  // Cap the exponent before shifting so a long outage never overflows.
  const exp = Math.min(failures - 1, 5);
  return Math.min(BACKOFF_FIRST_MS * 2 ** exp, BACKOFF_MAX_MS);
}

/** Whole seconds for a Retry-After header: never 0, so clients always wait a little. */
export function retryAfterSeconds(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}
