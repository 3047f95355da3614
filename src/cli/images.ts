// skiff images import | ls | rm | pull: the node's image store, as crictl shows it.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createImageService,
  ImageError,
  loadRegistriesConfig,
  shortId,
  type ImageInfo,
  type ImageService,
  type PullProgress,
  type RegistriesConfig,
} from '../images/index.js';
import { parseArgs, stringFlag, UsageError, type ParsedArgs } from './args.js';
import type { Io } from './commands.js';
import { dataPaths } from './paths.js';
import { runningPid } from './process.js';

export const IMAGES_USAGE = `Manage the images on this node.

Usage:
  skiff images import FILE... [--data-dir DIR]    load docker-save or OCI-layout archives
  skiff images ls [--quiet] [--data-dir DIR]      list images (REPOSITORY TAG IMAGE ID SIZE)
  skiff images rm REF... [--force] [--data-dir DIR]
                                                  remove images (by reference or ID) and their content
  skiff images pull REF [--registry-config FILE] [--data-dir DIR]
                                                  pull from a registry; mirrors and credentials come
                                                  from FILE (k3s registries.yaml format), by default
                                                  DIR/registries.yaml when it exists

Images live in DIR/images; DIR defaults to $SKIFF_DATA_DIR or ~/.skiff.`;

class CommandError extends Error {}

const FLAGS: Record<string, readonly string[]> = {
  import: ['data-dir'],
  ls: ['data-dir', 'quiet'],
  list: ['data-dir', 'quiet'],
  rm: ['data-dir', 'force'],
  pull: ['data-dir', 'registry-config'],
};

/** Decimal units with three significant digits, as crictl prints sizes. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3)))
      .join('')
      .trimEnd(),
  );
}

function rowsFor(img: ImageInfo): string[][] {
  const id = shortId(img.id);
  const size = humanSize(img.size);
  if (img.repoTags.length)
    return img.repoTags.map((t) => {
      const i = t.lastIndexOf(':');
      return [t.slice(0, i), t.slice(i + 1), id, size];
    });
  const repos = [...new Set(img.repoDigests.map((d) => d.slice(0, d.indexOf('@'))))];
  if (repos.length) return repos.map((r) => [r, '<none>', id, size]);
  return [['<none>', '<none>', id, size]];
}

function service(args: ParsedArgs, withRegistries = false): ImageService {
  const paths = dataPaths(stringFlag(args, 'data-dir'));
  let registries: RegistriesConfig | undefined;
  if (withRegistries) {
    const flag = stringFlag(args, 'registry-config');
    const file = flag !== undefined ? resolve(flag) : join(paths.dir, 'registries.yaml');
    if (flag !== undefined || existsSync(file)) {
      try {
        registries = loadRegistriesConfig(file);
      } catch (e) {
        throw new CommandError(`cannot read registry config ${file}: ${(e as Error).message}`);
      }
    }
  }
  return createImageService({
    dir: join(paths.dir, 'images'),
    ...(registries ? { registries } : {}),
  });
}

/** Progress lines: one per layer state change, and download progress at most every second. */
function progressPrinter(io: Io): (p: PullProgress) => void {
  const last = new Map<string, { status: string; at: number }>();
  return (p) => {
    const id = shortId(p.layer, 12);
    const prev = last.get(p.layer);
    const now = Date.now();
    if (p.status === 'downloading') {
      if (prev?.status === 'downloading' && now - prev.at < 1000 && p.downloaded < p.size) return;
      io.out(`${id}: Downloading ${humanSize(p.downloaded)}/${humanSize(p.size)}`);
    } else if (prev?.status !== p.status) {
      const words = {
        exists: 'Already exists',
        unpacking: 'Extracting',
        done: 'Pull complete',
      } as const;
      io.out(`${id}: ${words[p.status]}`);
    }
    last.set(p.layer, { status: p.status, at: now });
  };
}

async function run(args: ParsedArgs, io: Io): Promise<number> {
  switch (args.command) {
    case 'import': {
      if (!args.positionals.length)
        throw new UsageError('skiff images import needs at least one FILE');
      const svc = service(args);
      for (const f of args.positionals) {
        const infos = await svc.importArchive(resolve(f));
        for (const i of infos)
          io.out(`Imported ${i.repoTags.length ? i.repoTags.join(', ') : '<untagged>'} (${i.id})`);
      }
      return 0;
    }
    case 'ls':
    case 'list': {
      if (args.positionals.length)
        throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
      const images = await service(args).listImages();
      if (args.flags.has('quiet')) {
        for (const i of images) io.out(i.id);
        return 0;
      }
      for (const line of table([
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
        ...images.flatMap(rowsFor),
      ]))
        io.out(line);
      return 0;
    }
    case 'rm': {
      if (!args.positionals.length) throw new UsageError('skiff images rm needs at least one REF');
      const paths = dataPaths(stringFlag(args, 'data-dir'));
      const pid = runningPid(paths);
      if (pid !== undefined && !args.flags.has('force')) {
        io.err(
          `error: a cluster is running from ${paths.dir} (pid ${pid}) and its containers may use these images; stop it first or pass --force`,
        );
        return 1;
      }
      const svc = service(args);
      let failed = 0;
      for (const ref of args.positionals) {
        try {
          const gone = await svc.removeImage(ref);
          for (const r of [...gone.repoTags, ...gone.repoDigests]) io.out(`Deleted: ${r}`);
          if (!gone.repoTags.length && !gone.repoDigests.length) io.out(`Deleted: ${gone.id}`);
        } catch (e) {
          if (!(e instanceof ImageError)) throw e;
          io.err(`error: ${e.message}`);
          failed++;
        }
      }
      return failed ? 1 : 0;
    }
    case 'pull': {
      if (args.positionals.length !== 1)
        throw new UsageError('skiff images pull needs exactly one REF');
      const ref = args.positionals[0] as string;
      const svc = service(args, true);
      const info = await svc.pullImage(ref, { onProgress: progressPrinter(io) });
      io.out(`Image is up to date for ${info.id}`);
      return 0;
    }
    default:
      throw new UsageError(
        args.command ? `unknown images command "${args.command}"` : 'skiff images needs a command',
      );
  }
}

/** `skiff images …` with argv after "images". */
export async function imagesCommand(argv: string[], io: Io): Promise<number> {
  try {
    const args = parseArgs(argv, new Set(['help', 'quiet', 'force']));
    if (args.flags.has('help') || args.command === 'help' || args.command === '') {
      (args.command === '' && !args.flags.has('help') ? io.err : io.out)(IMAGES_USAGE);
      return args.command === '' && !args.flags.has('help') ? 2 : 0;
    }
    const allowed = FLAGS[args.command];
    if (allowed)
      for (const name of args.flags.keys())
        if (!allowed.includes(name)) throw new UsageError(`unknown flag: --${name}`);
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n\n${IMAGES_USAGE}`);
      return 2;
    }
    if (e instanceof ImageError || e instanceof CommandError) {
      io.err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
