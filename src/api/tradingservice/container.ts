import { z } from 'zod';
import { mapOf } from '../common/lists.ts';
import { envName, fileName, port, vaultPath } from '../common/names.ts';

export const IMAGE_PATTERN = /^[a-z0-9][A-Za-z0-9._/:-]*@sha256:[a-f0-9]{64}$/;

export const ImageSchema = z
  .string()
  .max(512)
  .regex(IMAGE_PATTERN, 'pin the image by digest: <registry>/<repository>[:tag]@sha256:<64 hex>')
  .describe('Container image pinned by digest: registry/repository[:tag]@sha256:<64 hex>.');

export const PortSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(15)
      .regex(
        /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
        'use an IANA service name: lowercase, at most 15 characters',
      )
      .describe('Port name (IANA service name), for example http or metrics.'),
    port: port('Container and Service port.'),
    protocol: z.enum(['TCP', 'UDP']).default('TCP').describe('Transport protocol.'),
  })
  .describe('A port the service listens on.');

export const SecretFileSchema = z
  .strictObject({
    name: envName('Environment variable prefix: the process reads the file named by <name>_FILE.'),
    vaultPath: vaultPath(
      'Vault KV v2 secret path <mount>/<path>, for example secret/titan/brain/nats.',
    ),
    key: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.-]+$/, 'use a KV field name such as seed or password')
      .describe('Field of the KV secret to write into the file.'),
    file: fileName('File name under /vault/secrets/.'),
  })
  .describe('A Vault secret rendered as a file; never an environment value.');

const quantity = (description: string) =>
  z
    .string()
    .max(32)
    .regex(
      /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/,
      'use a quantity such as 500m, 1, 256Mi or 1Gi',
    )
    .describe(description);

const resourceList = (description: string) =>
  z
    .strictObject({
      cpu: quantity('CPU, for example 500m or 1.').optional(),
      memory: quantity('Memory, for example 256Mi.').optional(),
    })
    .describe(description);

export const ResourcesSchema = z
  .strictObject({
    requests: resourceList('Resources the scheduler reserves.').optional(),
    limits: resourceList('Resources the container may not exceed.').optional(),
  })
  .describe('Compute resources of the service container.');

export const SecurityContextSchema = z
  .strictObject({
    runAsUser: z
      .number()
      .int()
      .min(1)
      .max(2147483647)
      .default(65532)
      .describe('Non-root uid the container and its secret files use.'),
    runAsGroup: z.number().int().min(1).max(2147483647).default(65532).describe('Non-root gid.'),
    readOnlyRootFilesystem: z
      .boolean()
      .default(true)
      .describe('Root filesystem is read-only; write to mounted volumes.'),
  })
  .describe(
    'Hardened by default: non-root, no privilege escalation, all capabilities dropped, ' +
      'RuntimeDefault seccomp, read-only root filesystem. Only the uid/gid and the root ' +
      'filesystem can be changed.',
  );

export const portsList = mapOf(PortSchema, 'name', 16, 'Ports the service listens on.');
export const secretsList = mapOf(
  SecretFileSchema,
  'name',
  32,
  'Vault secrets the service reads as files.',
);

export type Port = z.infer<typeof PortSchema>;
export type SecretFile = z.infer<typeof SecretFileSchema>;
export type Resources = z.infer<typeof ResourcesSchema>;
export type SecurityContext = z.infer<typeof SecurityContextSchema>;
