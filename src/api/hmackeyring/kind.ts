import { AGE_COLUMN, type KindInfo, READY_COLUMN, resourceOf } from '../common/kind.ts';
import { HmacKeyRingSchema, HmacKeyRingSpecSchema, HmacKeyRingStatusSchema } from './schema.ts';

export const hmacKeyRingKind: KindInfo<typeof HmacKeyRingSchema> = {
  kind: 'HmacKeyRing',
  plural: 'hmackeyrings',
  singular: 'hmackeyring',
  listKind: 'HmacKeyRingList',
  shortNames: ['hkr'],
  scope: 'Namespaced',
  schema: HmacKeyRingSchema,
  spec: HmacKeyRingSpecSchema,
  status: HmacKeyRingStatusSchema,
  description: 'An HMAC key ring in Vault, rotated listeners-first without downtime.',
  printerColumns: [
    { name: 'Algorithm', type: 'string', jsonPath: '.spec.algorithm', description: 'HMAC hash.' },
    {
      name: 'Rotation',
      type: 'string',
      jsonPath: '.spec.rotationPeriod',
      description: 'Rotation period.',
    },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Rotation step.' },
    { name: 'Key', type: 'string', jsonPath: '.status.keyId', description: 'Primary key id.' },
    READY_COLUMN,
    AGE_COLUMN,
  ],
};

/** Its REST coordinates, for the kube client and informers. */
export const HMAC_KEY_RING = resourceOf(hmacKeyRingKind);
