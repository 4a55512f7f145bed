import { z } from 'zod';
import { cel, CEL_KEY, rule } from '../common/cel.ts';
import { cidr, ipAddress } from '../common/cidr.ts';
import { podLabels } from '../common/labels.ts';

/**
 * Cluster settings that a platform's CRs do not say: where Vault, NATS and DNS live and which
 * IPs the egress gateway uses. The spec of the PosturePlatform (./schema.ts), by convention in
 * `platform.yaml` beside the CRs; every field has a default that matches a stock installation,
 * so a folder of CRs alone renders.
 */

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'use a DNS label: a-z, 0-9 and -')
  .max(63);
const labels = cel(
  z
    .record(z.string().min(1), z.string().max(63))
    .refine((m) => Object.keys(m).length <= 8, 'at most 8 labels')
    .meta({ maxProperties: 8 }),
  { rule: 'self.all(k, k.size() > 0)', message: 'label keys must not be empty' },
);
const port = z.number().int().min(1).max(65535);
const userNkey = z
  .string()
  .regex(/^U[A-Z2-7]{55}$/, 'use an NKey user public key (56 characters starting with U)');
/** A JWT as nats-server reads it (three base64url parts); decoded and checked where it is used. */
const jwtText = (what: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
      `use the ${what} JWT that \`posture nats init\` printed`,
    );
const vaultDuration = z.string().regex(/^[0-9]+(s|m|h)$/, 'use a Vault duration such as 1h');

/** A Vault path prefix `<mount>/<path>/`: at least two segments, so never a whole mount. */
const sharedPrefix = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)+\/$/,
    'use <mount>/<path>/ with a trailing /, such as secret/shared/ (a whole mount is never shared)',
  )
  .max(253);

/**
 * Which Vault paths a namespace's CRs may name (docs/adr/0037-vault-tenancy.md). posture writes
 * policies with its own power, so without this anyone who may create a TradingService could
 * read any secret through it.
 */
const tenancy = z.strictObject({
  /**
   * The prefix a namespace owns, with `{namespace}` standing for its name.
   * @default `<kvMount>/{namespace}/`
   */
  namespacePrefix: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_{}-]+)*\/$/,
      'use <mount>/.../ with a trailing /, such as secret/{namespace}/',
    )
    .max(253)
    .refine((p) => p.includes('{namespace}'), 'the prefix must contain {namespace}')
    .meta({
      [CEL_KEY]: [
        { rule: "self.contains('{namespace}')", message: 'the prefix must contain {namespace}' },
      ],
    })
    .optional(),
  /**
   * Prefixes every namespace's TradingServices may read as plain secrets: a reviewed list, for
   * what is really shared (a CA bundle). Credentials and key rings never live there.
   */
  sharedPrefixes: z.array(sharedPrefix).max(32).default([]),
});

const vaultFields = z
  .strictObject({
    /** Address the Vault Agent sidecar talks to. */
    address: z
      .url()
      .regex(/^https?:\/\//, 'use an http(s) URL such as https://vault.vault.svc:8200')
      .default('https://vault.vault.svc:8200'),
    /** Kubernetes auth mount, without `auth/`. */
    authMount: z
      .string()
      .regex(/^[a-z0-9][a-z0-9/_-]*$/)
      .default('kubernetes'),
    /** KV v2 mount where posture keeps what it generates (NATS seeds). */
    kvMount: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/)
      .max(128)
      .default('secret'),
    /** Namespace and pod labels of the Vault servers: the agent's egress goes there only. */
    namespace: dnsLabel.default('vault'),
    podLabels: labels.default({ 'app.kubernetes.io/name': 'vault' }),
    port: port.default(8200),
    tokenTtl: vaultDuration.default('1h'),
    tokenMaxTtl: vaultDuration.default('4h'),
    /** Image of the Vault Agent that the injector runs; unset keeps the injector's default. */
    agentImage: z.string().optional(),
    tenancy: tenancy.default(() => tenancy.parse({})),
  })
  .superRefine((v, ctx) => {
    const own = `${v.kvMount}/posture/`;
    const template = v.tenancy.namespacePrefix;
    if (
      template &&
      (template.startsWith(own) || own.startsWith(template.split('{namespace}')[0] ?? ''))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['tenancy', 'namespacePrefix'],
        message: `${template} overlaps ${own}, where posture keeps the NKey seeds it generates`,
      });
    for (const [i, prefix] of v.tenancy.sharedPrefixes.entries())
      if (prefix.startsWith(own) || own.startsWith(prefix))
        ctx.addIssue({
          code: 'custom',
          path: ['tenancy', 'sharedPrefixes', i],
          message: `${prefix} overlaps ${own}, where posture keeps the NKey seeds it generates: never share it`,
        });
  });

