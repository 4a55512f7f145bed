import { KubeSecret } from './kinds.ts';
import { MANAGED_BY } from './labels.ts';
import { part, type Part } from './objects.ts';

/** The Secret in the NATS namespace holding the aggregated auth config include. */
export const NATS_AUTH_SECRET = 'posture-nats-auth';
/** Its one key: the file nats-server includes (`include "auth.conf"`). */
export const NATS_AUTH_KEY = 'auth.conf';

/**
 * The aggregated NATS auth config as the one object both paths write: `posture synth` into
 * gitops/ and the operator into the cluster, the same kind and bytes (the contract test holds
 * them equal). A Secret although nothing in it is secret: it holds NKey public keys and
 * permissions only (seeds stay in Vault), so it may sit in git unencrypted; a Secret because it
 * is the auth config of the message bus, readable only by nats-server and posture (the
 * operator's RBAC names it), where a ConfigMap is read by many. `data` (base64), as the
 * apiserver stores it; reviewers read the plain text in gitops/review/nats/auth.conf.
 */
export function natsAuthPart(namespace: string, text: string): Part {
  return part(`${namespace}-${NATS_AUTH_SECRET}`, KubeSecret, {
    metadata: { name: NATS_AUTH_SECRET, namespace, labels: { ...MANAGED_BY } },
    type: 'Opaque',
    data: { [NATS_AUTH_KEY]: Buffer.from(text).toString('base64') },
  });
}
