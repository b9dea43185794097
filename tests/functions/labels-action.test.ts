import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import type { HttpResponse } from '../../shared/http/http-event.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';
import { recordingLogger } from '../support/test-services.js';

const promptDir = path.resolve('prompt');

async function historyWith(labelsFile?: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'zhiji-labels-'));
  let directory = promptDir;
  if (labelsFile !== undefined) {
    directory = path.join(dataDir, 'prompt');
    await rm(directory, { recursive: true, force: true });
    await (await import('node:fs/promises')).cp(promptDir, directory, { recursive: true });
    await writeFile(path.join(directory, 'emotion-labels.json'), labelsFile);
  }
  const history = createFunctionHandler(historyEndpoint, {
    environment: { STORAGE: 'local', DATA_DIR: dataDir, PROMPT_DIR: directory },
    overrides: { logger: recordingLogger().logger },
  });
  return { history, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

describe('the history function tells the client the label set', () => {
  it('answers {"action": "labels"} with every expression, its Chinese name, sprite and the default', async () => {
    const { history, cleanup } = await historyWith();
    try {
      const reply = (await history({ action: 'labels', user_id: 'u1' })) as {
        default_label: string;
        default_sprite: string;
        labels: { label: string; name_zh: string; sprite: string }[];
        from_basic: Record<string, string>;
      };
      const file = JSON.parse(await readFile(path.join(promptDir, 'emotion-labels.json'), 'utf8'));
      expect(reply.labels.map((entry) => entry.label)).toEqual(
        file.labels.map((entry: { label: string }) => entry.label),
      );
      expect(reply.labels.find((entry) => entry.label === 'caring')).toMatchObject({
        name_zh: '关怀',
        sprite: 'monster_caring',
      });
      expect(reply).toMatchObject({ default_label: 'neutral', default_sprite: 'monster_neutral' });
      expect(reply.from_basic.fear).toBe('worried');
      // Examples are prompt material, not client data.
      expect(JSON.stringify(reply)).not.toContain('examples_zh');

      const overHttp = (await history({
        path: '/api/chat/history',
        httpMethod: 'GET',
        headers: {},
        queryStringParameters: { action: 'labels', user_id: 'u1' },
        body: null,
        isBase64Encoded: false,
      })) as HttpResponse;
      expect(overHttp.statusCode).toBe(200);
      expect(JSON.parse(overHttp.body).labels).toHaveLength(reply.labels.length);
    } finally {
      await cleanup();
    }
  });

  it('serves a new expression added to the label file without a code change', async () => {
    const file = JSON.parse(await readFile(path.join(promptDir, 'emotion-labels.json'), 'utf8'));
    file.labels.push({
      label: 'shy',
      name_zh: '害羞',
      description_zh: '被夸奖时有点不好意思。',
      sprite: 'monster_shy',
    });
    const { history, cleanup } = await historyWith(JSON.stringify(file));
    try {
      const reply = (await history({ action: 'labels', user_id: 'u1' })) as {
        labels: { label: string; sprite: string }[];
      };
      expect(reply.labels.at(-1)).toMatchObject({ label: 'shy', sprite: 'monster_shy' });
    } finally {
      await cleanup();
    }
  });
});
