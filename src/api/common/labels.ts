import { z } from 'zod';
import { rule } from './cel.ts';

/**
 * Kubernetes label keys and values, for selectors posture writes into network policies. A
 * structural schema cannot constrain map keys (no `propertyNames`), so keys are checked by a CEL
 * rule and the same two patterns in zod. Both patterns are plain RE2 and JavaScript.
 */

/** `[prefix/]name`: prefix a DNS subdomain, name at most 63 characters, alphanumeric ends. */
export const LABEL_KEY_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?' +
  '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
/** A prefix longer than a DNS subdomain (253 characters). */
export const LONG_PREFIX_PATTERN = '^[^/]{254,}/';
/** Empty, or at most 63 characters with alphanumeric ends. */
export const LABEL_VALUE_PATTERN = '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$';

const MAX_LABELS = 8;
const keyRe = new RegExp(LABEL_KEY_PATTERN);
const longPrefixRe = new RegExp(LONG_PREFIX_PATTERN);

/** What the CEL rule checks, in JavaScript. */
export function isLabelKey(key: string): boolean {
  return keyRe.test(key) && !longPrefixRe.test(key);
}

const labelValue = z
  .string()
  .max(63)
  .regex(
    new RegExp(LABEL_VALUE_PATTERN),
    'use a label value: at most 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric',
  )
  .describe('Label value the pods carry (may be empty).');

/**
 * Pod labels a selector matches, all of them (AND): never empty, because an empty selector
 * would select every pod.
 */
export function podLabels(description: string) {
  const map = z
    .record(z.string(), labelValue)
    .refine((m) => Object.keys(m).length <= MAX_LABELS, {
      message: `at most ${MAX_LABELS} labels`,
      params: { fix: 'select the pods with fewer, more specific labels' },
    })
    .meta({ description, maxProperties: MAX_LABELS });
  const nonEmpty = rule(map, {
    cel: 'self.size() > 0',
    check: (m) => Object.keys(m).length > 0,
    message: 'podLabels must not be empty: an empty selector selects every pod',
    fix: 'name at least one label of the pods, such as app.kubernetes.io/name: prometheus',
  });
  return rule(nonEmpty, {
    cel: `self.all(k, k.matches('${LABEL_KEY_PATTERN}') && !k.matches('${LONG_PREFIX_PATTERN}'))`,
    check: (m) => Object.keys(m).every(isLabelKey),
    message: 'podLabels keys must be Kubernetes label keys ([prefix/]name)',
    fix: 'use keys such as app.kubernetes.io/name or app: a DNS prefix, a name of at most 63 characters',
  });
}
