/**
 * posture's API (group posture.dev, version v1alpha1): one zod schema per kind is the single
 * source of the TypeScript types, the runtime validation and the CRD YAML (./crd/).
 */
import { exchangeCredentialKind } from './exchangecredential/kind.ts';
import { hmacKeyRingKind } from './hmackeyring/kind.ts';
import { posturePlatformKind } from './platform/kind.ts';
import { tradingServiceKind } from './tradingservice/kind.ts';
import type { ExchangeCredential } from './exchangecredential/schema.ts';
import type { HmacKeyRing } from './hmackeyring/schema.ts';
import type { PosturePlatform } from './platform/schema.ts';
import type { TradingService } from './tradingservice/schema.ts';

export * from './common/cel.ts';
export * from './common/conditions.ts';
export * from './common/duration.ts';
export * from './common/kind.ts';
export * from './common/metadata.ts';
export * from './tradingservice/schema.ts';
export * from './hmackeyring/schema.ts';
export * from './exchangecredential/schema.ts';
export * from './platform/schema.ts';
export { tradingServiceKind, hmacKeyRingKind, exchangeCredentialKind, posturePlatformKind };

/** Every kind posture serves, in a stable order (CRD files, docs, validation). */
export const KINDS = [
  tradingServiceKind,
  hmacKeyRingKind,
  exchangeCredentialKind,
  posturePlatformKind,
] as const;

/** The kinds by name: `KIND_BY_NAME.TradingService.schema.parse(obj)`. */
export const KIND_BY_NAME = {
  TradingService: tradingServiceKind,
  HmacKeyRing: hmacKeyRingKind,
  ExchangeCredential: exchangeCredentialKind,
  PosturePlatform: posturePlatformKind,
} as const;

export type KindName = keyof typeof KIND_BY_NAME;

/** Any posture custom resource, discriminated by `kind`. */
export type PostureResource = TradingService | HmacKeyRing | ExchangeCredential | PosturePlatform;

export function isKindName(kind: unknown): kind is KindName {
  return typeof kind === 'string' && Object.hasOwn(KIND_BY_NAME, kind);
}
