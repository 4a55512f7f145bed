import { z } from 'zod';

/**
 * The part of ObjectMeta that posture reads. The apiserver validates metadata itself (the CRD
 * declares it only as `type: object`), so this schema is loose: unknown fields pass through.
 */
export const ObjectMetaSchema = z.looseObject({
  name: z
    .string()
    .min(1)
    .max(253)
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      'use a DNS subdomain name: lowercase a-z, 0-9, - and .',
    ),
  namespace: z
    .string()
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'use a DNS label: lowercase a-z, 0-9 and -')
    .optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  generation: z.number().int().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
});

export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

export const API_GROUP = 'posture.dev';
export const API_VERSION = 'v1alpha1';
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
