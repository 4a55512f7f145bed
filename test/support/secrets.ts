import assert from 'node:assert/strict';
import type { DestinationStream } from 'pino';
import { kubectl } from './env.ts';

/**
 * The secret scan of the lifecycle tests: what the operator wrote where people and tools read
 * (objects, status, Events, its own log lines) holds no secret value, whether one the test
 * planted (a key in Vault, the Vault token) or one of a shape posture handles (NKey seeds).
 */

/** NKey seeds (SU... user seeds, any SX... seed) and Vault service/batch tokens. */
const SHAPES = [/\bS[A-Z][A-Z2-7]{50,}/, /\bhv[sb]\.[A-Za-z0-9_-]{20,}/];

export function assertNoSecrets(text: string, planted: readonly string[], where: string): void {
  for (const value of planted) assert.ok(!text.includes(value), `a planted secret in ${where}`);
  for (const shape of SHAPES) assert.doesNotMatch(text, shape, `a secret-shaped value in ${where}`);
}

/** The namespace's objects a secret could leak into (workloads, config, policies, CRs), as JSON. */
export async function objectsText(namespace: string): Promise<string> {
  const objects = await kubectl(['-n', namespace, 'get', 'all,sa,cm,secret,cnp,ts', '-o', 'json']);
  assert.equal(objects.code, 0, objects.stderr);
  return objects.stdout;
}

/** Every Event in the namespace, as JSON text. */
export async function eventsText(namespace: string): Promise<string> {
  const events = await kubectl(['-n', namespace, 'get', 'events', '-o', 'json']);
  assert.equal(events.code, 0, events.stderr);
  return events.stdout;
}

/** A pino destination that keeps every line (the operator's log, for the scan). */
export function capturedLog(): { destination: DestinationStream; text: () => string } {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    text: () => lines.join(''),
  };
}
