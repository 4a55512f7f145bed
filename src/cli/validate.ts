import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatFinding, validateYaml, type Finding } from '../crds/validate/documents.ts';

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

const YAML_FILE = /\.ya?ml$/;

/** YAML files under a path, in a stable order; a missing path is a finding. */
function filesOf(path: string, findings: Finding[]): string[] {
  if (!existsSync(path)) {
    findings.push({
      file: path,
      object: '-',
      path: '-',
      message: 'no such file or folder',
      fix: 'check the path',
    });
    return [];
  }
  if (!statSync(path).isDirectory()) return [path];
  const entries = readdirSync(path, { recursive: true, encoding: 'utf8' }).sort();
  return entries
    .filter((e) => YAML_FILE.test(e))
    .map((e) => join(path, e))
    .filter((f) => statSync(f).isFile());
}

/**
 * `posture validate`: checks posture CRs offline with the same zod schemas the CRDs come from.
 * Prints one line per problem and returns the exit code (0: all valid, 1: anything wrong).
 */
export function runValidate(paths: readonly string[], output: Output): number {
  const findings: Finding[] = [];
  const files = [...new Set(paths.flatMap((p) => filesOf(p, findings)))];
  let objects = 0;
  for (const file of files) {
    const report = validateYaml(file, readFileSync(file, 'utf8'));
    objects += report.objects;
    findings.push(...report.findings);
  }
  for (const finding of findings) output.out(formatFinding(finding));
  if (objects === 0 && findings.length === 0) {
    output.err(`posture validate: no posture objects found in ${paths.join(', ')}`);
    return 1;
  }
  const summary = `${objects} object(s) in ${files.length} file(s)`;
  if (findings.length === 0) {
    output.err(`posture validate: ${summary}: all valid`);
    return 0;
  }
  output.err(`posture validate: ${summary}: ${findings.length} error(s)`);
  return 1;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check TradingService, HmacKeyRing and ExchangeCredential YAML offline (several documents\n' +
        'per file; folders are searched for *.yaml/*.yml; other API groups are skipped)',
    )
    .argument('<paths...>', 'YAML files or folders')
    .action((paths: string[]) => {
      process.exitCode = runValidate(paths, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
