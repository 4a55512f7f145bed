import { z } from 'zod';
import { immutable, rule } from '../common/cel.ts';
import { cidr } from '../common/cidr.ts';
import { statusBase } from '../common/conditions.ts';
import { durationAtLeast } from '../common/duration.ts';
import { setOf } from '../common/lists.ts';
import { GROUP_VERSION, ObjectMetaSchema } from '../common/metadata.ts';
import { dnsLabel, fqdn, vaultPath } from '../common/names.ts';

export const EXCHANGES = [
  'binance',
  'bybit',
  'gemini',
  'coinbase',
  'kraken',
  'okx',
  'custom',
] as const;
export type Exchange = (typeof EXCHANGES)[number];

/** API hosts of the known exchanges: consumers get FQDN egress to these and nothing else. */
export const EXCHANGE_API_HOSTS: Record<Exclude<Exchange, 'custom'>, readonly string[]> = {
  binance: ['api.binance.com'],
  bybit: ['api.bybit.com'],
  gemini: ['api.gemini.com'],
  coinbase: ['api.coinbase.com', 'api.exchange.coinbase.com'],
  kraken: ['api.kraken.com'],
  okx: ['www.okx.com'],
};

export const PermissionsSchema = z
  .strictObject({
    read: z.boolean().default(true).describe('The key may read balances and orders.'),
    trade: z.boolean().default(true).describe('The key may place and cancel orders.'),
    withdraw: rule(z.boolean().describe('Must be false: keys that can withdraw are rejected.'), {
      cel: '!self',
      check: (v) => !v,
      message: 'withdraw must be false: posture never manages keys that can move funds out',
      fix: 'create a trade-only key at the exchange and set withdraw: false',
    }).default(false),
  })
  .describe('What the key at the exchange may do; checked against the exchange where possible.');

const specShape = z.strictObject({
  exchange: immutable(
    z.enum(EXCHANGES).describe('The exchange; custom needs apiHosts. Immutable.'),
    'spec.exchange',
  ),
  apiHosts: setOf(
    fqdn('API host name.'),
    8,
    'API hosts of a custom exchange (consumers get egress to these); only for exchange custom.',
  ).optional(),
  vaultPath: vaultPath(
    'Vault KV v2 path of the API key and secret, for example secret/titan/exchanges/binance.',
  ),
  permissions: PermissionsSchema.prefault({}),
  ipWhitelist: setOf(
    cidr('Egress IP range the exchange accepts the key from.'),
    32,
    'IP ranges bound to the key at the exchange; must hold the cluster egress IPs.',
  ).min(1),
  consumers: setOf(
    dnsLabel('Name of a TradingService in this namespace.'),
    16,
    'TradingServices that may read the key; nobody else can.',
  ).default([]),
  maxKeyAge: durationAtLeast(
    'Age after which the key must be rotated (RotationDue).',
    '24h',
  ).default('2160h'),
});

type SpecShape = z.output<typeof specShape>;

export const ExchangeCredentialSpecSchema = rule(specShape, {
  cel: "self.exchange == 'custom' ? has(self.apiHosts) && size(self.apiHosts) > 0 : !has(self.apiHosts)",
  check: (s: SpecShape) =>
    s.exchange === 'custom' ? (s.apiHosts?.length ?? 0) > 0 : s.apiHosts === undefined,
  message: 'apiHosts is required for exchange custom and not allowed for a known exchange',
  fix: 'list apiHosts only when exchange is custom',
  field: 'apiHosts',
}).describe(
  'A trade-only exchange API key in Vault, bound to an IP whitelist and to its consumers.',
);

/** Why an exchange refused the signed request (ExchangeVerified False carries it too). */
export const EXCHANGE_REFUSALS = ['SignatureInvalid', 'KeyRefused', 'RequestRefused'] as const;

export const ExchangeKeyStatusSchema = z
  .strictObject({
    keyVersion: z
      .number()
      .int()
      .min(1)
      .describe('The Vault KV version of the key the exchange was asked about.'),
    generation: z
      .number()
      .int()
      .min(0)
      .describe('The .metadata.generation of the spec it was asked for.'),
    accepted: z.boolean().describe('Whether the exchange accepted the signed request.'),
    refusal: z
      .strictObject({
        reason: z.enum(EXCHANGE_REFUSALS),
        message: z.string().max(512).describe("The exchange's code and message, key masked."),
      })
      .optional()
      .describe('Why the exchange refused, when it did.'),
    withdrawEnabled: z.boolean().optional().describe('The key may withdraw funds.'),
    tradeEnabled: z.boolean().optional().describe('The key may trade.'),
    readEnabled: z.boolean().optional().describe('The key may read.'),
    ipRestricted: z.boolean().optional().describe('The key works only from bound IPs.'),
    ips: z
      .array(z.string().max(64))
      .max(64)
      .optional()
      .describe('The IPs the key is bound to, when the exchange lists them (Bybit; not Binance).'),
  })
  .describe('What the exchange said about the key when last asked (never the key).');

export const ExchangeCredentialStatusSchema = z
  .strictObject({
    ...statusBase,
    keyCreatedTime: z.iso.datetime().optional().describe('When the current key was created.'),
    rotationDueTime: z.iso.datetime().optional().describe('When the key reaches maxKeyAge.'),
    apiHosts: z
      .array(z.string().max(253))
      .max(8)
      .optional()
      .describe('API hosts consumers may reach.'),
    lastVerifiedTime: z.iso
      .datetime()
      .optional()
      .describe('When the exchange last answered a check of the key (ExchangeVerified says how).'),
    exchangeKey: ExchangeKeyStatusSchema.optional(),
  })
  .describe('Observed state of the credential (never the key).');

export const ExchangeCredentialSchema = z.strictObject({
  apiVersion: z.literal(GROUP_VERSION),
  kind: z.literal('ExchangeCredential'),
  metadata: ObjectMetaSchema,
  spec: ExchangeCredentialSpecSchema,
  status: ExchangeCredentialStatusSchema.optional(),
});

export type ExchangeCredential = z.infer<typeof ExchangeCredentialSchema>;
export type ExchangeCredentialInput = z.input<typeof ExchangeCredentialSchema>;
export type ExchangeCredentialSpec = z.infer<typeof ExchangeCredentialSpecSchema>;
export type ExchangeCredentialStatus = z.infer<typeof ExchangeCredentialStatusSchema>;
export type Permissions = z.infer<typeof PermissionsSchema>;
export type ExchangeKeyStatus = z.infer<typeof ExchangeKeyStatusSchema>;

/** The API hosts a credential's consumers may reach. */
export function apiHostsOf(
  spec: Pick<ExchangeCredentialSpec, 'exchange' | 'apiHosts'>,
): readonly string[] {
  return spec.exchange === 'custom' ? (spec.apiHosts ?? []) : EXCHANGE_API_HOSTS[spec.exchange];
}

/** Condition types of an ExchangeCredential beside the common ones (api/common/conditions.ts). */
export const ExchangeCredentialConditionType = {
  RotationDue: 'RotationDue',
  WhitelistMismatch: 'WhitelistMismatch',
  /** True: the exchange answered for the key in Vault (docs/adr/0044). */
  ExchangeVerified: 'ExchangeVerified',
  /** True: the exchange says the key may withdraw, which the platform never allows. */
  WithdrawEnabled: 'WithdrawEnabled',
} as const;
