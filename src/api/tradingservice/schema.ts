import { z } from 'zod';
import { rule } from '../common/cel.ts';
import { statusBase } from '../common/conditions.ts';
import { duration } from '../common/duration.ts';
import { mapOf, setOf } from '../common/lists.ts';
import { GROUP_VERSION, ObjectMetaSchema } from '../common/metadata.ts';
import { dnsLabel, envName, fileName } from '../common/names.ts';
import { NATS_ACCOUNT, natsSubject } from '../common/nats.ts';
import { EgressSchema, IngressSchema } from './network.ts';
import {
  ImageSchema,
  portsList,
  ResourcesSchema,
  secretsList,
  SecurityContextSchema,
} from './container.ts';

export * from './network.ts';
export * from './container.ts';

export const AllowResponsesSchema = z
  .strictObject({
    max: z.number().int().min(1).max(10000).optional().describe('Responses allowed per request.'),
    expires: duration('How long after the request a response is allowed.').optional(),
  })
  .describe(
    'Allow one-off replies to requests this user received (NATS allow_responses); ' +
      'absent means no replies, {} means replies without limits.',
  );

const publishList = rule(
  setOf(natsSubject('A subject or pattern.'), 64, 'Subjects the service may publish to.'),
  {
    cel: "self.all(s, s != '>')",
    check: (subjects) => subjects.every((s) => s !== '>'),
    message: "publishing to '>' (every subject) is not allowed",
    fix: 'list the subjects the service publishes, such as titan.evt.brain.>',
  },
);

export const NatsSchema = z
  .strictObject({
    account: z
      .string()
      .max(64)
      .regex(NATS_ACCOUNT, 'use an account name such as TITAN (A-Z, 0-9, _)')
      .optional()
      .describe("NATS account of the service's user; defaults to the platform's account."),
    publish: publishList.default([]),
    subscribe: setOf(
      natsSubject('A subject or pattern.'),
      64,
      'Subjects the service may subscribe to.',
    ).default([]),
    allowResponses: AllowResponsesSchema.optional(),
  })
  .describe('The NATS user posture creates for the service and its permissions (deny by default).');

export const HmacUseSchema = z
  .strictObject({
    keyRing: dnsLabel('Name of the HmacKeyRing in this namespace.'),
    role: z
      .enum(['signer', 'listener'])
      .describe('signer signs with the primary key; listener verifies.'),
    env: envName('Environment variable prefix: the key file is named by <env>_FILE.').default(
      'HMAC_SECRET',
    ),
    file: fileName('File name of the key under /vault/secrets/.').default('hmac'),
  })
  .describe("Use of an HMAC key ring; must match the ring's signers/listeners.");

const specShape = z.strictObject({
  image: ImageSchema,
  replicas: z.number().int().min(0).max(100).default(1).describe('Number of pods.'),
  ports: portsList.default([]),
  nats: NatsSchema.optional(),
  secrets: secretsList.default([]),
  exchangeCredentials: setOf(
    dnsLabel('Name of an ExchangeCredential in this namespace.'),
    8,
    'ExchangeCredentials the service trades with; each must list the service as consumer.',
  ).default([]),
  hmac: mapOf(
    HmacUseSchema,
    'keyRing',
    8,
    'HMAC key rings the service signs or verifies with.',
  ).default([]),
  ingress: IngressSchema.default([]),
  egress: EgressSchema.prefault({}),
  resources: ResourcesSchema.optional(),
  securityContext: SecurityContextSchema.prefault({}),
});

type SpecShape = z.output<typeof specShape>;

const withIngressPorts = rule(specShape, {
  cel: 'self.ingress.all(i, i.ports.all(p, self.ports.exists(q, q.port == p)))',
  check: (s: SpecShape) =>
    s.ingress.every((i) => i.ports.every((p) => s.ports.some((q) => q.port === p))),
  message: 'ingress ports must be ports the service declares in spec.ports',
  fix: 'add the port to spec.ports or remove it from the ingress entry',
  field: 'ingress',
});

