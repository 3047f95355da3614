// The dashboard's browser tests: a node cluster in its own network namespace, `kubectl proxy`
// in it on port 8001 (the seed's URL), and headless Chromium (Debian's, through
// playwright-core) in the same namespace. One per test file: start it in `before`, stop it in
// `after`.
//
//   const d = await startDashboardHarness();
//   await d.login(await d.tokenFor('viewer', 'view'));
//   await d.page.getByRole('table', { name: 'Pods' }) …
//   await d.screenshot('pods');

import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  ROOT,
  startNodeCluster,
  until,
  type Background,
  type NodeClusterOptions,
  type TestCluster,
} from './harness.js';
import { chromiumSkipReason, launchChromium } from './ingress-client.js';

export const KUBECTL = 33;
export const PROXY_PORT = 8001;
/** Seed 004's address of the dashboard through `kubectl proxy`. */
export const SEED_PATH =
  '/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/';
export const SEED_URL = `http://localhost:${PROXY_PORT}${SEED_PATH}`;
/** The dashboard's own port (`skiff up`'s default). */
export const DASHBOARD_PORT = 8443;
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

/** Errors thrown in the page, gathered from now on: any one means a broken page. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * Runs `steps` on `page`; if they fail, the error says what the page showed and heard: its
 * URL, its text, errors thrown in it, console errors, and requests that failed or answered
 * 400 or more (a browser test's timeout alone does not say why the awaited thing never came).
 */
export async function explained<T>(page: Page, steps: () => Promise<T>): Promise<T> {
  const heard: string[] = [];
  const note = (line: string): void => void (heard.length < 200 && heard.push(line));
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('console', (m) => void (m.type() === 'error' && note(`console: ${m.text()}`)));
  page.on('requestfailed', (r) =>
    note(`failed: ${r.method()} ${r.url()} (${r.failure()?.errorText ?? '?'})`),
  );
  page.on('response', (r) => void (r.status() >= 400 && note(`${r.status()}: ${r.url()}`)));
  try {
    return await steps();
  } catch (e) {
    const text = await page
      .evaluate(() => (globalThis as any).document?.body?.innerText as string | undefined)
      .catch((err: unknown) => `(page text unreadable: ${String(err)})`);
    const detail = [`page: ${page.url()}`, `text: ${(text ?? '').slice(0, 2_000)}`, ...heard].join(
      '\n  ',
    );
    // A new error: the reporter prints the stack, which holds the message as first written.
    if (e instanceof Error) throw new Error(`${e.message}\n  ${detail}`, { cause: e });
    throw e;
  }
}

/** The rows of the table named `table` whose text matches all of `texts`. */
export function tableRow(page: Page, table: string, ...texts: (string | RegExp)[]): Locator {
  let r = page.getByRole('table', { name: table, exact: true }).getByRole('row');
  for (const t of texts) r = r.filter({ hasText: t });
  return r;
}

/** Shows route `hash` (`/pods`…) in the same document, as a click on a link would. */
export async function showRoute(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => ((globalThis as any).location.hash = h), hash);
}

/** Why the dashboard's browser tests cannot run here, or undefined. */
export function dashboardSkipReason(): string | undefined {
  if (!hasKubectl(KUBECTL)) return `kubectl 1.${KUBECTL} is not installed`;
  return nodeSkipReason() ?? chromiumSkipReason();
}

export interface DashboardHarness {
  cluster: TestCluster;
  browser: BrowserContext;
  /** A tab at the seed's URL (through kubectl proxy). */
  page: Page;
  /** The node's address, where the dashboard serves directly (https://ADDRESS:8443/). */
  nodeAddress: string;
  /** The dashboard's direct URL. */
  directUrl: string;
  /** Opens a page of the app in `page` by its route (`/pods`, `/edit/pods/default/web`…) at the seed's URL. */
  goto(route: string): Promise<void>;
  /**
   * Goes to `url` (default the seed's URL), types the token into the login page, signs in, and
   * returns once signed in or refused (the alert says why).
   */
  login(token: string, url?: string): Promise<void>;
  /**
   * A token for service account `name` (made in `namespace`, default `default`) bound to
   * ClusterRole `clusterRole`: cluster-wide, or with `bindIn` only in that namespace.
   */
  tokenFor(
    name: string,
    clusterRole: string,
    o?: { namespace?: string; bindIn?: string },
  ): Promise<string>;
  /**
   * Signs `page` in as a cluster-admin service account `account` and selects `namespace`;
   * marks the document (`__sameDocument`), so a test can tell that nothing reloaded it.
   * Returns the page's errors from then on (see collectPageErrors).
   */
  signInAsAdmin(account: string, namespace: string): Promise<string[]>;
  /** Saves a screenshot of the page to test-artifacts/dashboard/NAME.png. */
  screenshot(name: string, page?: Page): Promise<string>;
  stop(): Promise<void>;
}

