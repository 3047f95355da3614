// OpenAPI for the served kinds: `/openapi/v2` (gnostic protobuf, kubectl 1.27/1.28 and
// `kubectl explain --output=plaintext-openapiv2`), `/openapi/v3` and its group-version
// documents (kubectl 1.27+ explain, fieldValidation support check, apply), and strict field
// validation against the same schemas.

export { createOpenApiHandler } from './handler.js';
export type { OpenApiHandler, OpenApiOptions, V3Index } from './handler.js';
export type { V3Document } from './v3.js';
export type { CustomResourceApi } from './custom.js';
export { serveOpenApi, V2_PROTOBUF_TYPE } from './http.js';
export type { OpenApiRequest, OpenApiResponse } from './http.js';
export { DEFAULT_OPERATIONS } from './catalog.js';
export type { OpenApiOperation } from './catalog.js';
