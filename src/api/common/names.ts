import { z } from 'zod';
import { rule } from './cel.ts';

/** RFC 1123 label: names of Services, namespaces and the objects posture renders from them. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dnsLabel(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(63)
    .regex(DNS_LABEL, 'use a DNS label: lowercase a-z, 0-9 and -, starting and ending alphanumeric')
    .describe(description);
}

/** An environment variable name prefix; posture appends `_FILE`. */
export function envName(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(58)
    .regex(/^[A-Z][A-Z0-9_]*$/, 'use UPPER_SNAKE_CASE, for example TITAN_HMAC_SECRET')
    .describe(description);
}

/** A file name under /vault/secrets/ (no directories). */
export function fileName(description: string): z.ZodString {
  return z
    .string()
    .min(1)
    .max(63)
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/, 'use a plain file name such as hmac or nats.seed')
    .describe(description);
}

/**
 * A Vault KV v2 secret path `<mount>/<path>` as the `vault kv` CLI takes it (without `data/`),
 * segments of letters, digits, `_`, `-` and inner dots: never `..`.
 */
export function vaultPath(description: string): z.ZodString {
  const path = z
    .string()
    .max(256)
    .regex(
      /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)+$/,
      'use <mount>/<path> such as secret/titan/brain/nats (no leading /, no .. segments)',
    )
    .describe(description);
  // The apiserver cannot see the namespace prefix or the platform's mount (posture checks those),
  // but it can refuse posture's own prefix on any mount: no CR is ever granted an NKey seed.
  return rule(path, {
    cel: "!self.matches('^[^/]+/posture(/|$)')",
    check: (v) => !/^[^/]+\/posture(\/|$)/.test(v),
    message: '<mount>/posture/ is where posture keeps the NKey seeds it generates',
    fix: "name a path under your namespace's prefix, such as secret/<namespace>/...",
  });
}

/** A DNS name, or a pattern whose first label is `*` (one label). */
export function fqdn(description: string): z.ZodString {
  return z
    .string()
    .max(253)
    .regex(
      /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'use a lowercase DNS name such as api.binance.com, optionally starting with *.',
    )
    .describe(description);
}

export function port(description: string): z.ZodNumber {
  return z.number().int().min(1).max(65535).describe(description);
}
