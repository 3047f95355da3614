// What an image is made of, as data: layers built from sources, and the image config.

/** One input of a layer. Paths inside the image are absolute. */
export type Source =
  /** Paths (files or whole directories) of a Debian package, at the same place. */
  | { from: 'deb'; package: string; paths: string[] }
  /** A symlink to the busybox binary at `binary` for every applet it has, where it lists it. */
  | { from: 'busybox-applets'; binary: string }
  /** A file on this machine, and with `libraries` every shared object ldd says it loads. */
  | { from: 'host'; path: string; libraries?: boolean }
  /** A file from test/images/files. */
  | { from: 'file'; path: string; file: string; mode?: number }
  | { from: 'text'; path: string; text: string; mode?: number }
  | { from: 'dir'; path: string; mode?: number }
  | { from: 'symlink'; path: string; target: string };

export interface LayerRecipe {
  /** Names the layer in the image history. */
  comment: string;
  sources: Source[];
  /** gzip level, 1–9 (default 6); big layers build faster at 1. */
  gzipLevel?: number;
}

/** The `config` object of an OCI image config (Docker's field names). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageRecipe {
  /** The reference tests use, e.g. `skiff.test/busybox:1`. */
  name: string;
  layers: LayerRecipe[];
  config: ImageConfig;
}
