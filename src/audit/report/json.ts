import type { AuditResult } from '../audit.ts';

/** The result as JSON: stable key order, findings sorted by place. */
export const jsonReport = (result: AuditResult): string =>
  `${JSON.stringify(
    { files: result.files, findings: result.findings, suppressed: result.suppressed },
    null,
    2,
  )}\n`;
