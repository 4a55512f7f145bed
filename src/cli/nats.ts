import type { Command } from 'commander';
import { stringify } from 'yaml';
import { initJwt } from '../nats/jwt/init.ts';
import { HttpVaultAdapter } from '../vault/http.ts';
import { loadPlatform } from './operator.ts';
import { printing } from './printing.ts';
import { vaultAccess } from './vault-push.ts';

interface InitOptions {
  platform?: string;
  vaultAddr?: string;
  vaultTokenFile?: string;
}

/** The platform.yaml block `posture nats init` prints. */
export async function natsInitText(options: InitOptions): Promise<string> {
  const platform = loadPlatform(options.platform);
  const vault = new HttpVaultAdapter({ ...vaultAccess(options, process.env), timeoutMs: 15_000 });
  const jwt = await initJwt(vault, platform.vault.kvMount, platform.nats.systemAccount);
  const block = { nats: { auth: 'jwt', jwt } };
  return [
    '# NATS decentralized auth (docs/adr/0060-nats-jwt-auth.md): merge into platform.yaml.',
    `# The seeds are in Vault at ${platform.vault.kvMount}/posture/nats/_jwt/; these are public.`,
    stringify(block, { lineWidth: 0 }),
  ].join('\n');
}

/** `posture nats …`: the keys of NATS decentralized auth. */
export function registerNats(program: Command): void {
  const nats = program
    .command('nats')
    .description('NATS decentralized (JWT) auth: keys in Vault, JWTs for platform.yaml');
  nats
    .command('init')
    .description(
      'create the NATS operator key and the system account keys in Vault (once; a second run ' +
        'reads them) and print the nats.auth/nats.jwt block for platform.yaml',
    )
    .option('--platform <file>', 'platform.yaml (vault.kvMount, nats.systemAccount)')
    .option('--vault-addr <url>', 'Vault address (default: $VAULT_ADDR)')
    .option('--vault-token-file <file>', 'file holding a Vault token (default: $VAULT_TOKEN)')
    .addHelpText(
      'after',
      `
The token needs create and read on <kvMount>/data/posture/nats/_jwt/*. Then:
  1. merge the printed block into platform.yaml and run posture synth: the NATS auth Secret
     becomes the operator/resolver include nats-server loads (resolver type full);
  2. start the operator with --nats-url so it can push accounts to nats-server.`,
    )
    .action((options: InitOptions) => printing('posture nats init', () => natsInitText(options)));
}
