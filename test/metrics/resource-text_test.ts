// The node's /metrics/resource text read back as metrics-server reads it: the formatter's
// output for a given sample, and the live text of this machine.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createStatsProvider, formatResourceMetrics } from '../../src/agent/stats/index.js';
import { decodeBatch } from '../../src/apiserver/resource-metrics/index.js';

it('a sample survives the text: CPU in nanoseconds, working sets, start times, timestamps', () => {
  const t = new Date(1_700_000_000_123);
  const text = formatResourceMetrics({
    node: {
      cpu: { usageCoreNanoSeconds: 170_560_227_000, time: t },
      memory: { workingSetBytes: 662_106_112, time: t },
    },
    pods: [
      {
        name: 'web',
        namespace: 'default',
        containers: [
          {
            name: 'nginx',
            startTime: new Date(1_699_999_000_500),
            cpu: { usageCoreNanoSeconds: 8_534_338_000, time: t },
            memory: { workingSetBytes: 15_659_008, time: t },
          },
        ],
      },
    ],
  });
  const b = decodeBatch(text, 0, 'n1');
  assert.deepEqual(b.nodes.get('n1'), {
    cumulativeCpuNanos: 170_560_227_000n,
    memoryBytes: 662_106_112n,
    timestampMs: 1_700_000_000_123,
  });
  assert.deepEqual(b.pods.get('default/web')?.get('nginx'), {
    startMs: 1_699_999_000_500,
    cumulativeCpuNanos: 8_534_338_000n,
    memoryBytes: 15_659_008n,
    timestampMs: 1_700_000_000_123,
  });
});

it("this machine's text gives a complete node point", async () => {
  const stats = createStatsProvider({ nodeName: 'n1', pods: () => [], housekeepingMs: 0 });
  const before = Date.now();
  const b = decodeBatch(await stats.resourceMetrics(), 0, 'n1');
  const p = b.nodes.get('n1');
  assert.ok(p, 'node point');
  assert.ok(p.cumulativeCpuNanos > 0n && p.memoryBytes > 0n);
  assert.ok(p.timestampMs >= before && p.timestampMs <= Date.now());
});
