// Readiness, liveness and startup probes: the timing and thresholds of the kubelet's
// prober workers. How one probe is carried out (exec, HTTP, TCP) is the caller's.

export interface ProbeSpec {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port: number | string; host?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export interface ProbeOutcome {
  ok: boolean;
  message?: string;
}

export interface Prober {
  /** The current verdict: readiness starts false, liveness true, startup false. */
  readonly result: boolean;
  stop(): void;
}

export function startProber(o: {
  kind: ProbeKind;
  spec: ProbeSpec;
  run(spec: ProbeSpec, timeoutMs: number): Promise<ProbeOutcome>;
  /** Called when the verdict flips (and for liveness on every failure past the threshold). */
  onChange(result: boolean, message?: string): void;
  /** Called on every failed attempt (the kubelet's Unhealthy event). */
  onFailure?(message: string): void;
  /** Startup gating: while this says false, the probe does not run. */
  gate?: () => boolean;
}): Prober {
  const s = o.spec;
  const period = Math.max(1, s.periodSeconds ?? 10) * 1000;
  const timeoutMs = Math.max(1, s.timeoutSeconds ?? 1) * 1000;
  const successThreshold = Math.max(1, s.successThreshold ?? 1);
  const failureThreshold = Math.max(1, s.failureThreshold ?? 3);
  let result = o.kind === 'liveness';
  let successes = 0;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (!o.gate || o.gate()) {
      let out: ProbeOutcome;
      try {
        out = await o.run(s, timeoutMs);
      } catch (e) {
        out = { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
      if (stopped) return;
      if (out.ok) {
        failures = 0;
        successes++;
        if (!result && successes >= successThreshold) {
          result = true;
          o.onChange(true);
        }
      } else {
        successes = 0;
        failures++;
        o.onFailure?.(out.message ?? '');
        if (result && failures >= failureThreshold) {
          result = false;
          failures = 0;
          o.onChange(false, out.message);
        }
      }
      // A startup probe that succeeded has done its work.
      if (o.kind === 'startup' && result) return;
    }
    timer = setTimeout(() => void tick(), period);
    timer.unref();
  };
  timer = setTimeout(() => void tick(), Math.max(0, s.initialDelaySeconds ?? 0) * 1000);
  timer.unref();
  return {
    get result() {
      return result;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
