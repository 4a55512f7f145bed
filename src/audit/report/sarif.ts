/**
 * SARIF 2.1.0, as GitHub code scanning reads it: one run, the rule table in tool.driver.rules
 * (with `security-severity` so GitHub ranks them), a result per finding and per suppressed
 * finding (the latter with `suppressions`, so the review stays visible).
 */
import type { AuditResult } from '../audit.ts';
import type { Finding, RuleInfo, Severity, Suppressed } from '../finding.ts';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = {
  low: 'note',
  medium: 'warning',
  high: 'error',
  critical: 'error',
};

// GitHub's scale: critical above 9.0, high 7.0-8.9, medium 4.0-6.9, low below.
const SECURITY_SEVERITY: Record<Severity, string> = {
  low: '2.0',
  medium: '5.0',
  high: '8.0',
  critical: '9.5',
};

function ruleOf(rule: RuleInfo & { fix?: string }): object {
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.summary },
    ...(rule.fix ? { help: { text: rule.fix } } : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['security'], 'security-severity': SECURITY_SEVERITY[rule.severity] },
  };
}

function resultOf(finding: Finding, ruleIndex: number): Record<string, unknown> {
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: `${finding.message}. Fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: {
          // A URI reference: a path with spaces or non-ASCII characters is percent-encoded.
          artifactLocation: { uri: encodeURI(finding.file), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: finding.line,
            ...(finding.column ? { startColumn: finding.column } : {}),
          },
        },
      },
    ],
  };
}

export function sarifReport(
  result: AuditResult,
  rules: readonly (RuleInfo & { fix?: string })[],
  version: string,
): string {
  const index = (id: string): number => rules.findIndex((rule) => rule.id === id);
  const suppressedResult = (finding: Suppressed): object => ({
    ...resultOf(finding, index(finding.ruleId)),
    suppressions: [{ kind: 'external', status: 'accepted', justification: finding.reason }],
  });
  const log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'posture audit', version, rules: rules.map(ruleOf) },
        },
        columnKind: 'unicodeCodePoints',
        results: [
          ...result.findings.map((finding) => resultOf(finding, index(finding.ruleId))),
          ...result.suppressed.map(suppressedResult),
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