const withUniqueFiles = rule(withIngressPorts, {
  cel:
    'self.secrets.all(s, !self.hmac.exists(h, h.file == s.file || h.env == s.name)) && ' +
    'self.secrets.all(s, self.secrets.exists_one(t, t.file == s.file)) && ' +
    'self.hmac.all(h, self.hmac.exists_one(g, g.file == h.file || g.env == h.env))',
  check: (s: SpecShape) => uniqueFiles(s),
  message: 'every secret and hmac entry needs its own file and environment variable name',
  fix: 'rename the file or name (hmac entries default to file hmac, env HMAC_SECRET)',
  field: 'secrets',
});

function uniqueFiles(s: SpecShape): boolean {
  const files = [...s.secrets.map((x) => x.file), ...s.hmac.map((h) => h.file)];
  const envs = [...s.secrets.map((x) => x.name), ...s.hmac.map((h) => h.env)];
  return new Set(files).size === files.length && new Set(envs).size === envs.length;
}

export const TradingServiceSpecSchema = withUniqueFiles.describe(
  'What the service is and exactly what it may reach: posture renders its workload, ' +
    'secret files, network policy, Vault role and NATS user from this and nothing else.',
);

export const TradingServiceStatusSchema = z
  .strictObject({
    ...statusBase,
    readyReplicas: z.number().int().min(0).optional().describe('Pods ready.'),
    natsUser: z
      .string()
      .max(64)
      .optional()
      .describe('Public NKey of the NATS user: the key of the newest seed in Vault.'),
    nkeyVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Vault KV version of the NKey seed whose public key is natsUser.'),
    previousNatsUser: z
      .string()
      .max(64)
      .optional()
      .describe(
        'During an NKey rotation, the public key nats-server still accepts until every pod runs the new seed.',
      ),
    nkeyPinnedVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Vault KV version of the NKey seed the pod template reads.'),
    nkeyRotationRequest: z
      .string()
      .max(253)
      .optional()
      .describe('The posture.dev/rotate-nkey annotation value the last NKey rotation answered.'),
    natsJwtVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'With nats.auth jwt: Vault KV version of the creds (user JWT and seed) the pod template reads.',
      ),
    natsJwtRevokedBefore: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "With nats.auth jwt: the account revokes this user's JWTs issued at or before this Unix time (those with older permissions).",
      ),
    vaultRole: z
      .string()
      .max(256)
      .optional()
      .describe('Vault Kubernetes-auth role of the service.'),
  })
  .describe('Observed state of the TradingService.');

const SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export const TradingServiceSchema = rule(
  z.strictObject({
    apiVersion: z.literal(GROUP_VERSION),
    kind: z.literal('TradingService'),
    metadata: ObjectMetaSchema,
    spec: TradingServiceSpecSchema,
    status: TradingServiceStatusSchema.optional(),
  }),
  {
    cel: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    check: (o) => o.metadata.name.length <= 63 && SERVICE_NAME.test(o.metadata.name),
    message: 'metadata.name must be a DNS-1035 label: it names the Service',
    fix: 'start with a-z, use a-z, 0-9 and -, at most 63 characters',
    field: 'metadata',
  },
);

export type TradingService = z.infer<typeof TradingServiceSchema>;
export type TradingServiceInput = z.input<typeof TradingServiceSchema>;
export type TradingServiceSpec = z.infer<typeof TradingServiceSpecSchema>;
export type TradingServiceStatus = z.infer<typeof TradingServiceStatusSchema>;
export type Nats = z.infer<typeof NatsSchema>;
export type AllowResponses = z.infer<typeof AllowResponsesSchema>;
export type HmacUse = z.infer<typeof HmacUseSchema>;

/** Condition types of a TradingService beside the common ones (api/common/conditions.ts). */
export const TradingServiceConditionType = {
  /** True while a new NKey is being authorized and rolled out; the reason names the step. */
  NkeyRotating: 'NkeyRotating',
} as const;

/** The annotation whose every new value asks for one rotation of the service's NKey. */
export const ROTATE_NKEY_ANNOTATION = 'posture.dev/rotate-nkey';
