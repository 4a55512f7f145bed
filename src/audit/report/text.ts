import type { AuditResult } from '../audit.ts';
import type { Finding } from '../finding.ts';

const place = (f: Finding): string => `${f.file}:${f.line}${f.column ? `:${f.column}` : ''}`;

/** One finding per block: where, severity and rule, what is wrong, what to do. */
export function textReport(result: AuditResult): string {
  const lines = result.findings.map(
    (f) => `${place(f)}: ${f.severity} ${f.ruleId}: ${f.message}\n  fix: ${f.fix}`,
  );
  const suppressed = result.suppressed.map(
    (f) => `${place(f)}: suppressed ${f.ruleId}: ${f.reason}`,
  );
  const summary =
    `${result.findings.length} finding(s), ${result.suppressed.length} suppressed, ` +
    `${result.files} file(s) audited`;
  return [...lines, ...suppressed, summary].join('\n') + '\n';
}
