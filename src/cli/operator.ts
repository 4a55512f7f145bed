import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { exchangeCredentialController } from '../crds/exchangecredential/reconcile.ts';
import { SETTINGS } from '../operator/config.ts';
import { runOperator } from '../operator/main.ts';
import { platformSchema, type Platform } from '../render/platform.ts';

function loadPlatform(file: string | undefined): Platform {
  if (!file) return platformSchema.parse({});
  const result = platformSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`platform file ${file}:\n  ${issues.join('\n  ')}`);
}

/** `--platform FILE` is posture's; every other flag belongs to the operator runtime's config. */
export function splitPlatformFlag(args: string[]): { platform?: string; rest: string[] } {
  const rest: string[] = [];
  let platform: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--platform=')) platform = arg.slice('--platform='.length);
    else if (arg === '--platform') platform = args[(i += 1)];
    else rest.push(arg);
  }
  return { ...(platform !== undefined && { platform }), rest };
}

const FLAGS_HELP = SETTINGS.map((s) => `  --${s.flag} <value>  (env ${s.env.join(' or ')})`).join(
  '\n',
);

/** `posture operator`: runs the reconcilers in the cluster (or against a kubeconfig). */
export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description(
      'run the posture operator: informers, work queue, leader election, /metrics /healthz /readyz.\n' +
        'Reconciles ExchangeCredentials today (RotationDue, WhitelistMismatch, key age);\n' +
        'the TradingService and HmacKeyRing reconcilers are not built yet.',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `\nFlags (also from --config FILE, YAML):\n  --platform <file>  platform.yaml (egress gateway IPs, Vault, NATS settings)\n${FLAGS_HELP}`,
    )
    .action(async (_options: unknown, command: Command) => {
      try {
        const { platform, rest } = splitPlatformFlag(command.args);
        await runOperator({
          argv: rest,
          register: [exchangeCredentialController(loadPlatform(platform))],
        });
      } catch (error) {
        process.stderr.write(
          `posture operator: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    });
}
