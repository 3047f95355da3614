// The errors the image service raises. `reason` is what the node agent puts in a container's
// waiting state (kubelet's reasons); the message is shown to people as is.

export type ImageErrorReason =
  /** The image reference does not parse (kubelet: InvalidImageName). */
  | 'InvalidImageName'
  /** A pull failed: unreachable registry, unknown manifest, bad digest, unsafe layer… */
  | 'ErrImagePull'
  /** Pull policy Never and the image is absent. */
  | 'ErrImageNeverPull'
  /** No image by that reference in the store. */
  | 'ImageNotFound'
  /** The caller says a container still uses the image. */
  | 'ImageInUse'
  /** An archive given to import is malformed, truncated, inconsistent or unsafe. */
  | 'InvalidArchive';

export class ImageError extends Error {
  override name = 'ImageError';
  readonly reason: ImageErrorReason;
  constructor(reason: ImageErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A problem found in content (a digest, a layer, a manifest): wrapped by the caller with context. */
export class ContentError extends Error {
  override name = 'ContentError';
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
