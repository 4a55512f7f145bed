import { z } from 'zod';
import { cel } from '../common/cel.ts';
import { statusBase } from '../common/conditions.ts';
import { GROUP_VERSION, ObjectMetaSchema } from '../common/metadata.ts';
import { platformSchema } from './settings.ts';

/**
 * The platform settings as a cluster-scoped object, so `kubectl apply -f examples/titan/` applies
 * every file and the operator reads the same settings `posture synth` does
 * (docs/adr/0052-platform-settings-object.md). Its spec is the settings schema itself.
 */

/** The one PosturePlatform posture reads: a second one would leave two truths. */
export const PLATFORM_OBJECT_NAME = 'posture';

const ONE_NAME_MESSAGE =
  `a PosturePlatform must be named ${PLATFORM_OBJECT_NAME}: the cluster has one set of ` +
  `platform settings (fix: set metadata.name: ${PLATFORM_OBJECT_NAME} and merge the settings into that object)`;

export const PosturePlatformStatusSchema = z
  .strictObject({ ...statusBase })
  .describe('Observed state of the settings (reserved; the operator reads spec only).');

export const PosturePlatformSchema = cel(
  z
    .strictObject({
      apiVersion: z.literal(GROUP_VERSION),
      kind: z.literal('PosturePlatform'),
      metadata: ObjectMetaSchema,
      spec: platformSchema,
      status: PosturePlatformStatusSchema.optional(),
    })
    .refine((o) => o.metadata.name === PLATFORM_OBJECT_NAME, {
      message: ONE_NAME_MESSAGE,
      path: ['metadata', 'name'],
    }),
  { rule: `self.metadata.name == '${PLATFORM_OBJECT_NAME}'`, message: ONE_NAME_MESSAGE },
);

export type PosturePlatform = z.infer<typeof PosturePlatformSchema>;
export type PosturePlatformInput = z.input<typeof PosturePlatformSchema>;
