import { parseMetrics } from './operator-process.ts';

/** The apiserver's own count of mutating requests (`apiserver_request_total`). */
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE']);

export type WriteCounts = Record<string, number>;

/**
 * Writes the apiserver answered, by `VERB resource[/subresource]`, from its /metrics text: who
 * wrote what during a phase, by resource, which the operator's own metric (by verb) cannot say.
 */
export function apiserverWrites(metricsText: string): WriteCounts {
  const counts: WriteCounts = {};
  for (const s of parseMetrics(metricsText)) {
    if (s.name !== 'apiserver_request_total' || !WRITE_VERBS.has(s.labels['verb'] ?? '')) continue;
    const { verb, resource, subresource } = s.labels;
    const key = `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
    counts[key] = (counts[key] ?? 0) + s.value;
  }
  return counts;
}

/** The writes between two readings, per service, leaving out what did not change. */
export function writesPerServiceOf(
  before: WriteCounts,
  after: WriteCounts,
  services: number,
): WriteCounts {
  const out: WriteCounts = {};
  for (const [key, count] of Object.entries(after)) {
    const spent = count - (before[key] ?? 0);
    if (spent > 0) out[key] = Math.round((spent / services) * 1000) / 1000;
  }
  return out;
}
