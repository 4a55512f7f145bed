import { z } from 'zod';
import { immutable, rule } from '../common/cel.ts';
import { statusBase } from '../common/conditions.ts';
import { durationAtLeast, durationSeconds } from '../common/duration.ts';
import { setOf } from '../common/lists.ts';
import { GROUP_VERSION, ObjectMetaSchema } from '../common/metadata.ts';
import { dnsLabel, vaultPath } from '../common/names.ts';

export const HMAC_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

const services = (description: string) =>
  setOf(dnsLabel('Name of a TradingService in this namespace.'), 32, description).default([]);

const specShape = z.strictObject({
  vaultPath: immutable(
    vaultPath('Vault KV v2 path of the ring (fields primary, secondary, keyId); immutable.'),
    'spec.vaultPath',
  ),
  rotationPeriod: durationAtLeast('How often the key rotates, for example 720h.', '1h').default(
    '720h',
  ),
  gracePeriod: durationAtLeast(
    'How long the previous key stays accepted after signers moved to the new key.',
    '1m',
  ).default('24h'),
  signers: services('TradingServices that sign with the primary key.'),
  listeners: services('TradingServices that verify; they move to a new key before any signer.'),
  algorithm: z.enum(HMAC_ALGORITHMS).default('sha256').describe('HMAC hash function.'),
});

type SpecShape = z.output<typeof specShape>;

export const HmacKeyRingSpecSchema = rule(specShape, {
  cel: 'duration(self.gracePeriod) < duration(self.rotationPeriod)',
  check: (s: SpecShape) => durationSeconds(s.gracePeriod) < durationSeconds(s.rotationPeriod),
  message: 'gracePeriod must be shorter than rotationPeriod',
  fix: 'shorten gracePeriod (default 24h) or lengthen rotationPeriod',
  field: 'gracePeriod',
}).describe(
  'An HMAC key ring in Vault, rotated without downtime: listeners first, then signers, ' +
    'and the old key is dropped after the grace period.',
);

/** Where a rotation stands; also reported as conditions (Rotating, Degraded). */
export const HMAC_PHASES = [
  'Stable',
  'ListenersRolling',
  'SignersRolling',
  'GracePeriod',
  'Degraded',
] as const;
export type HmacPhase = (typeof HMAC_PHASES)[number];

export const HmacKeyRingStatusSchema = z
  .strictObject({
    ...statusBase,
    phase: z.enum(HMAC_PHASES).optional().describe('Step of the rotation state machine.'),
    keyId: z.string().max(128).optional().describe('Id of the primary key (never the key).'),
    secondaryKeyId: z
      .string()
      .max(128)
      .optional()
      .describe('Id of the previous key listeners still accept until the grace period ends.'),
    listenerVersion: z.number().int().min(0).optional().describe('KV version listeners render.'),
    signerVersion: z.number().int().min(0).optional().describe('KV version signers render.'),
    lastRotationTime: z.iso.datetime().optional().describe('When the last rotation started.'),
    nextRotationTime: z.iso
      .datetime()
      .optional()
      .describe(
        'When rotationPeriod next falls due (a posture.dev/rotate change starts one sooner).',
      ),
    rotationRequest: z
      .string()
      .max(253)
      .optional()
      .describe('The posture.dev/rotate annotation value the last rotation answered.'),
    graceEndTime: z.iso.datetime().optional().describe('When the secondary key is dropped.'),
  })
  .describe('Observed state of the key ring.');

export const HmacKeyRingSchema = z.strictObject({
  apiVersion: z.literal(GROUP_VERSION),
  kind: z.literal('HmacKeyRing'),
  metadata: ObjectMetaSchema,
  spec: HmacKeyRingSpecSchema,
  status: HmacKeyRingStatusSchema.optional(),
});

export type HmacKeyRing = z.infer<typeof HmacKeyRingSchema>;
export type HmacKeyRingInput = z.input<typeof HmacKeyRingSchema>;
export type HmacKeyRingSpec = z.infer<typeof HmacKeyRingSpecSchema>;
export type HmacKeyRingStatus = z.infer<typeof HmacKeyRingStatusSchema>;

/** Condition types of an HmacKeyRing beside the common ones (api/common/conditions.ts). */
export const HmacKeyRingConditionType = {
  /** True while a rotation is under way; the reason names the step. */
  Rotating: 'Rotating',
} as const;

/** The annotation whose every new value asks for a rotation now. */
export const ROTATE_ANNOTATION = 'posture.dev/rotate';
