import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPorts, nodeHostPorts, parseHostPorts } from './host-ports.js';

test("a node's own ports: what skiff up holds, written in order and read back", () => {
  const ports = nodeHostPorts({ apiServerPort: 6443, dns: true });
  const text = formatHostPorts(ports);
  assert.equal(text, '{"53/TCP":"cluster DNS","53/UDP":"cluster DNS","6443/TCP":"API server"}');
  assert.deepEqual(parseHostPorts(text), ports);
  assert.deepEqual(nodeHostPorts({ dns: false }), {});
  // Malformed annotations (written by hand) count for nothing.
  assert.deepEqual(parseHostPorts('80'), {});
  assert.deepEqual(parseHostPorts('{"80":"x","81/TCP":1,"82/UDP":"y"}'), { '82/UDP': 'y' });
  assert.deepEqual(parseHostPorts(undefined), {});
});
