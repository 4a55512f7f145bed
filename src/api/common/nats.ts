import { z } from 'zod';

/**
 * A NATS subject or wildcard pattern: dot-separated tokens of letters, digits, `_`, `-` and `$`,
 * a token may be `*`, and `>` only as the last token. Stricter than NATS itself on purpose: the
 * same pattern runs in the apiserver (RE2) and in zod (JavaScript), so it stays plain ASCII.
 */
const TOKEN = '([A-Za-z0-9_$-]+|[*])';
export const SUBJECT_PATTERN = `^(>|${TOKEN}([.]${TOKEN})*([.]>)?)$`;

export function natsSubject(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(256)
    .regex(
      new RegExp(SUBJECT_PATTERN),
      "use a NATS subject such as titan.cmd.> : tokens of A-Z a-z 0-9 _ - $, '*' for one token, '>' only last",
    )
    .describe(description);
}

export const NATS_ACCOUNT = /^[A-Z][A-Z0-9_]*$/;
