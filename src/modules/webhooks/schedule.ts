/**
 * The automatic retry schedule (Standard Webhooks' suggestion): after the first, immediate
 * attempt, retries after these delays — about 3 days in all.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

/** An endpoint that has failed this long without a success in between is switched off. */
export const DISABLE_AFTER_FAILING_MS = 3 * 86_400_000;

/**
 * When the retry after a failed attempt at `step` (0 = the first attempt) is due, or null
 * when the schedule is over. The delay is spread by ±10% so that the retries of many
 * messages to one receiver that was down do not all arrive at the same moment.
 */
export function nextAttemptAt(
  step: number,
  failedAt: Date,
  delaysMs: readonly number[],
  random: () => number = Math.random,
): Date | null {
  const delay = delaysMs[step];
  if (delay === undefined) return null;
  const jittered = delay * (0.9 + 0.2 * random());
  return new Date(failedAt.getTime() + Math.round(jittered));
}

/** True when an endpoint failing since `failingSince` has failed for long enough to be switched off. */
export function failingTooLong(failingSince: Date, now: Date, disableAfterMs: number): boolean {
  return now.getTime() - failingSince.getTime() >= disableAfterMs;
}
