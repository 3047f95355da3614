// A container's argv from the pod spec and the image config, by Kubernetes' rules:
// command replaces the image's Entrypoint (and drops its Cmd); args replace Cmd.
// $(VAR) references are expanded from the container's environment; $$ escapes.

export function expandVars(s: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === '$') {
        out += '$';
        i++;
        continue;
      }
      if (n === '(') {
        const close = s.indexOf(')', i + 2);
        if (close > 0) {
          const name = s.slice(i + 2, close);
          const v = env.get(name);
          out += v !== undefined ? v : `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

export function containerArgv(
  container: { command?: string[]; args?: string[] },
  image: { Entrypoint?: string[] | null; Cmd?: string[] | null },
  env: ReadonlyMap<string, string>,
): string[] {
  const command = container.command?.length ? container.command : (image.Entrypoint ?? []);
  const args = container.args?.length
    ? container.args
    : container.command?.length
      ? []
      : (image.Cmd ?? []);
  const expand = (xs: string[]): string[] => xs.map((x) => expandVars(x, env));
  // Only what the pod spec says is expanded; the image's own strings are taken as they are.
  const argv = [
    ...(container.command?.length ? expand(command) : command),
    ...(container.args?.length ? expand(args) : args),
  ];
  return argv;
}