export interface DashboardHarnessOptions extends NodeClusterOptions {
  /** Load the busybox test image into the node (for pods that run). */
  busybox?: boolean;
}

export async function startDashboardHarness(
  o: DashboardHarnessOptions = {},
): Promise<DashboardHarness> {
  const images = o.busybox ? await ensureTestImages({ images: [IMAGES.busybox] }) : undefined;
  const cluster = startNodeCluster({
    ...o,
    ...(images ? { images: [...(o.images ?? []), images.archives[IMAGES.busybox]!] } : {}),
  });
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-dashboard-'));
  let proxy: Background | undefined;
  let browser: BrowserContext | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await proxy?.stop().catch(() => undefined);
    cluster.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    // The node's address: the dashboard Service's endpoint.
    const nodeAddress = await until('the dashboard endpoint', async () => {
      const r = await cluster.kubectl(KUBECTL, [
        'get',
        'endpoints',
        '-n',
        'kubernetes-dashboard',
        'kubernetes-dashboard',
        '-o',
        'jsonpath={.subsets[0].addresses[0].ip}',
      ]);
      return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
    });
    // for as long as the test file runs (a background command's default is a minute)
    proxy = cluster.background(KUBECTL, ['proxy', '--port', String(PROXY_PORT)], {
      timeoutMs: 30 * 60_000,
    });
    await proxy.waitFor(/Starting to serve/, 30_000);
    const caPem = (await cluster.exec('cat', [cluster.caPath])).stdout;
    browser = await launchChromium(cluster.netns ?? '', scratch, {
      resolve: {},
      acceptKeys: [spkiOfCertificateAt(await fetchCertificate(cluster, nodeAddress), caPem)],
    });
    const page = await browser.newPage();
    await page.goto(SEED_URL);
    const directUrl = `https://${nodeAddress}:${DASHBOARD_PORT}/`;
    const b = browser;
    const harness: DashboardHarness = {
      cluster,
      browser: b,
      page,
      nodeAddress,
      directUrl,
      async goto(route) {
        await page.goto(`${SEED_URL}#${route}`);
      },
      async login(token, url = SEED_URL) {
        await page.goto(url);
        const field = page.getByLabel(/token/i);
        await field.fill(token);
        await page.getByRole('button', { name: /sign in/i }).click();
        // Signed in, or refused with the reason.
        await page
          .getByRole('button', { name: 'Sign out' })
          .or(page.getByRole('alert'))
          .first()
          .waitFor();
      },
      async signInAsAdmin(account, namespace) {
        const token = await harness.tokenFor(account, 'cluster-admin');
        const errors = collectPageErrors(page);
        await harness.login(token);
        await page.getByRole('button', { name: 'Sign out' }).waitFor();
        await page.getByRole('combobox', { name: /Namespace/ }).selectOption(namespace);
        await page.evaluate(() => ((globalThis as any).__sameDocument = true));
        return errors;
      },
      async tokenFor(name, clusterRole, t = {}) {
        const ns = t.namespace ?? 'default';
        await cluster.kubectl(KUBECTL, ['create', 'serviceaccount', name, '-n', ns]);
        const binding = t.bindIn
          ? [
              'create',
              'rolebinding',
              `${name}-${clusterRole}`,
              '-n',
              t.bindIn,
              `--clusterrole=${clusterRole}`,
              `--serviceaccount=${ns}:${name}`,
            ]
          : [
              'create',
              'clusterrolebinding',
              `${ns}-${name}-${clusterRole}`,
              `--clusterrole=${clusterRole}`,
              `--serviceaccount=${ns}:${name}`,
            ];
        ok(await cluster.kubectl(KUBECTL, binding));
        return ok(await cluster.kubectl(KUBECTL, ['create', 'token', name, '-n', ns])).trim();
      },
      async screenshot(name, p = page) {
        mkdirSync(ARTIFACTS, { recursive: true });
        const path = join(ARTIFACTS, `${name}.png`);
        await p.screenshot({ path, fullPage: true });
        return path;
      },
      stop,
    };
    return harness;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The dashboard's certificate as its server presents it (PEM), read inside the namespace. */
async function fetchCertificate(cluster: TestCluster, address: string): Promise<string> {
  const r = await cluster.exec(
    'sh',
    [
      '-c',
      `timeout 10 openssl s_client -connect ${address}:${DASHBOARD_PORT} </dev/null 2>/dev/null | openssl x509`,
    ],
    { timeoutMs: 20_000 },
  );
  return ok(r, 'openssl s_client');
}

/**
 * The base64 SHA-256 of the certificate's public key, for Chromium's accepted keys, after
 * checking the cluster CA signed it (so the browser accepts exactly the dashboard's).
 */
function spkiOfCertificateAt(certPem: string, caPem: string): string {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.verify(ca.publicKey))
    throw new Error('the dashboard certificate is not from the cluster CA');
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
