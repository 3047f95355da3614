// 14. The RBAC authorizer's cost: the same GET of one ConfigMap, by a user who may read it
// only through a RoleBinding, against API servers in this process — one with kube's chain
// (system:masters, Node, RBAC over the bootstrap policy) and 1,000 other bindings in its
// store, and two that allow everything (with the same objects stored). Measured twice: over
// HTTPS (HTTP/2, the reader's client certificate), the latency a client sees; and at the
// servers' handlers directly (no TLS, no sockets), where the request path's own difference is
// undiluted. The servers take turns in short rounds, each round in another order, so that
// load on the machine falls on all alike; the two allow-all servers, compared with each
// other, show how far apart identical servers measure in the same run (the noise floor).

import { createApiServer, type ApiServer } from '../src/apiserver/index.js';
import type { Authorizer } from '../src/apiserver/index.js';
import { createClient, createInProcessTransport } from '../src/client/index.js';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
} from '../src/pki/index.js';
import { createMemoryStore } from '../src/storage/index.js';
import type { Benchmark } from './lib/bench.js';
import { createH2Client, type H2Client } from './lib/h2.js';
import { summarize, type Summary } from './lib/stats.js';
import { count, type Row } from './lib/report.js';

const BINDINGS = 1000;
const WARMUP = 2000;
const ROUNDS = 40;
const PER_ROUND = 500;
// Enough for the request path's functions to be optimized before the rounds start, as in a
// server that has been up a while (with fewer, the first rounds time unoptimized code).
const HTTPS_WARMUP = 3000;
const HTTPS_ROUNDS = 100;
const HTTPS_PER_ROUND = 100;
const CM_PATH = '/api/v1/namespaces/bench/configmaps/cm';
const GOAL = 0.05;

const G = 'rbac.authorization.k8s.io';
const ADMIN = { certificateUser: { name: 'admin', groups: ['system:masters'] } };
const READER = { certificateUser: { name: 'reader', groups: ['readers', 'system:authenticated'] } };
const allowAll: Authorizer = { authorize: () => ({ decision: 'allow' }) };

const res = (group: string, plural: string, namespaced: boolean) => ({
  group,
  version: 'v1',
  plural,
  namespaced,
});

interface Tls {
  cert: string;
  key: string;
  ca: string;
}

/** A server whose store holds the namespace, the ConfigMap, the role and 1,000 bindings. */
async function serverWith(tls: Tls, authorizers?: Authorizer[]): Promise<ApiServer> {
  const server = await createApiServer({
    store: createMemoryStore(),
    tls,
    port: 0,
    ingressClass: false,
    ...(authorizers ? { authorizers } : {}),
  });
  await server.bootstrap();
  const client = createClient(
    createInProcessTransport((req) => server.handler({ ...req, credentials: ADMIN })),
  );
  await client.create(res('', 'namespaces', false), '', { metadata: { name: 'bench' } });
  await client.create(res('', 'configmaps', true), 'bench', {
    metadata: { name: 'cm' },
    data: { key: 'value' },
  });
  await client.create(res(G, 'roles', true), 'bench', {
    metadata: { name: 'cm-reader' },
    rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
  });
  await client.create(res(G, 'clusterroles', false), '', {
    metadata: { name: 'other' },
    rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
  });
  // The 1,000 others: half cluster-wide, half in the namespace, to users and groups.
  for (let i = 0; i < BINDINGS; i++) {
    const subjects = [{ kind: i % 2 ? 'User' : 'Group', name: `other-${i}`, apiGroup: G }];
    const roleRef = { apiGroup: G, kind: 'ClusterRole', name: 'other' };
    if (i < BINDINGS / 2)
      await client.create(res(G, 'clusterrolebindings', false), '', {
        metadata: { name: `other-${i}` },
        roleRef,
        subjects,
      });
    else
      await client.create(res(G, 'rolebindings', true), 'bench', {
        metadata: { name: `other-${i}` },
        roleRef,
        subjects,
      });
  }
  await client.create(res(G, 'rolebindings', true), 'bench', {
    metadata: { name: 'readers' },
    roleRef: { apiGroup: G, kind: 'Role', name: 'cm-reader' },
    subjects: [{ kind: 'Group', name: 'readers', apiGroup: G }],
  });
  return server;
}

