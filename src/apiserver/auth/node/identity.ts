// Which node a user is (kube's nodeidentifier): a name `system:node:<node>` in the group
// `system:nodes`.

import type { UserInfo } from '../types.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';

/** The node's name ('' when the name has nothing after the prefix), or undefined for a non-node. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP))
    return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}
