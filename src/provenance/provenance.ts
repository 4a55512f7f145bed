import { timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../hmac/ring.ts';
import { canonicalJson } from '../lib/json.ts';
import type { Digests } from './digests.ts';
import type { SignatureFile } from './signature.ts';

/** Why a release's provenance does not hold; each is a refusal (exit 1). */
export const ProvenanceProblem = {
  UnknownKeyId: 'UnknownKeyId',
  AlgorithmMismatch: 'AlgorithmMismatch',
  SignatureMismatch: 'SignatureMismatch',
} as const;
export type ProvenanceProblem = (typeof ProvenanceProblem)[keyof typeof ProvenanceProblem];

export type ProvenanceCheck =
  { ok: true; keyId: string } | { ok: false; problem: ProvenanceProblem; message: string };

/**
 * The MAC of a digests object: HMAC over its canonical JSON (keys sorted, no spaces), so the
 * same digests sign the same whatever the file's key order or layout. The input starts with
 * `{`, never with the envelope domain tag, so a provenance MAC never equals a message MAC.
 */
function mac(ring: KeyRing, keyId: string, digests: Digests): Buffer | undefined {
  return ring.hmac(keyId)?.update(canonicalJson(digests), 'utf8').digest();
}

/** The detached signature with the ring's primary key. */
export function signDigests(digests: Digests, ring: KeyRing): SignatureFile {
  return {
    keyId: ring.keyId,
    algorithm: ring.algorithm,
    signature: mac(ring, ring.keyId, digests)!.toString('base64'),
  };
}

/** Whether the signature verifies with the ring key it names (primary or secondary). */
export function verifyDigests(
  digests: Digests,
  signature: SignatureFile,
  ring: KeyRing,
): ProvenanceCheck {
  const { keyId, algorithm } = signature;
  const expected = mac(ring, keyId, digests);
  if (!expected) {
    return refuse(
      'UnknownKeyId',
      `signed with key ${JSON.stringify(keyId)}, which the key ring does not hold ` +
        `(it holds ${ring.keyIds.map((id) => JSON.stringify(id)).join(', ')})`,
    );
  }
  if (algorithm !== ring.algorithm) {
    return refuse(
      'AlgorithmMismatch',
      `signature says ${algorithm} but the key ring uses ${ring.algorithm}`,
    );
  }
  const given = Buffer.from(signature.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refuse(
      'SignatureMismatch',
      `signature does not match the digests with key ${JSON.stringify(keyId)}: ` +
        'the digests changed after signing, or another key signed them',
    );
  }
  return { ok: true, keyId };
}

function refuse(problem: ProvenanceProblem, message: string): ProvenanceCheck {
  return { ok: false, problem, message };
}
