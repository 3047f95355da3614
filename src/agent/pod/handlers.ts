// How one probe or one lifecycle hook is carried out: exec in the container (with a time
// limit), an HTTP GET or a TCP connection from the node to the pod, or a sleep.

import type { IContainer, ILifecycleHandler } from 'kubernetes-models/v1';
import type { ContainerRuntime } from '../runtime/index.js';
import type { ProbeOutcome, ProbeSpec } from '../probes.js';
import { httpCheck, tcpCheck } from '../netns-dial.js';
import { execWithTimeout } from './exec-timeout.js';

export interface HandlerTarget {
  runtime: Pick<ContainerRuntime, 'exec'>;
  /** The node's network namespace when it is not the agent's own (tests). */
  nodeNetns: string | undefined;
  podIP: string | undefined;
  container: IContainer;
  /** The container's runtime id, once created. */
  containerId: string | undefined;
}

/** A probe's output is its failure message, as the kubelet reports it (capped). */
const PROBE_OUTPUT_MAX = 10_240;

/** A named port of the container, or a number. */
export function portOf(c: IContainer, port: number | string): number {
  if (typeof port === 'number') return port;
  const p = (c.ports ?? []).find((x) => x.name === port);
  return p ? Number(p.containerPort) : Number(port);
}

function headersOf(list: { name: string; value: string }[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list ?? []) headers[h.name] = h.value;
  return headers;
}

export async function runProbe(
  t: HandlerTarget,
  p: ProbeSpec,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if (p.exec) {
    if (!t.containerId) return { ok: false, message: 'no container' };
    const out = await execWithTimeout(
      t.runtime,
      t.containerId,
      p.exec.command ?? [],
      timeoutMs,
      PROBE_OUTPUT_MAX,
    );
    const error = out.timedOut ? `command timed out after ${timeoutMs / 1000}s` : out.error;
    return out.exitCode === 0
      ? { ok: true }
      : { ok: false, message: out.output.trim() || error || `exit code ${out.exitCode}` };
  }
  const host = p.httpGet?.host ?? p.tcpSocket?.host ?? t.podIP ?? '127.0.0.1';
  if (p.httpGet) {
    const out = await httpCheck(
      t.nodeNetns,
      host,
      portOf(t.container, p.httpGet.port),
      p.httpGet.path ?? '/',
      headersOf(p.httpGet.httpHeaders),
      timeoutMs,
    );
    return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
  }
  if (p.tcpSocket) {
    const out = await tcpCheck(t.nodeNetns, host, portOf(t.container, p.tcpSocket.port), timeoutMs);
    return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
  }
  return { ok: false, message: 'probe has no handler' };
}

/** A lifecycle hook (postStart, preStop); never rejects. */
export async function runHook(
  t: HandlerTarget,
  h: ILifecycleHandler,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  try {
    if (h.exec?.command) {
      if (!t.containerId) return { ok: false, message: 'no container' };
      const out = await execWithTimeout(t.runtime, t.containerId, h.exec.command, timeoutMs);
      return out.exitCode === 0
        ? { ok: true }
        : {
            ok: false,
            message: `command '${h.exec.command.join(' ')}' exited with ${out.exitCode}: ${out.output}`,
          };
    }
    if (h.httpGet) {
      const g = h.httpGet;
      const out = await httpCheck(
        t.nodeNetns,
        g.host ?? t.podIP ?? '127.0.0.1',
        portOf(t.container, g.port),
        g.path ?? '/',
        headersOf(g.httpHeaders),
        timeoutMs,
      );
      return { ok: out.ok, ...(out.error ? { message: out.error } : {}) };
    }
    if (h.sleep) {
      await new Promise((res) =>
        setTimeout(res, Math.min(timeoutMs, Number(h.sleep?.seconds ?? 0) * 1000)),
      );
      return { ok: true };
    }
    return { ok: false, message: 'hook has no handler' };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
