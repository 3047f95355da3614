// Structured logs: one JSON object per line on stderr; quiet (warnings and errors) unless
// SKIFF_LOG or --v asks for more.

export type Level = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: Level;
  component?: string;
  write?: (line: string) => void;
}

export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): Level {
  const v = (env['SKIFF_LOG'] ?? '').toLowerCase();
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' ? v : 'warn';
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? levelFromEnv();
  const write = o.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (component: string | undefined): Logger => {
    const emit = (lv: Level, msg: string, fields?: Record<string, unknown>): void => {
      if (ORDER[lv] < ORDER[level]) return;
      const rec: Record<string, unknown> = {
        time: new Date().toISOString(),
        level: lv,
        ...(component ? { component } : {}),
        msg,
        ...fields,
      };
      if (fields?.['err'] instanceof Error) rec['err'] = (fields['err'] as Error).message;
      write(JSON.stringify(rec));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (c) => make(component ? `${component}.${c}` : c),
    };
  };
  return make(o.component);
}
