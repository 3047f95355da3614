// The graph the Node authorizer decides on, as kube's plugin/pkg/auth/authorizer/node keeps
// it: vertices are objects (pods, nodes, secrets, config maps, claims, volumes, service
// accounts, volume attachments) and an edge says "whoever may read the target may read the
// source": secret → pod → node. A node may read an object when a path leads from the
// object to the node. Edges are contributed by the objects that state them (a pod states
// its own edges, a persistent volume its claim and secrets), so replacing or deleting that
// object replaces or deletes exactly those edges.

import {
  podClaimNames,
  podConfigMapNames,
  podSecretNames,
  pvSecretRefs,
} from '../../../api/kinds/index.js';

export type VertexType =
  | 'pod'
  | 'node'
  | 'secret'
  | 'configmap'
  | 'persistentvolumeclaim'
  | 'persistentvolume'
  | 'serviceaccount'
  | 'volumeattachment';

type Obj = Record<string, any>;

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const vertex = (type: VertexType, namespace: string, name: string): string =>
  `${type}/${namespace}/${name}`;

export class NodeGraph {
  /** from → to → how many contributions state that edge. */
  private readonly edges = new Map<string, Map<string, number>>();
  /** The edges each contributing object stated, by that object's vertex. */
  private readonly contributed = new Map<string, [string, string][]>();

  /**
   * A pod bound to a node: pod → node and, unless it is a mirror pod (which must never
   * grant its node anything more), service account, secrets, config maps and claims → pod.
   * A pod not bound yet states nothing.
   */
  setPod(pod: Obj): void {
    const meta = (pod['metadata'] ?? {}) as Obj;
    const ns = String(meta['namespace'] ?? '');
    const name = String(meta['name'] ?? '');
    const spec = (pod['spec'] ?? {}) as Obj;
    const nodeName = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
    const self = vertex('pod', ns, name);
    if (!nodeName) return this.retract(self);
    const edges: [string, string][] = [[self, vertex('node', '', nodeName)]];
    const annotations = (meta['annotations'] ?? {}) as Obj;
    if (!(MIRROR_POD_ANNOTATION in annotations)) {
      const sa = spec['serviceAccountName'];
      if (typeof sa === 'string' && sa) edges.push([vertex('serviceaccount', ns, sa), self]);
      for (const s of podSecretNames(spec)) edges.push([vertex('secret', ns, s), self]);
      for (const c of podConfigMapNames(spec)) edges.push([vertex('configmap', ns, c), self]);
      for (const c of podClaimNames(name, spec))
        edges.push([vertex('persistentvolumeclaim', ns, c), self]);
    }
    this.state(self, edges);
  }

  deletePod(namespace: string, name: string): void {
    this.retract(vertex('pod', namespace, name));
  }

  /** A persistent volume bound to a claim: volume → claim, and its kubelet secrets → volume. */
  setPersistentVolume(pv: Obj): void {
    const name = String(pv['metadata']?.['name'] ?? '');
    const self = vertex('persistentvolume', '', name);
    const spec = (pv['spec'] ?? {}) as Obj;
    const claim = spec['claimRef'] as Obj | undefined;
    if (!claim?.['name']) return this.retract(self);
    const claimNs = String(claim['namespace'] ?? '');
    const edges: [string, string][] = [
      [self, vertex('persistentvolumeclaim', claimNs, String(claim['name']))],
    ];
    for (const [ns, secret] of pvSecretRefs(spec, claimNs))
      edges.push([vertex('secret', ns, secret), self]);
    this.state(self, edges);
  }

  deletePersistentVolume(name: string): void {
    this.retract(vertex('persistentvolume', '', name));
  }

  /** A volume attachment → the node it attaches to. */
  setVolumeAttachment(name: string, nodeName: string): void {
    const self = vertex('volumeattachment', '', name);
    if (!nodeName) return this.retract(self);
    this.state(self, [[self, vertex('node', '', nodeName)]]);
  }

  deleteVolumeAttachment(name: string): void {
    this.retract(vertex('volumeattachment', '', name));
  }

  /** Whether a path leads from the object to the node (never through another node). */
  hasPath(type: VertexType, namespace: string, name: string, nodeName: string): boolean {
    const target = vertex('node', '', nodeName);
    const start = vertex(type, namespace, name);
    const seen = new Set([start]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const to of this.edges.get(queue[i] as string)?.keys() ?? []) {
        if (to === target) return true;
        if (seen.has(to)) continue;
        seen.add(to);
        queue.push(to);
      }
    }
    return false;
  }

  /** How many edges the graph holds (for tests). */
  get size(): number {
    let n = 0;
    for (const out of this.edges.values()) n += out.size;
    return n;
  }

  private state(source: string, edges: [string, string][]): void {
    this.retract(source);
    const unique = [...new Map(edges.map((e) => [`${e[0]}\n${e[1]}`, e])).values()];
    for (const [from, to] of unique) {
      let out = this.edges.get(from);
      if (!out) this.edges.set(from, (out = new Map()));
      out.set(to, (out.get(to) ?? 0) + 1);
    }
    this.contributed.set(source, unique);
  }

  private retract(source: string): void {
    const edges = this.contributed.get(source);
    if (!edges) return;
    this.contributed.delete(source);
    for (const [from, to] of edges) {
      const out = this.edges.get(from);
      const n = (out?.get(to) ?? 0) - 1;
      if (n > 0) out?.set(to, n);
      else {
        out?.delete(to);
        if (out && !out.size) this.edges.delete(from);
      }
    }
  }
}
