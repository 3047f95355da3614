// Who a request is, as every authenticator reports it (Kubernetes' user.Info).

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}
