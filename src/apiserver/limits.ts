// Limits the TLS front and the transport-free handler both enforce.

/** kube-apiserver refuses request bodies over 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** kube-apiserver's http.Server MaxHeaderBytes (1 MiB): the request line and headers. */
export const MAX_HEADER_BYTES = 1 << 20;

/** Go's HTTP/1.1 server reads MaxHeaderBytes plus 4 KiB of slack before it answers 431. */
export const HTTP1_MAX_HEADER_SIZE = MAX_HEADER_BYTES + 4096;

/**
 * Go's HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE from MaxHeaderBytes: padded by 32 bytes for
 * each of ten typical fields, as the HTTP/2 count includes 32 bytes per field.
 */
export const HTTP2_MAX_HEADER_LIST_SIZE = MAX_HEADER_BYTES + 10 * 32;
