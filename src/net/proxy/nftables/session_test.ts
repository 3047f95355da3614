// The long-lived `nft -i` against real nftables in a namespace of the test's own.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createTestNetns,
  skipReason,
  type TestNetns,
} from '../../../../test/support/agent-sandbox.js';
import { startNftSession, type NftSession } from './session.js';

const skip = skipReason();

describe('nft session', { skip }, () => {
  let ns: TestNetns;
  let session: NftSession;
  const elements = async (): Promise<string> => ns.run(['nft', 'list', 'set', 'ip', 'sess', 's']);

  before(async () => {
    ns = await createTestNetns('skiff-nftsess');
    session = startNftSession(ns.path);
  });
  after(async () => {
    session.close();
    await ns.remove();
  });

  test('applies transactions in order, each whole or not at all', async () => {
    await session.apply(
      'add table ip sess\nadd set ip sess s { type ipv4_addr; }\nadd element ip sess s { 10.0.0.1 }\n',
    );
    assert.match(await elements(), /10\.0\.0\.1/);
    // The second command fails: the first is not applied either.
    await assert.rejects(
      session.apply(
        'add element ip sess s { 10.0.0.2 }\nadd element ip sess nosuch { 10.0.0.3 }\n',
      ),
      /"nft -i" failed: Error: No such file or directory/,
    );
    assert.doesNotMatch(await elements(), /10\.0\.0\.2/);
    // Many at once, each settled by its own outcome.
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        session.apply(
          i % 7 === 3
            ? `add element ip sess missing { 10.1.0.${i} }`
            : `add element ip sess s { 10.1.0.${i} }`,
        ),
      ),
    );
    results.forEach((r, i) => assert.equal(r.status, i % 7 === 3 ? 'rejected' : 'fulfilled'));
    const text = await elements();
    for (let i = 0; i < 50; i++)
      assert.equal(text.includes(`10.1.0.${i},`) || text.includes(`10.1.0.${i} `), i % 7 !== 3);
  });

  test('a killed nft fails what it had and a new one takes the next transaction', async () => {
    const pid = session.pid();
    assert.ok(pid, 'the session runs nft -i');
    process.kill(pid, 'SIGKILL');
    // Sent before or after the session noticed: it fails or goes to a new nft.
    await session.apply('add element ip sess s { 10.2.0.1 }').catch(() => undefined);
    await session.apply('add element ip sess s { 10.2.0.2 }');
    assert.match(await elements(), /10\.2\.0\.2/);
    assert.notEqual(session.pid(), pid);
  });

  test('an nft that cannot run counts as dying, so the mode can fall back to nft -f', async () => {
    const broken = startNftSession(ns.path, '/nonexistent/nft');
    try {
      for (let i = 1; i <= 3; i++) {
        await assert.rejects(broken.apply('add table ip sess'), /nft -i/);
        assert.equal(broken.deaths(), i);
      }
    } finally {
      broken.close();
    }
    assert.equal(session.deaths(), 0);
  });
});
