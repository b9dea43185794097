import { describe, expect, it } from 'vitest';
import { classifyByKeywordBaseline } from '../../scripts/emotion-model/classify-by-keyword-baseline.js';
import { evaluateEmotionLines } from '../../scripts/emotion-model/evaluate-emotion-lines.js';
import { mapDatasetLabel } from '../../scripts/emotion-model/map-dataset-label.js';
import { scorePredictions } from '../../scripts/emotion-model/score-emotion-predictions.js';
import { isHeldOutDialogue } from '../../scripts/emotion-model/split-by-dialogue.js';

describe('scorePredictions', () => {
  it('averages F1 over the gold labels only, and counts gold rows × predicted columns', () => {
    const card = scorePredictions([
      { gold: 'happy', predicted: 'happy' },
      { gold: 'happy', predicted: 'disgust' },
      { gold: 'sad', predicted: 'sad' },
      { gold: 'sad', predicted: 'happy' },
    ]);
    expect(card.goldLabels).toEqual(['happy', 'sad']);
    expect(card.accuracy).toBe(0.5);
    // happy: precision 1/2, recall 1/2 → 0.5; sad: precision 1, recall 1/2 → 2/3. Disgust is never gold.
    expect(card.macroF1).toBeCloseTo((0.5 + 2 / 3) / 2, 10);
    expect(card.confusion.happy.disgust).toBe(1);
    expect(card.confusion.sad.happy).toBe(1);
  });

  it('scores nothing as zero rather than NaN', () => {
    expect(scorePredictions([])).toMatchObject({ count: 0, accuracy: 0, macroF1: 0 });
  });
});

describe('the dataset label mapping', () => {
  it.each([
    ['grateful', 'happy'],
    ['depress', 'sad'],
    ['worried', 'fear'],
    ['astonished', 'surprise'],
    ['anger', 'angry'],
    ['like', 'happy'],
    ['happiness', 'happy'],
    ['angry', 'angry'],
    ['neutral', 'neutral'],
  ])('maps %s to %s', (label, basic) => {
    expect(mapDatasetLabel(label)).toBe(basic);
  });

  it.each(['relaxed', 'positive-other', 'negative-other', 'toString', ''])('maps %j to nothing', (label) => {
    expect(mapDatasetLabel(label)).toBeUndefined();
  });
});

describe('the keyword baseline', () => {
  it('takes the label with most keywords, else neutral', () => {
    expect(classifyByKeywordBaseline('开心又快乐，就是有点担心')).toBe('happy');
    expect(classifyByKeywordBaseline('我明天去上班')).toBe('neutral');
  });
});

describe('evaluateEmotionLines', () => {
  it('skips unmapped labels and lines of training dialogues, and scores per source', () => {
    expect(isHeldOutDialogue('1_003')).toBe(true);
    expect(isHeldOutDialogue('1_001')).toBe(false);
    const evaluation = evaluateEmotionLines(
      [
        { text: '好开心', label: 'happy', source: 'a' },
        { text: '随便', label: 'relaxed', source: 'a' },
        { text: '好难过', label: 'sadness', source: 'b', dialogue_id: '1_003' },
        { text: '好难过', label: 'sadness', source: 'b', dialogue_id: '1_001' },
      ],
      () => 'happy',
    );
    expect(evaluation).toMatchObject({ unmappedLabels: 1, trainingDialogues: 1 });
    expect(evaluation.classifier).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(evaluation.keywordBaseline.accuracy).toBe(1);
    expect(evaluation.alwaysNeutral.accuracy).toBe(0);
    expect(Object.keys(evaluation.bySource)).toEqual(['a', 'b']);
  });
});
