/** Where a service finds one key file: the path and the variable that named it. */
export interface KeyFileLocation {
  path: string;
  /** `<NAME>_FILE`, or how the path was given (`--key-file`), for error messages. */
  variable: string;
  /** What to do when the file is missing; by default, the Vault Agent checks for a pod. */
  fix?: string;
}

/**
 * The path in `<NAME>_FILE` (posture sets it on every pod for each `spec.hmac` entry, for
 * example TITAN_HMAC_SECRET_FILE=/vault/secrets/hmac). Accepts NAME or NAME_FILE.
 */
export function keyFileFromEnv(
  name: string,
  env: Record<string, string | undefined> = process.env,
): KeyFileLocation {
  const variable = name.endsWith('_FILE') ? name : `${name}_FILE`;
  const path = env[variable];
  if (!path) {
    throw new Error(
      `${variable} is not set: posture sets it on the pods of a TradingService that lists the ` +
        `key ring under spec.hmac (env: ${variable.slice(0, -'_FILE'.length)}); outside Kubernetes ` +
        'set it to the path of a ring file (posture hmac keygen --json > ring.json)',
    );
  }
  return { path, variable };
}
