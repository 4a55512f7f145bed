/** `--name value` or `--name=value` of a bench's own arguments (after `npm run bench -- <name>`). */
export function textFlag(name: string, fallback: string): string {
  const args = process.argv.slice(3);
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const arg = args[i] ?? '';
  return (arg.includes('=') ? arg.split('=')[1] : args[i + 1]) ?? fallback;
}

/** A numeric flag; `fallback` when absent. */
export function flag(name: string, fallback: number): number {
  const text = textFlag(name, '');
  return text === '' ? fallback : Number(text);
}
