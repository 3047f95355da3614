// End-to-end: the dashboard's log viewer, terminal and YAML editor in headless Chromium,
// reached at seed 004's URL through `kubectl proxy`, against real containers: a log line
// written after the page opened appears, the previous container's log of a restarted
// container, search; a shell runs a command and its exit code is shown; a ConfigMap edited in
// the YAML editor is saved (kubectl sees it), a conflict offers a reload, and an unknown field
// or a wrong type is marked from the server's OpenAPI schema.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Locator } from 'playwright-core';
import { IMAGES } from '../images/index.js';
import {
  dashboardSkipReason,
  KUBECTL,
  SEED_URL,
  startDashboardHarness,
  type DashboardHarness,
} from './dashboard-harness.js';
import { esc, ok, until } from './harness.js';

const skip = dashboardSkipReason() ?? false;

const MANIFESTS = `apiVersion: v1
kind: Pod
metadata:
  name: talker
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: ${IMAGES.busybox}
    # prints a few lines, then whatever the test drops into /tmp/say
    command: [sh, -c, 'for i in 1 2 3; do echo "hay $i"; done; echo "a Needle in it"; echo ready;
      while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm /tmp/say; fi; sleep 0.2; done']
  - name: side
    image: ${IMAGES.busybox}
    command: [sh, -c, 'echo side started; sleep 3600']
---
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ${IMAGES.busybox}
    command: [sh, -c, 'echo "run of crasher"; sleep 1; echo "exiting with 3"; exit 3']
---
apiVersion: v1
kind: Pod
metadata:
  name: chatty
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: ${IMAGES.busybox}
    command: [sh, -c, 'seq 1 200000; sleep 3600']
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
`;

