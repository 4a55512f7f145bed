/**
 * The NATS authorization model posture renders: one account for the platform's services, the
 * system account, and one user per service authenticated by its NKey public key. No passwords,
 * no seeds: a seed lives in Vault and reaches the pod as a file.
 */

/** allow_responses: `true` lets a user reply once to any request it received, within limits if set. */
export type AllowResponses = boolean | { max?: number; expires?: string };

export interface NatsPermissions {
  /** Subjects the user may publish to; empty means it may publish nothing. */
  publish: readonly string[];
  /** Subjects the user may subscribe to; empty means it may subscribe to nothing. */
  subscribe: readonly string[];
  allowResponses?: AllowResponses;
}

export interface NatsUser {
  /** Who this is, written as a comment above the user: `<namespace>/<service>`. */
  id: string;
  /** The user's NKey public key (starts with `U`). */
  nkey: string;
  permissions: NatsPermissions;
  /** A disabled user (isolated namespace) is left out of the config, so it cannot connect. */
  disabled?: boolean;
}

export interface NatsAccount {
  name: string;
  users: readonly NatsUser[];
}

export interface NatsAuthConfig {
  accounts: readonly NatsAccount[];
  /** Name of the account that is the system account (`system_account`). */
  systemAccount: string;
}

const TOKEN = /^[^\s.*>]+$/;
const ACCOUNT = /^[A-Z][A-Z0-9_]*$/;
const USER_NKEY = /^U[A-Z2-7]{55}$/;
const DURATION = /^[0-9]+(ms|s|m|h)$/;

/** Why a subject is not a valid NATS subject or wildcard pattern, or undefined when it is. */
export function subjectProblem(subject: string): string | undefined {
  const tokens = subject.split('.');
  for (const [i, token] of tokens.entries()) {
    if (token === '>' && i !== tokens.length - 1) return "'>' may only be the last token";
    if (token !== '*' && token !== '>' && !TOKEN.test(token)) {
      return `token ${JSON.stringify(token)} is empty or holds whitespace, '*' or '>'`;
    }
  }
  return undefined;
}

function userProblems(user: NatsUser, where: string): string[] {
  const problems: string[] = [];
  if (!USER_NKEY.test(user.nkey)) {
    problems.push(
      `${where}.nkey: ${JSON.stringify(user.nkey)} is not an NKey user public key (U...)`,
    );
  }
  for (const dir of ['publish', 'subscribe'] as const) {
    for (const [i, subject] of user.permissions[dir].entries()) {
      const problem = subjectProblem(subject);
      if (problem) problems.push(`${where}.permissions.${dir}[${i}]: ${problem}`);
    }
  }
  const ar = user.permissions.allowResponses;
  if (typeof ar === 'object' && ar.expires !== undefined && !DURATION.test(ar.expires)) {
    problems.push(`${where}.permissions.allowResponses.expires: use a duration such as 1m`);
  }
  return problems;
}

/** Every problem in the model, each with its path; empty when the config can be rendered. */
export function natsConfigProblems(config: NatsAuthConfig): string[] {
  const problems: string[] = [];
  const names = new Set(config.accounts.map((a) => a.name));
  if (!names.has(config.systemAccount)) {
    problems.push(`systemAccount: account ${config.systemAccount} is not defined`);
  }
  const seen = new Map<string, string>();
  for (const account of config.accounts) {
    if (!ACCOUNT.test(account.name))
      problems.push(`accounts.${account.name}: use UPPER_CASE names`);
    for (const user of account.users) {
      const where = `accounts.${account.name}.users[${user.id}]`;
      problems.push(...userProblems(user, where));
      const other = seen.get(user.nkey);
      if (other) problems.push(`${where}.nkey: the same key is already used by ${other}`);
      seen.set(user.nkey, user.id);
    }
  }
  return problems;
}
