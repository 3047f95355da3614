// A small flag parser: `--name value`, `--name=value`, boolean `--flag`.

export interface ParsedArgs {
  command: string;
  positionals: string[];
  flags: Map<string, string | true>;
  /** Every value of each flag, in order (a flag may be given more than once). */
  repeated?: Map<string, string[]>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], booleans: ReadonlySet<string>): ParsedArgs {
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const positionals: string[] = [];
  const value = (name: string, v: string): void => {
    flags.set(name, v);
    repeated.set(name, [...(repeated.get(name) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value(name, a.slice(eq + 1));
      else if (booleans.has(name)) flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--'))
          throw new UsageError(`flag --${name} needs a value`);
        value(name, v);
        i++;
      }
    } else positionals.push(a);
  }
  return { command: positionals.shift() ?? '', positionals, flags, repeated };
}

export function stringFlag(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  if (v === true) throw new UsageError(`flag --${name} needs a value`);
  return v;
}

export function intFlag(p: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`flag --${name}: "${v}" is not a valid port`);
  return n;
}

/** Every value of a flag that may be repeated (`--address A --address B`). */
export function stringFlags(p: ParsedArgs, name: string): string[] {
  const v = p.flags.get(name);
  if (v === true) throw new UsageError(`flag --${name} needs a value`);
  return p.repeated?.get(name) ?? (v === undefined ? [] : [v]);
}
