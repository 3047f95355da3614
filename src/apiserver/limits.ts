// Limits the TLS front and the transport-free handler both enforce.

/** kube-apiserver refuses request bodies over 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
