// The dashboard's serving certificate, from the cluster CA, for every name it is reached by:
// the Service's DNS names (the API server's proxy does not check them, browsers and curl
// with the cluster CA do), the node's addresses, and localhost.

import {
  issueServingCertificate,
  type CertKeyPair,
  type CertificateAuthority,
} from '../../pki/index.js';
import { DASHBOARD_NAMESPACE, DASHBOARD_SERVICE } from './service.js';

export function dashboardServiceNames(clusterDomain = 'cluster.local'): string[] {
  const svc = `${DASHBOARD_SERVICE}.${DASHBOARD_NAMESPACE}`;
  return [DASHBOARD_SERVICE, svc, `${svc}.svc`, `${svc}.svc.${clusterDomain}`];
}

export function issueDashboardCertificate(
  ca: CertificateAuthority,
  addresses: string[],
  clusterDomain?: string,
): CertKeyPair {
  return issueServingCertificate(ca, {
    commonName: DASHBOARD_SERVICE,
    altNames: {
      dnsNames: [...dashboardServiceNames(clusterDomain), 'localhost'],
      ips: [...new Set(['127.0.0.1', ...addresses])],
    },
  });
}
