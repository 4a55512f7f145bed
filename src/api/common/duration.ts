import { z } from 'zod';
import { rule } from './cel.ts';

/**
 * Durations are Go duration strings restricted to hours, minutes and seconds in that order
 * (`24h`, `90m`, `1h30m`, `720h`), at most six digits each. The bound keeps every value inside
 * CEL's duration range, so `duration(self)` in a CRD rule never fails on a valid value; the
 * order keeps one spelling per unit. The same pattern is the CRD's `pattern`.
 */
const H = '[0-9]{1,6}h';
const M = '[0-9]{1,6}m';
const S = '[0-9]{1,6}s';
export const DURATION_PATTERN = `^(${H}(${M})?(${S})?|${M}(${S})?|${S})$`;
const DURATION = new RegExp(DURATION_PATTERN);

const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/** Seconds in a duration string that matched DURATION_PATTERN. */
export function durationSeconds(value: string): number {
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)([hms])/g)) {
    total += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  }
  return total;
}

/** A duration string: `24h`, `90m`, `1h30m`. */
export function duration(description: string): z.ZodString {
  return z
    .string()
    .max(24)
    .regex(DURATION, 'use a duration such as 24h, 90m or 1h30m (units h, m, s in that order)')
    .describe(description);
}

/** A duration of at least `min` (a duration string). */
export function durationAtLeast(description: string, min: string): z.ZodString {
  return rule(duration(description), {
    cel: `duration(self) >= duration('${min}')`,
    check: (v) => !DURATION.test(v) || durationSeconds(v) >= durationSeconds(min),
    message: `must be at least ${min}`,
    fix: `use ${min} or longer`,
  });
}
