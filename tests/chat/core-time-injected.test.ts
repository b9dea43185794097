import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The turn's core takes time from its budget only; the real clock is read at the platform's edge. */
const coreFiles = [
  ...readdirSync('shared/chat', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join('shared/chat', file)),
  'shared/model/complete-with-deadline.ts',
  'shared/model/read-reply-stream.ts',
  'shared/storage/with-storage-retry.ts',
  'shared/runtime/within-deadline.ts',
];

describe('time in the chat core', () => {
  it.each(coreFiles)('%s reads no clock and sets no timer of its own', (file) => {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    expect(code).not.toMatch(
      /performance\.now|Date\.now|setTimeout|setInterval|AbortSignal\.timeout|new Date\(\)/,
    );
  });
});
