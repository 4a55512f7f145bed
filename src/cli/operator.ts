import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { exchangeCredentialController } from '../controllers/exchangecredential/reconcile.ts';
import { hmacKeyRingController } from '../controllers/hmackeyring/reconcile.ts';
import { tradingServiceController } from '../controllers/tradingservice/reconcile.ts';
import {
  ConfirmedPublisher,
  secretWriter,
  unconfirmedTarget,
  type NatsPublisher,
} from '../nats/publisher.ts';
import { varzConfigLoadTime } from '../nats/reloader.ts';
import { JwtAuthority } from '../nats/jwt/authority.ts';
import { resolverTarget, systemConnection } from '../nats/jwt/resolver-target.ts';
import type { OperatorDeps } from '../controllers/kit/deps.ts';
import { runOperator, type Setup } from './run-operator.ts';
import { settingsHelp } from './operator-help.ts';
import {
  clusterPlatform,
  natsNamespaceProblem,
  platformWatch,
} from '../controllers/platform/settings.ts';
import type { KubeClient } from '../operator/kube/client.ts';
import { issueLines } from '../api/validate/issues.ts';
import { BARE_SETTINGS_WARNING, settingsOf } from '../api/platform/read.ts';
import { platformSchema, type Platform } from '../api/platform/settings.ts';

/** The settings from a file: a PosturePlatform object, or (with a warning) a bare settings map. */
export function loadPlatform(file: string | undefined): Platform {
  if (!file) return platformSchema.parse({});
  const read = settingsOf(parse(readFileSync(file, 'utf8')));
  if (read.ok && read.bare)
    process.stderr.write(`posture: warning: ${file}: ${BARE_SETTINGS_WARNING}\n`);
  if (read.ok) return read.platform;
  throw new Error(`platform file ${file}:\n  ${issueLines(read.error).join('\n  ')}`);
}

/** Takes `--name VALUE` or `--name=VALUE` out of `args`. */
function takeFlag(args: string[], name: string): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else if (arg === `--${name}`) value = args[(i += 1)];
    else rest.push(arg);
  }
  return { ...(value !== undefined && { value }), rest };
}

/** `--platform FILE` is posture's; every other flag belongs to the operator runtime's config. */
export function splitPlatformFlag(args: string[]): { platform?: string; rest: string[] } {
  const { value, rest } = takeFlag(args, 'platform');
  return { ...(value !== undefined && { platform: value }), rest };
}

/** `--nats-monitor-url URL` is posture's too: where Ready waits for nats-server's reload. */
export function splitNatsFlag(args: string[]): { natsMonitorUrl?: string; rest: string[] } {
  const { value, rest } = takeFlag(args, 'nats-monitor-url');
  return { ...(value !== undefined && { natsMonitorUrl: value }), rest };
}

/** `--nats-url URL`: with `nats.auth: jwt`, where posture pushes accounts as the system user. */
export function splitNatsUrlFlag(args: string[]): { natsUrl?: string; rest: string[] } {
  const { value, rest } = takeFlag(args, 'nats-url');
  return { ...(value !== undefined && { natsUrl: value }), rest };
}

/**
 * `nats.auth: jwt`: one authority per operator (its keys in Vault, read with the operator's
 * Vault login) shared by the reconciler, which issues user JWTs, and the publisher, which pushes
 * the accounts to nats-server's resolver and confirms them there.
 */
export function jwtWiring(platform: Platform, natsUrl: string | undefined) {
  if (platform.nats.auth !== 'jwt') return undefined;
  if (!natsUrl)
    throw new Error(
      'nats.auth is jwt: pass --nats-url nats://HOST:4222 (the operator pushes accounts to nats-server there)',
    );
  const authorities = new WeakMap<OperatorDeps, JwtAuthority>();
  const jwt = (deps: OperatorDeps): JwtAuthority => {
    let authority = authorities.get(deps);
    if (!authority) {
      authority = new JwtAuthority(deps.vault, platform.vault.kvMount, {
        systemAccount: platform.nats.systemAccount,
        ...(platform.nats.jwt && { expectOperatorJwt: platform.nats.jwt.operator }),
      });
      authorities.set(deps, authority);
    }
    return authority;
  };
  const nats = (deps: OperatorDeps): NatsPublisher =>
    new ConfirmedPublisher(
      resolverTarget(jwt(deps), systemConnection(natsUrl), {
        systemAccount: platform.nats.systemAccount,
      }),
      { confirmTimeoutMs: 60_000 },
    );
  return { jwt, nats };
}

/** `--nats-namespace NS`: where the operator's RBAC allows the NATS auth Secret (the chart's). */
export function splitNatsNamespaceFlag(args: string[]): { natsNamespace?: string; rest: string[] } {
  const { value, rest } = takeFlag(args, 'nats-namespace');
  return { ...(value !== undefined && { natsNamespace: value }), rest };
}