/** Times `n` sequential GETs of the ConfigMap over HTTPS; ms each. */
async function httpsGets(client: H2Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.request(CM_PATH);
    out.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET as reader over HTTPS: ${r.status} ${r.body}`);
  }
  return out;
}

/**
 * Rounds of `measure` on each side in turn: round r starts at side r mod n and every other
 * round goes backwards, so each side runs first, last and in between as often. Samples of each.
 */
async function rotate<T>(
  rounds: number,
  sides: readonly T[],
  measure: (side: T) => Promise<number[]>,
): Promise<number[][]> {
  const out = sides.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => (round + i) % sides.length);
    if (round % 2) order.reverse();
    for (const i of order) out[i]?.push(...(await measure(sides[i] as T)));
  }
  return out;
}

/** Times `n` sequential GETs of the ConfigMap as the reader; ms each. */
async function gets(server: ApiServer, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await server.handler({
      method: 'GET',
      url: new URL(`https://bench${CM_PATH}`),
      headers: { accept: 'application/json' },
      body: Buffer.alloc(0),
      credentials: READER,
      signal: new AbortController().signal,
    });
    out.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET as reader: ${r.status} ${String(r.body)}`);
  }
  return out;
}

export const rbac: Benchmark = {
  name: 'rbac',
  title: 'GET latency through the RBAC authorizer vs allow-all (1,000 bindings)',
  budgetMs: 180_000,
  async run(ctx) {
    ctx.log(`three API servers, ${count(BINDINGS)} bindings each…`);
    const ca = createCertificateAuthority();
    const serving = issueServingCertificate(ca, {
      commonName: 'kube-apiserver',
      altNames: { dnsNames: ['localhost'], ips: ['127.0.0.1'] },
    });
    const tls = { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem };
    const reader = issueClientCertificate(ca, { commonName: 'reader', organizations: ['readers'] });
    const withRbac = await serverWith(tls);
    const open = await serverWith(tls, [allowAll]);
    const twin = await serverWith(tls, [allowAll]);
    const servers = [withRbac, open, twin];
    const clients: H2Client[] = [];
    try {
      const credentials = { ca: ca.certPem, cert: reader.certPem, key: reader.keyPem };
      for (const s of servers)
        clients.push(await createH2Client({ port: await s.listen(), credentials, sessions: 1 }));
      ctx.log('over HTTPS…');
      for (const c of clients) await httpsGets(c, HTTPS_WARMUP);
      const https = await rotate(HTTPS_ROUNDS, clients, (c) => httpsGets(c, HTTPS_PER_ROUND));
      ctx.log('at the handlers…');
      for (const s of servers) await gets(s, WARMUP);
      const direct = await rotate(ROUNDS, servers, (s) => gets(s, PER_ROUND));
      const rows = (label: string, samples: number[][]): Row[] => {
        const [a, b, c] = samples.map(summarize) as [Summary, Summary, Summary];
        const slower = a.p50 / b.p50 - 1;
        const apart = c.p50 / b.p50 - 1;
        return [
          {
            metric: `${label}: p50 RBAC / allow-all (${count(a.n)} each)`,
            measured: `${us(a.p50)} / ${us(b.p50)}`,
          },
          { metric: `${label}: p99 RBAC / allow-all`, measured: `${us(a.p99)} / ${us(b.p99)}` },
          {
            metric: `${label}: RBAC slower at p50`,
            measured: pct(slower),
            goal: `< ${GOAL * 100} %`,
            pass: slower < GOAL,
          },
          { metric: `${label}: allow-all twin vs allow-all at p50 (noise)`, measured: pct(apart) },
        ];
      };
      return [...rows('HTTPS', https), ...rows('handler', direct)];
    } finally {
      for (const c of clients) await c.close();
      for (const s of servers) await s.close();
    }
  },
};

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

/** Microseconds, for figures well under a millisecond. */
const us = (msValue: number): string => `${Math.round(msValue * 1000)} µs`;
