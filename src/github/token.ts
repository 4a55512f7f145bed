/**
 * The GitHub token: `--token-file` when given (a file keeps it out of the process list and the
 * shell history), else GITHUB_TOKEN (set by GitHub Actions), else GH_TOKEN (the gh CLI's).
 * Undefined when there is none; a read-only dry run can go without one on a public repository.
 */
export function resolveToken(
  env: Readonly<Record<string, string | undefined>>,
  tokenFile: string | undefined,
  readFile: (path: string) => string,
): string | undefined {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFile(tokenFile);
    } catch (error) {
      throw new Error(`--token-file ${tokenFile} cannot be read: ${(error as Error).message}`);
    }
    const token = text.trim();
    if (token === '') throw new Error(`--token-file ${tokenFile} is empty`);
    return token;
  }
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * The REST API root: api.github.com by default; for GitHub Enterprise Server the host's
 * `/api/v3`. A bare host URL gets the `/api/v3` suffix, which people forget.
 */
export function apiBaseUrl(apiUrl: string | undefined): string {
  if (apiUrl === undefined) return 'https://api.github.com';
  const url = new URL(apiUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (url.hostname !== 'api.github.com' && path === '') url.pathname = '/api/v3';
  return url.toString().replace(/\/+$/, '');
}
