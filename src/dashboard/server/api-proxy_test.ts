import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitProtocols, TOKEN_PROTOCOL_PREFIX } from './api-proxy.js';

const enc = (s: string): string => TOKEN_PROTOCOL_PREFIX + Buffer.from(s).toString('base64url');

test('the token subprotocol is taken out; the others keep their order', () => {
  assert.deepEqual(splitProtocols(`v5.channel.k8s.io, ${enc('abc.def')}, v4.channel.k8s.io`), {
    token: 'abc.def',
    protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
  });
  assert.deepEqual(splitProtocols('v5.channel.k8s.io'), {
    token: undefined,
    protocols: ['v5.channel.k8s.io'],
  });
  assert.deepEqual(splitProtocols(undefined), { token: undefined, protocols: [] });
  // An empty token is no token.
  assert.deepEqual(splitProtocols(`${TOKEN_PROTOCOL_PREFIX}, x`), {
    token: undefined,
    protocols: ['x'],
  });
});
