import { AGE_COLUMN, type KindInfo, READY_COLUMN, resourceOf } from '../common/kind.ts';
import {
  ExchangeCredentialSchema,
  ExchangeCredentialSpecSchema,
  ExchangeCredentialStatusSchema,
} from './schema.ts';

export const exchangeCredentialKind: KindInfo<typeof ExchangeCredentialSchema> = {
  kind: 'ExchangeCredential',
  plural: 'exchangecredentials',
  singular: 'exchangecredential',
  listKind: 'ExchangeCredentialList',
  shortNames: ['xc', 'xcred'],
  scope: 'Namespaced',
  schema: ExchangeCredentialSchema,
  spec: ExchangeCredentialSpecSchema,
  status: ExchangeCredentialStatusSchema,
  description:
    'A trade-only exchange API key in Vault, bound to an IP whitelist and its consumers.',
  printerColumns: [
    { name: 'Exchange', type: 'string', jsonPath: '.spec.exchange', description: 'Exchange.' },
    {
      name: 'Max-Age',
      type: 'string',
      jsonPath: '.spec.maxKeyAge',
      description: 'Rotation due after.',
    },
    { name: 'Rotation-Due', type: 'date', jsonPath: '.status.rotationDueTime', priority: 1 },
    { name: 'Verified', type: 'date', jsonPath: '.status.lastVerifiedTime', priority: 1 },
    READY_COLUMN,
    AGE_COLUMN,
  ],
};

/** Its REST coordinates, for the kube client and informers. */
export const EXCHANGE_CREDENTIAL = resourceOf(exchangeCredentialKind);
