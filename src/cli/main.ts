#!/usr/bin/env node
import { Command } from 'commander';
import { registerDev } from './dev.ts';
import { registerCrds } from './crds.ts';
import { registerValidate } from './validate.ts';
import { registerSynth } from './synth.ts';
import { registerStatus } from './status.ts';
import { registerIsolation } from './isolate.ts';
import { registerOperator } from './operator.ts';
import { registerVault } from './vault.ts';
import { registerHmac } from './hmac.ts';
import { registerProvenance } from './provenance.ts';
import { registerSeal } from './seal.ts';
import { registerNats } from './nats.ts';
import { registerAudit } from './audit.ts';
import { registerPromote } from './promote.ts';
import { postureVersion } from './version.ts';

/**
 * The `posture` command. Each subcommand lives in its own module and registers itself here,
 * so `posture --help` is the table of contents of what posture can do.
 */
export function buildProgram(): Command {
  const program = new Command('posture')
    .description(
      "Keep a trading platform's zero-trust posture true: render, validate and operate\n" +
        'TradingService, HmacKeyRing and ExchangeCredential resources (API group posture.dev).',
    )
    .version(postureVersion(), '-V, --version', 'print the posture version')
    .showHelpAfterError('(run with --help for usage)');
  program
    .command('version')
    .description('print the posture version and the Node.js runtime it runs on')
    .action(() => {
      process.stdout.write(`posture ${postureVersion()} (node ${process.versions.node})\n`);
    });
  registerDev(program);
  registerCrds(program);
  registerValidate(program);
  registerSynth(program);
  registerStatus(program);
  registerIsolation(program);
  registerOperator(program);
  registerVault(program);
  registerHmac(program);
  registerProvenance(program);
  registerSeal(program);
  registerNats(program);
  registerAudit(program);
  registerPromote(program);
  return program;
}

if (import.meta.main) {
  await buildProgram().parseAsync(process.argv);
}
