import { INGRESS_ROWS } from './malformed-ingress.ts';
import { EXCHANGE_CREDENTIAL_ROWS, HMAC_KEY_RING_ROWS } from './malformed-others.ts';
import { TRADING_SERVICE_ROWS } from './malformed-tradingservice.ts';
import type { MalformedCase } from './row.ts';

export type { MalformedCase } from './row.ts';

/**
 * The one table of malformed objects, used by the unit tests (zod and `posture validate`) and by
 * the integration test against the real apiserver (test/integration/crds.test.ts): every row must
 * be rejected by both, each with a message that names the problem. Rows break one thing in an
 * otherwise valid object (./valid.ts), because the apiserver skips CEL rules once a schema error
 * is found. Rows live in one file per kind to keep files small.
 */
export const MALFORMED: readonly MalformedCase[] = [
  ...TRADING_SERVICE_ROWS,
  ...INGRESS_ROWS,
  ...HMAC_KEY_RING_ROWS,
  ...EXCHANGE_CREDENTIAL_ROWS,
];
