/**
 * The classifier with the shipped weights: clear sentences get their obvious label, scores are a
 * probability per basic emotion, and the committed weights are the build of the committed lexicon.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMOTION_LEXICON_FILE } from '../../scripts/emotion-model/parse-emotion-lexicon.js';
import {
  basicEmotions,
  classifyBasicEmotion,
  classifyWithEmotionModel,
  loadEmotionModel,
  resolveEmotionModelPath,
} from '../../shared/emotion/classify-basic-emotion.js';
import { EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE } from '../../shared/emotion/load-emotion-model.js';

describe('classifyBasicEmotion with the shipped weights', () => {
  it.each([
    ['今天太开心了！', 'happy'],
    ['我好难过，想哭', 'sad'],
    ['气死我了', 'angry'],
    ['好害怕明天的考试', 'fear'],
    ['天哪，真没想到', 'surprise'],
    ['恶心死了', 'disgust'],
    ['我明天去上班', 'neutral'],
    ['我不开心', 'sad'],
    ['[泪][泪]', 'sad'],
    ['哈哈哈哈哈哈', 'happy'],
    ['崩溃了，作业又没保存', 'sad'],
    ['我真的会谢', 'angry'],
    ['我今天吃了面条', 'neutral'],
    ['请问明天几点开会？', 'neutral'],
    ['转发微博', 'neutral'],
  ])('labels %s as %s', (text, label) => {
    expect(classifyBasicEmotion(text).label).toBe(label);
  });

  it.each(['今天太开心了！', '我明天去上班', '', '🙂🙂', 'a'.repeat(5000)])(
    'gives every basic emotion a probability, summing to 1, the label the highest (%#)',
    (text) => {
      const { label, scores } = classifyBasicEmotion(text);
      expect(Object.keys(scores)).toEqual([...basicEmotions]);
      for (const score of Object.values(scores)) expect(score).toBeGreaterThanOrEqual(0);
      expect(Object.values(scores).reduce((sum, score) => sum + score, 0)).toBeCloseTo(1, 10);
      expect(Math.max(...Object.values(scores))).toBe(scores[label]);
    },
  );

  it('is confident where the words are clear and not where there are none', () => {
    expect(classifyBasicEmotion('我好难过，想哭').scores.sad).toBeGreaterThan(0.9);
    expect(classifyBasicEmotion('').label).toBe('neutral');
    expect(classifyBasicEmotion('').scores.neutral).toBeLessThan(0.6);
  });

  it('reads the negation: 不难过 is no longer sad, 不开心 is', () => {
    expect(classifyBasicEmotion('我已经不难过了').label).not.toBe('sad');
    expect(classifyBasicEmotion('我一点都不开心').label).toBe('sad');
  });

  it('gives the same answer as the lower-level call with the weights loaded explicitly', () => {
    const model = loadEmotionModel(resolveEmotionModelPath());
    expect(classifyWithEmotionModel('好害怕明天的考试', model)).toEqual(
      classifyBasicEmotion('好害怕明天的考试'),
    );
  });
});

describe('the shipped weights file', () => {
  it('was built from the committed lexicon (rebuild after editing it: npm run build:emotion-model)', async () => {
    const weights = JSON.parse(await readFile(path.join(EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE), 'utf8'));
    const lexicon = await readFile(path.join(EMOTION_ASSETS_DIR, EMOTION_LEXICON_FILE), 'utf8');
    expect(weights.training.lexiconSha256).toBe(createHash('sha256').update(lexicon).digest('hex'));
    expect(weights.attribution).toMatch(/CPED.*scutcyr\/CPED.*Apache-2\.0/);
  });

  it('stays well under the size budget', async () => {
    const bytes = (await readFile(path.join(EMOTION_ASSETS_DIR, EMOTION_MODEL_FILE))).byteLength;
    expect(bytes).toBeLessThan(200_000);
  });

  it('is refused with the file named when it is missing or malformed', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'zhiji-emotion-'));
    try {
      const missing = path.join(directory, 'missing.json');
      expect(() => loadEmotionModel(missing)).toThrow(missing);
      const malformed = path.join(directory, 'malformed.json');
      await writeFile(malformed, JSON.stringify({ format: 'zhiji-basic-emotion/1', ngrams: { 好: [1, 2] } }));
      expect(() => loadEmotionModel(malformed)).toThrow(/malformed\.json does not match/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