describe('dashboard logs, terminal and YAML editor', { skip, timeout: 600_000 }, () => {
  let d: DashboardHarness;
  let token: string;
  const kubectl = (args: string[]) => d.cluster.kubectl(KUBECTL, args);
  /** Opens a page afresh (by way of the welcome page, so that no page state carries over). */
  const open = async (route: string, base = SEED_URL) => {
    await d.page.goto(`${base}#/`);
    await d.page.goto(`${base}#${route}`);
  };
  const text = (l: Locator) => l.innerText();
  /** Resolves once the locator's text matches (the page is live: no reloads). */
  const waitForText = async (l: Locator, re: RegExp, what: string, ms = 30_000) => {
    let last = '';
    try {
      await until(
        what,
        async () => {
          last = await text(l).catch((e: Error) => `(${e.message.split('\n')[0]})`);
          return re.test(last) ? true : undefined;
        },
        ms,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; the page showed: ${JSON.stringify(last)}`);
    }
  };

  before(async () => {
    d = await startDashboardHarness({ busybox: true });
    ok(await kubectl(['apply', '-f', d.cluster.file('streams.yaml', MANIFESTS)]));
    ok(
      await d.cluster.kubectl(
        KUBECTL,
        ['wait', '--for=condition=Ready', 'pod/talker', '--timeout=150s'],
        { timeoutMs: 180_000 },
      ),
    );
    token = await d.tokenFor('streams-admin', 'cluster-admin');
    await d.login(token);
  });
  after(async () => {
    await d?.stop();
  });

  test('logs: a line written after the page opened appears while following', async () => {
    await open('/pods/default/talker/logs?container=main');
    const log = d.page.getByRole('log', { name: 'Log of main' });
    await waitForText(log, /hay 1\nhay 2\nhay 3\na Needle in it\nready/, 'the first lines');
    assert.equal(await d.page.getByRole('checkbox', { name: 'Follow' }).isChecked(), true);
    ok(
      await kubectl([
        'exec',
        'talker',
        '-c',
        'main',
        '--',
        'sh',
        '-c',
        'echo "written after open" > /tmp/say',
      ]),
    );
    await waitForText(log, /ready\nwritten after open/, 'the line written later');
    await waitForText(
      d.page.getByRole('status', { name: 'Log state' }),
      /^Following: 6 lines\./,
      'the count',
    );
    await d.screenshot('logs-follow');
  });

  test('logs: search highlights matches and can show only matching lines', async () => {
    await open('/pods/default/talker/logs');
    const log = d.page.getByRole('log', { name: 'Log of main' });
    await waitForText(log, /ready/, 'the log');
    await d.page.getByRole('searchbox', { name: 'Search' }).fill('NEEDLE');
    await waitForText(
      d.page.getByRole('status', { name: 'Log state' }),
      /1 matching line\./,
      'the match count',
    );
    assert.deepEqual(await log.locator('mark').allInnerTexts(), ['Needle']);
    await d.page.getByRole('checkbox', { name: 'Only matching lines' }).check();
    await waitForText(log, /^a Needle in it$/, 'only the matching line');
    await d.screenshot('logs-search');
    await d.page.getByRole('checkbox', { name: 'Timestamps' }).check();
    await waitForText(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z a Needle in it$/, 'timestamps');
  });

  test('logs: the previous container of a restarted one, and the API refusal without one', async () => {
    await until(
      'crasher restarted',
      async () => {
        const r = await kubectl([
          'get',
          'pod',
          'crasher',
          '-o',
          'jsonpath={.status.containerStatuses[0].restartCount}',
        ]);
        return Number(r.stdout) >= 1 ? true : undefined;
      },
      120_000,
    );
    await open('/pods/default/crasher/logs');
    await d.page.getByRole('checkbox', { name: 'Previous container' }).check();
    const log = d.page.getByRole('log', { name: 'Log of app' });
    await waitForText(log, /^run of crasher\nexiting with 3$/, 'the previous log');
    await d.screenshot('logs-previous');

    // the talker never restarted: the page says what the API says (as kubectl logs -p does)
    const refused = await kubectl(['logs', '-p', 'talker', '-c', 'side']);
    assert.notEqual(refused.code, 0);
    const message = refused.stderr.trim().replace(/^Error from server \(BadRequest\): /, '');
    assert.match(message, /previous terminated container "side" in pod "talker" not found/);
    await open('/pods/default/talker/logs?container=side');
    await d.page.getByRole('checkbox', { name: 'Previous container' }).check();
    await waitForText(d.page.getByRole('alert'), new RegExp(`^${esc(message)}$`), 'the refusal');
  });

  test('logs: megabytes of log keep the page responsive; the download has all of it', async () => {
    await d.cluster.kubectl(
      KUBECTL,
      ['wait', '--for=condition=Ready', 'pod/chatty', '--timeout=150s'],
      { timeoutMs: 180_000 },
    );
    // Ready comes before seq is done on a loaded machine, and lines written after the page
    // opened are followed too: the count is exact once seq has written its last line.
    await until(
      'seq to finish',
      async () =>
        ok(await kubectl(['logs', '--tail=1', 'chatty'])) === '200000\n' ? true : undefined,
      120_000,
    );
    // conmon cut the output into partial records where its pipe reads ended mid-line: the
    // tail is still 1,000 lines, as kubectl shows it
    const tail = ok(await kubectl(['logs', '--tail=1000', 'chatty']));
    assert.equal(tail, Array.from({ length: 1000 }, (_, i) => `${199_001 + i}\n`).join(''));
    await open('/pods/default/chatty/logs');
    const state = d.page.getByRole('status', { name: 'Log state' });
    // the last 1,000 lines first (tailLines), then all of them
    await waitForText(state, /^Following: 1,000 lines\.$/, 'the tail');
    const log = d.page.getByRole('log', { name: 'Log of main' });
    await waitForText(log, /\n199999\n200000$/, "the tail's last lines");
    await d.page.getByRole('combobox', { name: 'Lines' }).selectOption('all');
    await waitForText(
      state,
      /Showing the last 10,000 lines; 190,000 earlier lines are not kept here/,
      'the whole log',
      120_000,
    );
    await waitForText(log, /\n199999\n200000$/, 'the last lines');
    // only the lines in view are in the page, and it answers at once
    assert.ok((await log.locator('div.log-line').count()) < 200);
    const started = Date.now();
    await d.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    assert.ok(Date.now() - started < 1000);
    await d.screenshot('logs-large');

    const [download] = await Promise.all([
      d.page.waitForEvent('download'),
      d.page.getByRole('button', { name: 'Download full log' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'chatty_main.log');
    const saved = await readFile((await download.path())!, 'utf8');
    assert.equal(saved.split('\n').length, 200_001);
    assert.ok(saved.startsWith('1\n2\n3\n') && saved.endsWith('\n200000\n'));
  });

  test('terminal: a shell runs a command, shows its output and the exit code', async () => {
    // at the dashboard's own address (`skiff dashboard`): kubectl proxy's default filter
    // refuses exec paths
    await d.login(token, d.directUrl);
    await open('/pods/default/talker/exec?container=side', d.directUrl);
    const terminal = d.page.getByRole('region', { name: 'Terminal' });
    const session = d.page.getByRole('status', { name: 'Session' });
    await waitForText(session, /^Connected \(v[45]\.channel\.k8s\.io\)\.$/, 'the session');
    await terminal.click();
    await d.page.keyboard.type('echo hello; hostname\n');
    await waitForText(terminal, /\nhello\s*\ntalker\s*\n/, 'the command output');
    await d.screenshot('terminal');
    await d.page.keyboard.type('exit 3\n');
    await waitForText(session, /^The command exited with code 3\.$/, 'the exit code');

    // a shell the image does not have: the runtime's refusal, said in the page
    await d.page.getByRole('combobox', { name: 'Shell' }).selectOption('bash');
    await waitForText(session, /executable file not found/, 'the missing shell');
  });

  test('terminal: a user RBAC does not let exec is told so', async () => {
    // (at the dashboard's own address: the session at the seed's URL stays the admin's)
    await d.page.goto(d.directUrl);
    await d.page.getByRole('button', { name: 'Sign out' }).click();
    await d.login(await d.tokenFor('streams-viewer', 'view'), d.directUrl);
    await open('/pods/default/talker/exec?container=side', d.directUrl);
    await waitForText(
      d.page.getByRole('status', { name: 'Session' }),
      /^You may not open a terminal in pod talker: creating pods\/exec in namespace default is not allowed/,
      'the refusal',
    );
    await d.screenshot('terminal-forbidden');
  });

  test('YAML editor: saves an edited ConfigMap that kubectl then sees', async () => {
    await open('/edit/configmaps/default/settings');
    const editor = d.page.getByRole('textbox', { name: 'YAML of ConfigMap default/settings' });
    await waitForText(editor, /data:\n\s+color: blue/, 'the object');
    assert.doesNotMatch(await text(editor), /managedFields/);
    await editor.click();
    await d.page.keyboard.press('Control+End');
    await d.page.keyboard.insertText('  shade: dark\n');
    await d.page.getByRole('button', { name: 'Save' }).click();
    await waitForText(
      d.page.getByRole('status', { name: 'Save state' }),
      /^Saved \(resourceVersion \d+\)\.$/,
      'saved',
    );
    const data = ok(await kubectl(['get', 'configmap', 'settings', '-o', 'jsonpath={.data}']));
    assert.deepEqual(JSON.parse(data), { color: 'blue', shade: 'dark' });
    await d.screenshot('edit-saved');
  });

  test('YAML editor: an untouched text follows the server', async () => {
    await open('/edit/configmaps/default/settings');
    const editor = d.page.getByRole('textbox', { name: 'YAML of ConfigMap default/settings' });
    await waitForText(editor, /shade: dark/, 'the object');
    ok(await kubectl(['label', 'configmap', 'settings', 'seen=live']));
    await waitForText(editor, /seen: live/, 'the new version without a reload');
    assert.equal(await d.page.getByRole('status', { name: 'Server changes' }).count(), 0);
  });

  test('YAML editor: a change made meanwhile is announced, then a conflict with a reload', async () => {
    await open('/edit/configmaps/default/settings');
    const editor = d.page.getByRole('textbox', { name: 'YAML of ConfigMap default/settings' });
    await waitForText(editor, /shade: dark/, 'the object');
    await editor.click();
    await d.page.keyboard.press('Control+End');
    await d.page.keyboard.insertText('  size: large\n');
    ok(await kubectl(['label', 'configmap', 'settings', 'changed=meanwhile']));
    // The user's edits stay; the page says at once that saving them will be refused.
    await waitForText(
      d.page.getByRole('status', { name: 'Server changes' }),
      /Someone changed this object since it was loaded/,
      'the change announced',
    );
    assert.match(await text(editor), /size: large/);
    await d.page.getByRole('button', { name: 'Save' }).click();
    const alert = d.page.getByRole('alert');
    await waitForText(
      alert,
      /Operation cannot be fulfilled on configmaps "settings"/,
      'the conflict',
    );
    await d.screenshot('edit-conflict');
    await d.page.getByRole('button', { name: 'Reload (discard my changes)' }).click();
    await waitForText(editor, /changed: meanwhile/, 'the current version');
    assert.doesNotMatch(await text(editor), /size: large/);
  });

  test('YAML editor: unknown fields and wrong types are marked, keys are completed', async () => {
    await open('/edit/configmaps/default/settings');
    const editor = d.page.getByRole('textbox', { name: 'YAML of ConfigMap default/settings' });
    await waitForText(editor, /color: blue/, 'the object');
    await editor.click();
    await d.page.keyboard.press('Control+End');
    await d.page.keyboard.insertText('colour: red\nimmutable: maybe\n');
    const problems = d.page.getByRole('list', { name: 'Problems' });
    await waitForText(problems, /unknown field "colour"/, 'the unknown field');
    assert.match(await text(problems), /Line \d+: immutable: expected boolean, got string/);
    assert.ok((await d.page.locator('.cm-lintRange-error').count()) >= 2);
    await d.screenshot('edit-problems');

    await d.page.keyboard.insertText('bin');
    const option = d.page.getByRole('option', { name: /binaryData/ });
    await option.click({ timeout: 15_000 });
    await waitForText(editor, /\nbinaryData: $/m, 'the completed key');
  });
});
