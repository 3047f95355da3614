import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoscalerTargets } from './autoscaler.js';

const hpa = (metrics: unknown[], currentMetrics?: unknown[]) =>
  ({
    metadata: { name: 'web' },
    spec: { metrics },
    ...(currentMetrics ? { status: { currentMetrics } } : {}),
  }) as any;

const cpu = { type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 60 } } };

test("an autoscaler's targets read as kubectl's TARGETS column", () => {
  assert.equal(autoscalerTargets(hpa([cpu])), 'cpu: <unknown>/60%');
  assert.equal(
    autoscalerTargets(
      hpa(
        [cpu],
        [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }],
      ),
    ),
    'cpu: 12%/60%',
  );
  const memory = {
    type: 'Resource',
    resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '20Mi' } },
  };
  assert.equal(
    autoscalerTargets(
      hpa(
        [memory],
        [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '10Mi' } } }],
      ),
    ),
    'memory: 10Mi/20Mi',
  );
  assert.equal(autoscalerTargets(hpa([])), '<none>');
  assert.equal(
    autoscalerTargets(hpa([cpu, memory, cpu])),
    'cpu: <unknown>/60%, memory: <unknown>/20Mi + 1 more...',
  );
});
