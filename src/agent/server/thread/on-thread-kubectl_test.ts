// kubectl_test.ts's cases again, with the node server on its own thread as the agent runs it.

process.env['SKIFF_NODE_SERVER_THREAD'] = '1';
await import('../kubectl_test.js');