/** The overlap checks above, for the apiserver (the PosturePlatform CRD; defaults are applied first). */
const OWN = "(self.kvMount + '/posture/')";
const vault = cel(
  vaultFields,
  {
    rule:
      '!has(self.tenancy) || !has(self.tenancy.namespacePrefix) || ' +
      "self.tenancy.namespacePrefix.indexOf('{namespace}') < 0 || " +
      `!(self.tenancy.namespacePrefix.startsWith(${OWN}) || ${OWN}.startsWith(` +
      "self.tenancy.namespacePrefix.substring(0, self.tenancy.namespacePrefix.indexOf('{namespace}'))))",
    message:
      'tenancy.namespacePrefix overlaps <kvMount>/posture/, where posture keeps the NKey seeds it generates',
    fieldPath: '.tenancy.namespacePrefix',
  },
  {
    rule:
      '!has(self.tenancy) || !has(self.tenancy.sharedPrefixes) || self.tenancy.sharedPrefixes.all(p, ' +
      `!(p.startsWith(${OWN}) || ${OWN}.startsWith(p)))`,
    message:
      'a tenancy.sharedPrefixes entry overlaps <kvMount>/posture/, where posture keeps the NKey seeds it generates: never share it',
    fieldPath: '.tenancy.sharedPrefixes',
  },
);

const nats = z.strictObject({
  namespace: dnsLabel.default('nats'),
  service: dnsLabel.default('nats'),
  podLabels: labels.default({ 'app.kubernetes.io/name': 'nats' }),
  port: port.default(4222),
  /** The account that holds every service's user. */
  account: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .default('TITAN'),
  systemAccount: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .default('SYS'),
  /** Public key of the system account's user (for monitoring); none means nobody logs in there. */
  systemUser: userNkey.optional(),
  /**
   * NKey public keys of each service's NATS user, by `<namespace>/<name>`. The operator keeps the
   * seeds in Vault; `posture synth` has no Vault, so it reads the public keys from here
   * (docs/adr/0031-nkey-public-keys.md).
   */
  users: cel(
    z
      .record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), userNkey)
      .refine((m) => Object.keys(m).length <= 4096, 'at most 4096 users')
      .meta({ maxProperties: 4096 }),
    {
      rule: "self.all(k, k.matches('^[a-z0-9-]+/[a-z0-9-]+$'))",
      message: 'keys must be <namespace>/<name> of a TradingService',
    },
  ).default({}),
  /**
   * How nats-server authenticates services (docs/adr/0060-nats-jwt-auth.md). `config`: one
   * aggregated config of NKey users in the Secret posture-nats-auth (a Secret holds 1 MiB: about
   * 3,000 users). `jwt`: decentralized auth, operator → account → user JWTs with nats-server's
   * full resolver; no config grows with the number of services.
   */
  auth: z.enum(['config', 'jwt']).default('config'),
  /** The public half of decentralized auth, as `posture nats init` prints it (auth: jwt). */
  jwt: z
    .strictObject({
      /** The operator JWT (self-signed; its seed stays in Vault). */
      operator: jwtText('operator'),
      /** The system account's JWT, preloaded into the resolver. */
      systemAccount: jwtText('system account'),
      /** Where nats-server's full resolver keeps account JWTs (a persistent volume). */
      resolverDir: z.string().startsWith('/', 'use an absolute path').default('/data/jwt'),
    })
    .optional(),
});

const dns = z.strictObject({
  namespace: dnsLabel.default('kube-system'),
  podLabels: labels.default({ 'k8s-app': 'kube-dns' }),
  port: port.default(53),
});

const egressGateway = z.strictObject({
  /** Public IPs the cluster's internet egress leaves from: exchange IP whitelists must hold them. */
  ips: z.array(ipAddress('A public IP of the egress gateway.')).max(64).default([]),
});

/**
 * Pods that scrape metrics (Prometheus, an OpenTelemetry collector). When set, every service that
 * declares a port named `metrics` lets them in on that port and no other; unset, nobody scrapes.
 */
const monitoring = z.strictObject({
  namespace: dnsLabel,
  podLabels: podLabels('Labels of the scraper pods, all of them; at least one.'),
});

