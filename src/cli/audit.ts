import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ALL_RULES, auditPath, type AuditResult } from '../audit/audit.ts';
import { atLeast, SEVERITIES, type Severity } from '../audit/finding.ts';
import { jsonReport } from '../audit/report/json.ts';
import { sarifReport } from '../audit/report/sarif.ts';
import { textReport } from '../audit/report/text.ts';
import { postureVersion } from './version.ts';

export type Format = 'text' | 'json' | 'sarif';

export interface AuditCliOptions {
  format: Format;
  failOn: Severity;
  output?: string;
}

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not audit. */
export const EXIT = { clean: 0, findings: 1, usage: 2 } as const;

function render(result: AuditResult, format: Format): string {
  if (format === 'json') return jsonReport(result);
  if (format === 'sarif') return sarifReport(result, ALL_RULES, postureVersion());
  return textReport(result);
}

/** `posture audit [PATH]`: the report on stdout (or in --output), and the exit code. */
export function runAudit(path: string, options: AuditCliOptions, io: Io): number {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    io.stderr.write(`posture audit: ${path}: not a folder\n`);
    return EXIT.usage;
  }
  let result: AuditResult;
  try {
    result = auditPath(root);
  } catch (error) {
    io.stderr.write(`posture audit: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const report = render(result, options.format);
  if (options.output) writeFileSync(options.output, report);
  else io.stdout.write(report);
  const failing = result.findings.filter((f) => atLeast(f.severity, options.failOn));
  return failing.length > 0 ? EXIT.findings : EXIT.clean;
}

const AUDIT_HELP = `
Rules: ${ALL_RULES.map((rule) => rule.id).join(', ')}.
Reviewed exceptions live in .postureaudit.yaml at PATH (docs/adr/0050-audit.md):

  suppress:
    - path: src/audit/testdata/literal-password/bad/**
      rule: literal-password
      reason: the rule's own positive fixture

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage error.
Examples:
  posture audit
  posture audit . --format sarif --output posture-audit.sarif --fail-on medium
`;

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('scan a repository for supply-chain and secret-handling findings')
    .argument('[path]', 'the repository (or any folder) to audit', '.')
    .addOption(
      new Option('--format <format>', 'report format')
        .choices(['text', 'json', 'sarif'])
        .default('text'),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe')
        .choices([...SEVERITIES])
        .default('high'),
    )
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .addHelpText('after', AUDIT_HELP)
    // A usage error exits 2, not commander's 1: 1 means findings, and CI must tell them apart.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage))
    .action((path: string, options: AuditCliOptions) => {
      process.exitCode = runAudit(path, options, {
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}
