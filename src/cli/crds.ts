import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CRD_DIR, crdFiles } from '../api/crd/generate.ts';
import type { Output } from './validate.ts';

/** Files in `dir` that differ from what the schemas generate (missing counts as different). */
export function staleCrdFiles(dir: string): string[] {
  const stale: string[] = [];
  for (const [name, content] of crdFiles()) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(path);
  }
  return stale;
}

/**
 * `posture crds`: writes the CRDs generated from the zod schemas (`npm run crds`), or with
 * `--check` only reports whether the committed ones drifted.
 */
export function runCrds(options: { out: string; check: boolean }, output: Output): number {
  if (options.check) {
    const stale = staleCrdFiles(options.out);
    for (const path of stale) output.err(`${path} is out of date: run \`npm run crds\``);
    return stale.length === 0 ? 0 : 1;
  }
  mkdirSync(options.out, { recursive: true });
  for (const [name, content] of crdFiles()) {
    writeFileSync(join(options.out, name), content);
    output.out(join(options.out, name));
  }
  return 0;
}

export function registerCrds(program: Command): void {
  program
    .command('crds')
    .description('write the posture CRDs generated from the zod schemas in src/api')
    .option('-o, --out <dir>', 'folder to write to', CRD_DIR)
    .option('--check', 'only check that the files in the folder are up to date', false)
    .action((options: { out: string; check: boolean }) => {
      process.exitCode = runCrds(options, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
