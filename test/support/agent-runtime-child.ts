// Run by runtime_test.ts as a separate process: creates and starts a container, then
// exits, as an agent that stops while its containers go on running.
// argv: dataDir configJSON cgroupParent

import { createCommandRunner } from '../../src/agent/runner/index.js';
import { createRuntime } from '../../src/agent/runtime/runtime.js';
import type { ContainerConfig } from '../../src/agent/runtime/types.js';

const [dataDir, json, cgroupParent] = process.argv.slice(2);
if (!dataDir || !json) throw new Error('usage: agent-runtime-child.ts DATA_DIR CONFIG_JSON');
const config = JSON.parse(json) as ContainerConfig;
const runner = createCommandRunner();
const rt = await createRuntime({
  commandRunner: runner,
  dataDir,
  ...(cgroupParent ? { cgroupParent } : {}),
});
await rt.create(config);
const s = await rt.start(config.id);
rt.close();
runner.close();
process.stdout.write(JSON.stringify({ pid: s.pid, state: s.state }) + '\n');
