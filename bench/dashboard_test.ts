import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstPageBytes } from './dashboard.js';

test('the first page counts the entry and what it imports statically, not lazy chunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-sizes-'));
  try {
    mkdirSync(join(dir, 'assets', 'chunks'), { recursive: true });
    const files: Record<string, string> = {
      'assets/main.js':
        'import{a}from"./chunks/shared-AAAA1111.js";const t=()=>import("./chunks/term-BBBB2222.js");',
      'assets/chunks/shared-AAAA1111.js': 'import"./dep-CCCC3333.js";export const a=1;',
      'assets/chunks/dep-CCCC3333.js': 'export{};',
      'assets/chunks/term-BBBB2222.js': 'export{};',
    };
    const sizes: Record<string, { bytes: number; gzip: number }> = {};
    let n = 1;
    for (const [f, text] of Object.entries(files)) {
      writeFileSync(join(dir, f), text);
      sizes[f] = { bytes: text.length, gzip: (n *= 10) };
    }
    // main 10 + shared 100 + dep 1000; the lazy terminal (10000) is not on the first page.
    assert.equal(firstPageBytes(dir, sizes), 1110);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
