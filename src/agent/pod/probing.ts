// A started container's startup, readiness and liveness probes, wired as the kubelet's:
// the startup probe gates the others; readiness sets the container's ready flag; liveness
// failing past its threshold restarts the container.

import type { IContainer } from 'kubernetes-models/v1';
import { startProber, type ProbeOutcome, type ProbeSpec, type Prober } from '../probes.js';

export interface ContainerProbes {
  probes: Prober[];
  startupProbe: Prober | undefined;
  /** Ready at once: no readiness probe, and no startup probe to pass first. */
  readyNow: boolean;
}

export function startContainerProbes(o: {
  container: IContainer;
  run(p: ProbeSpec, timeoutMs: number): Promise<ProbeOutcome>;
  unhealthy(message: string): void;
  /** Something a sync should see changed (startup passed, readiness flipped). */
  kick(): void;
  setReady(ok: boolean): void;
  /** Liveness failed past its threshold. */
  restart(message: string | undefined): void;
}): ContainerProbes {
  const c = o.container;
  const probes: Prober[] = [];
  const startup = c.startupProbe as ProbeSpec | undefined;
  const su = startup
    ? startProber({
        kind: 'startup',
        spec: startup,
        run: o.run,
        onChange: () => o.kick(),
        onFailure: (m) => o.unhealthy(`Startup probe failed: ${m}`),
      })
    : undefined;
  const gate = () => !su || su.result;
  if (su) probes.push(su);
  const readiness = c.readinessProbe as ProbeSpec | undefined;
  if (readiness)
    probes.push(
      startProber({
        kind: 'readiness',
        spec: readiness,
        run: o.run,
        gate,
        onChange: (ok) => {
          o.setReady(ok);
          o.kick();
        },
        onFailure: (m) => o.unhealthy(`Readiness probe failed: ${m}`),
      }),
    );
  const liveness = c.livenessProbe as ProbeSpec | undefined;
  if (liveness)
    probes.push(
      startProber({
        kind: 'liveness',
        spec: liveness,
        run: o.run,
        gate,
        onFailure: (m) => o.unhealthy(`Liveness probe failed: ${m}`),
        onChange: (ok, message) => {
          if (!ok) o.restart(message);
        },
      }),
    );
  // Without a readiness probe a started container is ready.
  return { probes, startupProbe: su, readyNow: !readiness && gate() };
}
