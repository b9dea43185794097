/**
 * The learned layer of the crisis screen: its weights are read on first use, it scores the same text
 * the same way every time, normalised obfuscation changes nothing, it can only raise the rules' level,
 * and the team's hard negatives stay unflagged with it on.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors/app-error.js';
import type { CrisisModel } from '../../shared/safety/crisis-model.js';
import { loadCrisisAssets } from '../../shared/safety/load-crisis-assets.js';
import { CRISIS_MODEL_FILE, lazyCrisisModel } from '../../shared/safety/load-crisis-model.js';
import {
  type CrisisLevel,
  LEVEL_RANK,
  prepareCrisisText,
  screenCrisisRisk,
} from '../../shared/safety/screen-crisis-risk.js';

const PROMPT_DIR = fileURLToPath(new URL('../../prompt', import.meta.url));
const crisis = loadCrisisAssets(PROMPT_DIR);
const scratch = mkdtempSync(path.join(tmpdir(), 'zhiji-crisis-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const screen = (message: string, classifier: CrisisModel | null = crisis.classifier) =>
  screenCrisisRisk({ message, recentUserMessages: [] }, { rules: crisis.rules, classifier });

/** A classifier that always answers the given level, to test how the layers combine. */
const always = (level: CrisisLevel): CrisisModel => ({ probability: () => 0.5, level: () => level });

describe('loading the crisis classifier', () => {
  it('reads the weights only on first use', () => {
    const directory = mkdtempSync(path.join(scratch, 'broken-'));
    writeFileSync(path.join(directory, CRISIS_MODEL_FILE), '{"version": 1, "weights": "not weights"}');
    const model = lazyCrisisModel(directory);
    expect(() => model.probability('我想死')).toThrow(/crisis-model\.json: does not match its schema/);
  });

  it('refuses to start without the weights file, naming it', () => {
    try {
      lazyCrisisModel(path.join(scratch, 'missing'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).message).toContain(CRISIS_MODEL_FILE);
    }
  });

  it('scores deterministically, the same as a fresh copy of the same file', () => {
    const directory = mkdtempSync(path.join(scratch, 'copy-'));
    copyFileSync(path.join(PROMPT_DIR, CRISIS_MODEL_FILE), path.join(directory, CRISIS_MODEL_FILE));
    const copy = lazyCrisisModel(directory);
    for (const message of ['活着好累，真的不想再撑下去了', '今天和朋友去爬山了', '']) {
      const text = prepareCrisisText(message, crisis.rules);
      const first = crisis.classifier.probability(text);
      expect(crisis.classifier.probability(text)).toBe(first);
      expect(copy.probability(text)).toBe(first);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThanOrEqual(1);
    }
  });

  it('tells distress from an ordinary day (a sanity check, not a figure)', () => {
    const probability = (message: string) =>
      crisis.classifier.probability(prepareCrisisText(message, crisis.rules));
    expect(probability('我真的撑不下去了，每天都想离开这个世界')).toBeGreaterThan(
      probability('周末和朋友去公园野餐，很开心'),
    );
  });
});

describe('rules and classifier together', () => {
  const messages = ['我想自杀', '活着没意思', '今天吃了火锅', '我老公一喝酒就打我', '新闻说一名男子跳楼了'];
  const levels: CrisisLevel[] = ['none', 'medium', 'high'];

  it.each(messages)('never lowers the rules’ level, whatever the classifier says: %s', (message) => {
    const byRules = screen(message, null);
    for (const level of levels) {
      const combined = screen(message, always(level));
      expect(LEVEL_RANK[combined.level]).toBeGreaterThanOrEqual(LEVEL_RANK[byRules.level]);
      for (const category of byRules.categories) expect(combined.categories).toContain(category);
    }
  });

  it('lets the classifier raise a level, and says so in the categories', () => {
    expect(screen('今天吃了火锅', always('medium'))).toEqual({ level: 'medium', categories: ['classifier'] });
    expect(screen('活着没意思', always('high'))).toEqual({
      level: 'high',
      categories: ['classifier', 'passive_ideation'],
    });
    expect(screen('活着没意思', always('none'))).toEqual(screen('活着没意思', null));
  });

  it('does not ask the classifier about news or a stranger when the speaker is not in it', () => {
    expect(screen('新闻说一名男子跳楼自杀了', always('high')).level).toBe('none');
    expect(screen('看到新闻，我也想跟他一样跳下去', always('high')).level).toBe('high');
  });

  it.each([
    '笑死我了',
    '累死了',
    '我不会自杀的',
    '热死了',
    '想死你了',
    '饿死了',
    '《自杀小队》这部电影还挺好看的',
    '抖音上那首"我死在了那年夏天"好洗脑',
    '我不想跳楼',
    '新闻说一名男子跳楼自杀了',
    '失恋了好难过',
    '考试没考好',
  ])('leaves the hard negative unflagged with the classifier on: %s', (message) => {
    expect(screen(message)).toEqual({ level: 'none', categories: [] });
  });

  it.each(['我想自杀，已经准备好了', '活着没意思'])(
    'gives the same result for the message with zero-width spaces or in 繁体: %s',
    (message) => {
      const plain = screen(message);
      expect(plain.level).not.toBe('none');
      expect(screen([...message].join('\u200b'))).toEqual(plain);
      expect(screen(message.replace('准备', '準備').replace('没', '沒'))).toEqual(plain);
    },
  );
});
