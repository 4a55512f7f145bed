import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatFinding, validateYaml, type Finding } from '../api/validate/documents.ts';
import { readPlatformDir } from '../gitops/source.ts';
import { buildModel } from '../render/build-model.ts';

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
 * What only a whole platform folder shows, once each file is valid on its own: references
 * between CRs and grants every side must agree to, and Vault paths the namespace does not own
 * (docs/adr/0037). The same checks `posture synth` and the operator make.
 */
function platformFindings(dir: string): Finding[] {
  const source = readPlatformDir(dir);
  const problems =
    source.problems.length > 0
      ? source.problems
      : buildModel(source.resources, source.platform).problems;
  return problems.map((p) => ({
    file: p.file ?? dir,
    object: '-',
    path: p.path,
    message: p.message,
    fix: p.forbidden
      ? 'name only what the namespace owns in Vault (docs/adr/0037-vault-tenancy.md)'
      : 'make the resources agree (see the message)',
  }));
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
  if (findings.length === 0 && objects > 0)
    for (const dir of paths.filter((p) => statSync(p).isDirectory()))
      findings.push(...platformFindings(dir));
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
        'per file; folders are searched for *.yaml/*.yml; other API groups are skipped). A folder\n' +
        'is also checked as a whole platform, with its platform.yaml: references between CRs,\n' +
        'grants both sides agree to, and Vault paths its namespaces own (docs/adr/0037)',
    )
    .argument('<paths...>', 'YAML files or folders')
    .action((paths: string[]) => {
      process.exitCode = runValidate(paths, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
