// What nftables should hold, as kube-proxy's nftables mode lays it out: the fixed part of
// our table (base chains on the hooks, the dispatch maps, masquerading, rejecting) and, per
// service port, its chains, affinity sets and map elements. Pure: the mode diffs these
// against what it applied last and writes only the difference.

import { usableEndpoints } from '../endpoints.js';
import type { ProxyEndpoint, ProxyServicePort } from '../types.js';
import { endpointNames, serviceChainNames } from './names.js';

export const TABLE = 'skiff-proxy';
export const FAMILY = 'ip';
/** The packet mark that asks the masquerading chain for source NAT (kube-proxy's bit 14). */
export const MASQ_MARK = '0x00004000';

export const SERVICES_CHAIN = 'services';
export const SERVICE_IPS_MAP = 'service-ips';
export const SERVICE_NODEPORTS_MAP = 'service-nodeports';
export const ENDPOINTS_CHECK_CHAIN = 'endpoints-check';
export const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
export const REJECT_CHAIN = 'reject-chain';
export const FIREWALL_IPS_MAP = 'firewall-ips';
export const FIREWALL_CHECK_CHAIN = 'firewall-check';
export const CLUSTER_IPS_SET = 'cluster-ips';
export const CLUSTER_IPS_CHECK_CHAIN = 'cluster-ips-check';
export const MARK_MASQ_CHAIN = 'mark-for-masquerade';
export const MASQUERADING_CHAIN = 'masquerading';
export const HAIRPIN_SET = 'hairpin-endpoints';

/** The maps and sets whose elements belong to services (flushed on a full sync). */
export const SERVICE_ELEMENT_CONTAINERS = [
  SERVICE_IPS_MAP,
  SERVICE_NODEPORTS_MAP,
  NO_ENDPOINT_SERVICES_MAP,
  NO_ENDPOINT_NODEPORTS_MAP,
  FIREWALL_IPS_MAP,
  CLUSTER_IPS_SET,
  HAIRPIN_SET,
];

/** Which of SERVICE_ELEMENT_CONTAINERS are sets (the rest are maps). */
export const SERVICE_ELEMENT_SETS: ReadonlySet<string> = new Set([CLUSTER_IPS_SET, HAIRPIN_SET]);

export interface RuleContext {
  /** The pod network: traffic to a cluster IP from outside it is masqueraded. */
  clusterCIDR: string;
  /** The service IP range: an address in it that is no service's is dropped. */
  serviceCIDR: string;
}

/** The base chains that drop packets from other hosts to 127.0.0.0/8. */
export const LOCALNET_INPUT = 'filter-input';
export const LOCALNET_OUTPUT = 'filter-output';
export const LOCALNET_DROP =
  'ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state & (established | related) == 0 ct status & dnat == 0 drop comment "block incoming localnet connections"';

/** One element of a map ("key : value") or set (value ""). */
export interface NftElement {
  container: string;
  key: string;
  value: string;
}

export const elementId = (e: Pick<NftElement, 'container' | 'key'>): string =>
  `${e.container}|${e.key}`;

export interface ServiceRuleSet {
  /** Chain name → its rules, in order. */
  chains: Map<string, string[]>;
  /** Affinity set name → timeout in seconds. */
  affinitySets: Map<string, number>;
  elements: NftElement[];
}