/**
 * Where Argo CD (or Devtron, which deploys through it) finds gitops/ and where it syncs it to
 * (docs/adr/0054-argocd-applications.md). Unset: synth writes no Applications.
 */
const imageByDigest = z
  .string()
  .regex(
    /^([a-z0-9.-]+(:[0-9]+)?\/)?[a-z0-9._-]+(\/[a-z0-9._-]+)*@sha256:[a-f0-9]{64}$/,
    'use an image by digest without a tag: <repository>@sha256:<64 hex>',
  );
/** An API server URL: zod's URL check and the CRD's pattern must judge alike (no bare words). */
const httpsUrl = z
  .url()
  .regex(/^https:\/\/[^\s/]+/, 'use an https URL such as https://kubernetes.default.svc');
const serviceKey = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'use <namespace>/<service>');
/** A map by `<namespace>/<service>`: zod checks the keys, and a CEL twin makes the apiserver do so. */
const byService = <T extends z.ZodType>(value: T) =>
  cel(
    z
      .record(serviceKey, value)
      .refine((m) => Object.keys(m).length <= 4096, 'at most 4096 services')
      .meta({ maxProperties: 4096 }),
    {
      rule: "self.all(k, k.matches('^[a-z0-9-]+/[a-z0-9-]+$'))",
      message: 'keys must be <namespace>/<service> of a TradingService',
    },
  );
const argocdEnvironment = z.strictObject({
  /** The cluster this environment syncs to. @default argocd.server */
  server: httpsUrl.optional(),
  /** The git revision this environment follows. @default argocd.targetRevision */
  targetRevision: z.string().min(1).optional(),
  /** Replicas by `<namespace>/<service>`, overriding the TradingService's. */
  replicas: byService(z.number().int().min(0)).default({}),
  /** Images by `<namespace>/<service>`, by digest only (supply chain: images pinned by digest). */
  images: byService(imageByDigest).default({}),
});
const argocd = z.strictObject({
  /** The git repository that holds the gitops folder. */
  repoURL: z.string().min(1),
  targetRevision: z.string().min(1).default('HEAD'),
  /** The gitops folder's path inside that repository. */
  path: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'use a relative path such as gitops')
    .default('gitops'),
  project: dnsLabel.default('default'),
  /** The namespace Argo CD watches for Application objects. */
  namespace: dnsLabel.default('argocd'),
  /** The destination cluster's API server, as Argo CD knows it. */
  server: httpsUrl.default('https://kubernetes.default.svc'),
  /** Per-environment overlays, rendered as gitops/argocd/envs/<env>/. */
  environments: cel(
    z
      .record(dnsLabel, argocdEnvironment)
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 environments')
      .meta({ maxProperties: 16 }),
    {
      rule: "self.all(k, k.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(k) <= 63)",
      message: 'environment names must be DNS labels',
    },
  ).default({}),
});

/**
 * Devtron's hardening that posture can render (docs/devtron.md): its dashboard reachable only
 * from the VPN, and its deploying service account held to a Role in each app namespace. Unset,
 * posture renders nothing for Devtron.
 */
const devtron = z.strictObject({
  namespace: dnsLabel.default('devtroncd'),
  podLabels: podLabels('Labels of the Devtron dashboard pods, all of them; at least one.').default({
    app: 'dashboard',
  }),
  port: port.default(8080),
  vpnCidrs: z.array(cidr('A VPN range allowed to reach the dashboard.')).min(1).max(32),
  serviceAccount: dnsLabel.default('argocd-application-controller'),
});

/** `auth: jwt` is nothing without the public half of the keys: said by zod and the apiserver. */
const natsSettings = rule(nats, {
  cel: "self.auth != 'jwt' || has(self.jwt)",
  check: (n) => n.auth !== 'jwt' || n.jwt !== undefined,
  message: 'auth: jwt needs the operator and system account JWTs',
  fix: 'run `posture nats init` and paste the nats.jwt block it prints',
  field: 'jwt',
});

export const platformSchema = z.strictObject({
  vault: vault.default(() => vault.parse({})),
  nats: natsSettings.default(() => natsSettings.parse({})),
  dns: dns.default(() => dns.parse({})),
  egressGateway: egressGateway.default(() => egressGateway.parse({})),
  monitoring: monitoring.optional(),
  argocd: argocd.optional(),
  devtron: devtron.optional(),
});

export type Platform = z.infer<typeof platformSchema>;
export type PlatformInput = z.input<typeof platformSchema>;

/** The settings of a cluster nobody configured: every default. */
export function defaultPlatform(): Platform {
  return platformSchema.parse({});
}