/** `--watch-namespace NS` limits the reconcilers to one namespace (tests, single-team installs). */
export function splitNamespaceFlag(args: string[]): { namespace?: string; rest: string[] } {
  const { value, rest } = takeFlag(args, 'watch-namespace');
  return { ...(value !== undefined && { namespace: value }), rest };
}

/**
 * The aggregated NATS auth config goes to one Secret in the NATS namespace; a config-reloader
 * beside nats-server signals it. With a monitoring URL, Ready waits until /varz shows the
 * reload (the Secret reaches the pod within the kubelet's sync period, hence the long wait).
 * Without one nothing confirms the load: services with a NATS user stay NatsNotConfirmed.
 */
export function natsPublisher(platform: Platform, monitorUrl: string | undefined) {
  return (deps: OperatorDeps): NatsPublisher => {
    const write = secretWriter(deps.client, platform.nats.namespace);
    if (!monitorUrl)
      return new ConfirmedPublisher(unconfirmedTarget(write), { confirmsLoad: false });
    const target = {
      write,
      reload: () => Promise.resolve(),
      loadedMarker: () => varzConfigLoadTime(monitorUrl),
    };
    return new ConfirmedPublisher(target, { confirmTimeoutMs: 180_000 });
  };
}

/** `posture operator`: runs the reconcilers in the cluster (or against a kubeconfig). */
export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description(
      'run the posture operator: informers, work queue, leader election, /metrics /healthz ' +
        '/readyz. Reconciles TradingServices (workload, network policy, Vault policy and role, ' +
        'NKey in Vault, NATS user in the Secret posture-nats-auth; the baseline of their ' +
        'namespaces: Pod Security labels, posture-default-deny) and ExchangeCredentials ' +
        '(RotationDue, WhitelistMismatch as conditions and Events, key age; once a day it reads ' +
        'a Binance or Bybit key from Vault and asks the exchange what the key may do: ' +
        'ExchangeVerified, WithdrawEnabled, the IP binding) and HmacKeyRings (the first key, ' +
        'rotation through listeners then signers, the grace period). A deleted service is ' +
        'cleaned up from Vault and NATS level-based, and a sweep at every resync finds what ' +
        'services deleted while no operator ran left.',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
Flags (also from --config FILE, YAML):
  --platform <file>  the platform settings from a file (a PosturePlatform, or a bare settings map), read once; without it the operator reads the PosturePlatform named posture from the cluster at start and restarts when its spec changes (--vault-role logs in at its vault.authMount)
  --nats-url <url>  with nats.auth: jwt, nats-server's client URL: accounts are pushed there over the system account and confirmed (required in jwt mode)
  --nats-monitor-url <url>  nats-server monitoring; Ready waits for its /varz to show the reload (without it, services with a NATS user stay Ready False, NatsNotConfirmed)
  --nats-namespace <ns>  the namespace the operator may write the NATS auth Secret in (the chart's nats.namespace); settings naming another are refused at start
  --watch-namespace <ns>  reconcile one namespace only (default: all)
${settingsHelp()}`,
    )
    .action(async (_options: unknown, command: Command) => {
      try {
        const { platform: file, rest: afterPlatform } = splitPlatformFlag(command.args);
        const { natsMonitorUrl, rest: afterNats } = splitNatsFlag(afterPlatform);
        const { natsNamespace, rest: afterNatsNamespace } = splitNatsNamespaceFlag(afterNats);
        const { natsUrl, rest: afterUrl } = splitNatsUrlFlag(afterNatsNamespace);
        const { namespace, rest } = splitNamespaceFlag(afterUrl);
        const scope = namespace ? { namespace } : {};
        const restart = new AbortController();
        const setup = async (client: KubeClient): Promise<Setup> => {
          const platform = file ? loadPlatform(file) : await clusterPlatform(client);
          const mismatch = natsNamespaceProblem(platform, natsNamespace);
          if (mismatch) throw new Error(mismatch);
          const wiring = jwtWiring(platform, natsUrl) ?? {
            nats: natsPublisher(platform, natsMonitorUrl),
          };
          const controllers = [
            exchangeCredentialController(platform, scope),
            hmacKeyRingController(platform, scope),
            tradingServiceController(platform, { ...scope, ...wiring }),
          ];
          // A file is read once; the cluster's settings are watched (docs/adr/0052).
          const watch = file ? [] : [platformWatch(platform, () => restart.abort())];
          return { register: [...controllers, ...watch], vaultAuthMount: platform.vault.authMount };
        };
        await runOperator({ argv: rest, setup, signal: restart.signal });
        // Exit 0 after a settings change: the Deployment starts the container again, which reads
        // the new settings at start like the first time.
        if (restart.signal.aborted)
          process.stderr.write('posture operator: platform settings changed; exiting to restart\n');
      } catch (error) {
        process.stderr.write(
          `posture operator: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
      // The shutdown above is complete (controllers drained, informers and the health server
      // stopped); what is left is sockets nothing will use again, such as the JWT mode's
      // connection to nats-server, which kept the process alive after SIGTERM until a SIGKILL.
      process.exit();
    });
}