/** The fixed part of the table: created (and its own chains flushed) on every full sync. */
export function baseScript(ctx: RuleContext): string[] {
  const t = `${FAMILY} ${TABLE}`;
  const base = (name: string, type: string, hook: string, prio: number): string[] => [
    `add chain ${t} ${name} { type ${type} hook ${hook} priority ${prio}; policy accept; }`,
    `flush chain ${t} ${name}`,
  ];
  const regular = (name: string): string[] => [
    `add chain ${t} ${name}`,
    `flush chain ${t} ${name}`,
  ];
  const rule = (chain: string, body: string): string => `add rule ${t} ${chain} ${body}`;
  const vmapType = 'ipv4_addr . inet_proto . inet_service : verdict';
  return [
    `add table ${t} { comment "Skiff service proxy"; }`,
    // Declared before the masquerading rule that uses it.
    `add set ${t} ${HAIRPIN_SET} { type ipv4_addr . ipv4_addr; comment "endpoint . endpoint: a pod reaching itself"; }`,
    // Filters look at addresses before DNAT (priority dstnat - 10), except the check of
    // cluster IPs on the way out, which must see what DNAT left (dstnat + 10).
    ...base('filter-prerouting', 'filter', 'prerouting', -110),
    ...base('filter-input', 'filter', 'input', -110),
    ...base('filter-forward', 'filter', 'forward', -110),
    ...base('filter-output', 'filter', 'output', -110),
    ...base('filter-output-post-dnat', 'filter', 'output', -90),
    ...base('nat-prerouting', 'nat', 'prerouting', -100),
    ...base('nat-output', 'nat', 'output', -100),
    ...base('nat-postrouting', 'nat', 'postrouting', 100),
    ...[
      SERVICES_CHAIN,
      MASQUERADING_CHAIN,
      MARK_MASQ_CHAIN,
      ENDPOINTS_CHECK_CHAIN,
      FIREWALL_CHECK_CHAIN,
      CLUSTER_IPS_CHECK_CHAIN,
      REJECT_CHAIN,
    ].flatMap(regular),
    // route_localnet lets the kernel route 127.0.0.0/8 off the loopback (NodePorts on
    // 127.0.0.1): without this, another machine with a route to 127.0.0.0/8 through the node
    // would reach every service bound to the node's loopback (CVE-2020-8558). As kube-proxy's
    // KUBE-FIREWALL: only loopback sources, established flows and DNATed traffic get there.
    ...[LOCALNET_INPUT, LOCALNET_OUTPUT].map((chain) => rule(chain, LOCALNET_DROP)),
    rule('filter-input', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`),
    rule('filter-forward', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`),
    rule('filter-output', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`),
    rule('filter-prerouting', `ct state new jump ${FIREWALL_CHECK_CHAIN}`),
    rule('filter-output', `ct state new jump ${FIREWALL_CHECK_CHAIN}`),
    rule('filter-forward', `ct state new jump ${CLUSTER_IPS_CHECK_CHAIN}`),
    rule('filter-output-post-dnat', `ct state new jump ${CLUSTER_IPS_CHECK_CHAIN}`),
    rule('nat-output', `jump ${SERVICES_CHAIN}`),
    rule('nat-prerouting', `jump ${SERVICES_CHAIN}`),
    rule('nat-postrouting', `jump ${MASQUERADING_CHAIN}`),
    rule(MARK_MASQ_CHAIN, `mark set mark or ${MASQ_MARK}`),
    // Hairpin: a pod reaching itself through its service sees the node as the source.
    // Checked after DNAT, so a service needs no chain per endpoint to pick one.
    rule(
      MASQUERADING_CHAIN,
      `ct status dnat ip saddr . ip daddr @${HAIRPIN_SET} jump ${MARK_MASQ_CHAIN}`,
    ),
    rule(MASQUERADING_CHAIN, `mark and ${MASQ_MARK} == 0 return`),
    rule(MASQUERADING_CHAIN, `mark set mark xor ${MASQ_MARK}`),
    rule(MASQUERADING_CHAIN, 'masquerade fully-random'),
    `add map ${t} ${NO_ENDPOINT_SERVICES_MAP} { type ${vmapType}; comment "services with no endpoints: reject or drop"; }`,
    `add map ${t} ${NO_ENDPOINT_NODEPORTS_MAP} { type inet_proto . inet_service : verdict; comment "node ports with no endpoints: reject or drop"; }`,
    `add map ${t} ${FIREWALL_IPS_MAP} { type ${vmapType}; comment "destinations subject to loadBalancerSourceRanges"; }`,
    `add map ${t} ${SERVICE_IPS_MAP} { type ${vmapType}; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"; }`,
    `add map ${t} ${SERVICE_NODEPORTS_MAP} { type inet_proto . inet_service : verdict; comment "NodePort traffic"; }`,
    `add set ${t} ${CLUSTER_IPS_SET} { type ipv4_addr; comment "every active cluster IP"; }`,
    rule(REJECT_CHAIN, 'reject'),
    rule(
      ENDPOINTS_CHECK_CHAIN,
      `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES_MAP}`,
    ),
    // NodePorts answer on every local address, 127.0.0.1 included (route_localnet is set).
    rule(
      ENDPOINTS_CHECK_CHAIN,
      `fib daddr type local meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS_MAP}`,
    ),
    rule(FIREWALL_CHECK_CHAIN, `ip daddr . meta l4proto . th dport vmap @${FIREWALL_IPS_MAP}`),
    rule(SERVICES_CHAIN, `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS_MAP}`),
    rule(
      SERVICES_CHAIN,
      `fib daddr type local meta l4proto . th dport vmap @${SERVICE_NODEPORTS_MAP}`,
    ),
    // A cluster IP only means something with its service's port: anything else (ping
    // included) is rejected, and an address of the range that is no service's dropped.
    rule(
      CLUSTER_IPS_CHECK_CHAIN,
      `ip daddr @${CLUSTER_IPS_SET} reject comment "only a service's ports answer on its cluster IP"`,
    ),
    rule(
      CLUSTER_IPS_CHECK_CHAIN,
      `ip daddr ${ctx.serviceCIDR} drop comment "no service has this cluster IP"`,
    ),
  ];
}

/**
 * kube-proxy's CategorizeEndpoints, in terms of usableEndpoints(): the endpoints for
 * Cluster policy, for Local policy, and whether the service has any usable endpoint.
 */
export function categorize(sp: ProxyServicePort): {
  cluster: ProxyEndpoint[];
  local: ProxyEndpoint[];
  hasEndpoints: boolean;
} {
  const u = usableEndpoints({
    ...sp,
    internalTrafficPolicy: 'Cluster',
    externalTrafficPolicy: 'Local',
  });
  return { cluster: u.cluster, local: u.external, hasEndpoints: u.cluster.length > 0 };
}

export const externallyAccessible = (sp: ProxyServicePort): boolean =>
  sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;

/** The chains, sets and elements of one service port. */
export function serviceRules(sp: ProxyServicePort, ctx: RuleContext): ServiceRuleSet {
  const out: ServiceRuleSet = { chains: new Map(), affinitySets: new Map(), elements: [] };
  const proto = sp.protocol.toLowerCase();
  const names = serviceChainNames(sp);
  const { cluster, local, hasEndpoints } = categorize(sp);
  const internalLocal = sp.internalTrafficPolicy === 'Local';
  const externalLocal = sp.externalTrafficPolicy === 'Local';
  const accessible = externallyAccessible(sp);
  const usesCluster = cluster.length > 0 && (!internalLocal || (accessible && !externalLocal));
  const usesLocal = local.length > 0 && (internalLocal || (accessible && externalLocal));
  const hasInternal = hasEndpoints && (!internalLocal || local.length > 0);
  const hasExternal = hasEndpoints && (!externalLocal || local.length > 0);
  const internalChain = internalLocal ? names.local : names.cluster;
  const externalPolicyChain = externalLocal ? names.local : names.cluster;
  const usesExternal = hasEndpoints && accessible;
  const internalVerdict = hasEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;
  const externalVerdict = internalVerdict;
  const el = (container: string, key: string, value = ''): void => {
    out.elements.push({ container, key, value });
  };
  const chain = (name: string): string[] => {
    let rules = out.chains.get(name);
    if (!rules) out.chains.set(name, (rules = []));
    return rules;
  };

  for (const cip of sp.clusterIPs.slice(0, 1)) {
    el(CLUSTER_IPS_SET, cip);
    if (hasInternal) el(SERVICE_IPS_MAP, `${cip} . ${proto} . ${sp.port}`, `goto ${internalChain}`);
    else el(NO_ENDPOINT_SERVICES_MAP, `${cip} . ${proto} . ${sp.port}`, internalVerdict);
  }
  for (const ip of sp.externalIPs) {
    const key = `${ip} . ${proto} . ${sp.port}`;
    if (hasEndpoints) el(SERVICE_IPS_MAP, key, `goto ${names.external}`);
    if (!hasExternal) el(NO_ENDPOINT_SERVICES_MAP, key, externalVerdict);
  }
  const firewalled = sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  if (firewalled)
    chain(names.firewall).push(`ip saddr != { ${sp.loadBalancerSourceRanges.join(', ')} } drop`);
  for (const ip of sp.loadBalancerIPs) {
    const key = `${ip} . ${proto} . ${sp.port}`;
    if (hasEndpoints) el(SERVICE_IPS_MAP, key, `goto ${names.external}`);
    if (firewalled) el(FIREWALL_IPS_MAP, key, `goto ${names.firewall}`);
    if (!hasExternal) el(NO_ENDPOINT_SERVICES_MAP, key, externalVerdict);
  }
  if (sp.nodePort !== undefined) {
    const key = `${proto} . ${sp.nodePort}`;
    if (hasEndpoints) el(SERVICE_NODEPORTS_MAP, key, `goto ${names.external}`);
    if (!hasExternal) el(NO_ENDPOINT_NODEPORTS_MAP, key, externalVerdict);
  }

  // Traffic to the cluster IP from outside the pod network (the node itself included) is
  // masqueraded, so replies come back through this node.
  if (hasInternal && sp.clusterIPs[0])
    chain(internalChain).push(
      `ip daddr ${sp.clusterIPs[0]} meta l4proto ${proto} th dport ${sp.port} ip saddr != ${ctx.clusterCIDR} jump ${MARK_MASQ_CHAIN}`,
    );

  if (usesExternal) {
    const ext = chain(names.external);
    if (!externalLocal) {
      ext.push(`jump ${MARK_MASQ_CHAIN}`);
    } else {
      // Pods and the node itself are not subject to the Local policy (as if they went out
      // to a load balancer and came back); the node's own traffic still needs masquerading.
      const shortCircuit = usesCluster ? names.cluster : usesLocal ? names.local : undefined;
      if (shortCircuit) {
        ext.push(
          `ip saddr ${ctx.clusterCIDR} goto ${shortCircuit} comment "short-circuit pod traffic"`,
        );
        ext.push(`fib saddr type local jump ${MARK_MASQ_CHAIN} comment "masquerade local traffic"`);
        ext.push(`fib saddr type local goto ${shortCircuit} comment "short-circuit local traffic"`);
      }
    }
    if (hasExternal) ext.push(`goto ${externalPolicyChain}`);
  }

  const affinity = sp.affinityTimeoutSeconds;
  const reachable = new Map<string, ProxyEndpoint>();
  for (const ep of [...(usesCluster ? cluster : []), ...(usesLocal ? local : [])])
    reachable.set(`${ep.ip}:${ep.port}`, ep);
  if (affinity !== undefined)
    for (const ep of reachable.values())
      out.affinitySets.set(endpointNames(sp, ep).affinitySet, affinity);

  // Without affinity a service chain picks and DNATs in one rule, so an endpoint change
  // rewrites that chain and an element or two: the table keeps about one chain per service
  // port, and `nft`, which reads every chain of the ruleset before each transaction, stays
  // fast at thousands of services. With affinity each endpoint keeps a chain of its own
  // (it records the client in the endpoint's affinity set).
  const toEndpoints = (name: string, eps: ProxyEndpoint[]): void => {
    const rules = chain(name);
    if (affinity === undefined) {
      const only = eps.length === 1 ? eps[0] : undefined;
      if (only) rules.push(`meta l4proto ${proto} dnat to ${only.ip}:${only.port}`);
      else {
        const map = eps.map((ep, i) => `${i} : ${ep.ip} . ${ep.port}`).join(', ');
        rules.push(
          `meta l4proto ${proto} dnat ip to numgen random mod ${eps.length} map { ${map} }`,
        );
      }
      return;
    }
    for (const ep of eps) {
      const n = endpointNames(sp, ep);
      rules.push(`ip saddr @${n.affinitySet} goto ${n.chain}`);
    }
    const vmap = eps.map((ep, i) => `${i} : goto ${endpointNames(sp, ep).chain}`).join(', ');
    rules.push(`numgen random mod ${eps.length} vmap { ${vmap} }`);
  };
  if (usesCluster) toEndpoints(names.cluster, cluster);
  if (usesLocal) toEndpoints(names.local, local);

  for (const ep of reachable.values()) {
    el(HAIRPIN_SET, `${ep.ip} . ${ep.ip}`);
    if (affinity === undefined) continue;
    const n = endpointNames(sp, ep);
    chain(n.chain).push(
      `update @${n.affinitySet} { ip saddr }`,
      `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`,
    );
  }
  return out;
}
