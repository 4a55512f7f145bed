import { AGE_COLUMN, type KindInfo, resourceOf } from '../common/kind.ts';
import { PLATFORM_DESCRIPTIONS } from './descriptions.ts';
import { PosturePlatformSchema, PosturePlatformStatusSchema } from './schema.ts';
import { platformSchema } from './settings.ts';

export const posturePlatformKind: KindInfo<typeof PosturePlatformSchema> = {
  kind: 'PosturePlatform',
  plural: 'postureplatforms',
  singular: 'postureplatform',
  listKind: 'PosturePlatformList',
  shortNames: ['pplat'],
  scope: 'Cluster',
  schema: PosturePlatformSchema,
  spec: platformSchema,
  status: PosturePlatformStatusSchema,
  description:
    'The cluster settings posture renders with (Vault, NATS, DNS, egress gateway, monitoring, Devtron); one object, named posture.',
  fieldDescriptions: PLATFORM_DESCRIPTIONS,
  printerColumns: [
    {
      name: 'Vault',
      type: 'string',
      jsonPath: '.spec.vault.address',
      description: 'Vault address.',
    },
    {
      name: 'NATS',
      type: 'string',
      jsonPath: '.spec.nats.namespace',
      description: 'Namespace of nats-server.',
    },
    AGE_COLUMN,
  ],
};

/** Its REST coordinates, for the kube client and the operator's settings watch. */
export const POSTURE_PLATFORM = resourceOf(posturePlatformKind);
