import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  ISOLATION_ACTOR,
  ISOLATION_LABEL,
  ISOLATION_REASON,
} from '../controllers/tradingservice/isolation-state.ts';
import { KeyRingFile } from '../hmac/loader.ts';
import { Verifier } from '../hmac/verify.ts';
import type { OperatorConfig } from '../operator/config.ts';
import type { KubeWrites } from '../operator/kube/client.ts';
import { RESOURCES } from '../operator/kube/resources.ts';
import type { Log } from '../operator/telemetry/log.ts';
import { WebhookHandler, type IsolateRequest } from '../webhook/handler.ts';
import { auditTo, startWebhookServer } from '../webhook/server.ts';

/** Isolating is setting the label: the operator does the rest, as for `posture isolate`. */
function labelIsolated(client: KubeWrites) {
  return async (request: IsolateRequest, actor: string): Promise<void> => {
    await client.patch(RESOURCES.namespace, {
      name: request.namespace,
      type: 'merge',
      patch: {
        metadata: {
          labels: { [ISOLATION_LABEL]: 'isolated' },
          annotations: { [ISOLATION_REASON]: request.reason, [ISOLATION_ACTOR]: actor },
        },
      },
    });
  };
}

/** Starts the alert webhook when the configuration gives it a port; returns how to stop it. */
export async function startAlertWebhook(
  config: OperatorConfig,
  client: KubeWrites,
  log: Log,
): Promise<(() => Promise<void>) | undefined> {
  const { port, host, keyFile, tlsCertFile, tlsKeyFile, auditFile } = config.webhook;
  if (port === undefined || keyFile === undefined) return undefined;
  const keys = new KeyRingFile(
    { path: keyFile, variable: '--webhook-key-file', fix: 'write the ring JSON there' },
    { onError: (err) => log.warn({ err }, 'webhook key file not reloaded') },
  );
  const handler = new WebhookHandler({
    verifier: new Verifier({ ring: keys }),
    isolate: labelIsolated(client),
    audit: auditTo(auditFile),
  });
  const tls =
    tlsCertFile && tlsKeyFile
      ? { cert: readFileSync(tlsCertFile, 'utf8'), key: readFileSync(tlsKeyFile, 'utf8') }
      : undefined;
  const server: Server = await startWebhookServer({ handler, port, host, ...(tls && { tls }) });
  const address = server.address();
  log.info(
    { port: typeof address === 'object' ? address?.port : port, tls: Boolean(tls) },
    'alert webhook listening',
  );
  return async () => {
    keys.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
