/**
 * What the classifier reads: the clause features join a death word with who is in the same clause and
 * whether it is wished, denied or asked about; words in different clauses do not join.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crisisClauseFeatures, crisisFeatures } from '../../shared/safety/crisis-features.js';
import { loadCrisisRules } from '../../shared/safety/load-crisis-assets.js';
import { prepareCrisisText } from '../../shared/safety/screen-crisis-risk.js';

const rules = loadCrisisRules(fileURLToPath(new URL('../../prompt', import.meta.url)));
const clauses = (message: string) => crisisClauseFeatures(prepareCrisisText(message, rules));

describe('crisis clause features', () => {
  it('joins the speaker and a wish with a death word in one clause', () => {
    const found = clauses('我真的好想死');
    expect(found).toEqual(
      expect.arrayContaining(['@death', '@self+death', '@self_only+death', '@self_wish+death']),
    );
    expect(found).not.toContain('@denied+death');
  });

  it('reads a fear or a denial as such, not as a wish', () => {
    const found = clauses('我每天都害怕会猝死');
    expect(found).toContain('@denied+death');
    expect(found).not.toContain('@wish+death');
    expect(found).not.toContain('@self_wish+death');
  });

  it('does not join 我 and a death word from different clauses', () => {
    const found = clauses('我今天去上班了。听说那部电影里的人死了');
    expect(found).toContain('@death');
    expect(found).not.toContain('@self+death');
    expect(crisisFeatures(prepareCrisisText('我今天去上班了。听说那部电影里的人死了', rules))).toContain(
      '#self+death',
    );
  });

  it('marks a death word said only of someone else', () => {
    expect(clauses('我的闺蜜说她想自杀')).toContain('@others+death');
    expect(clauses('她想自杀')).toEqual(expect.arrayContaining(['@others_only+death']));
  });

  it('sees nothing of the hard negatives the rules neutralise', () => {
    for (const message of ['笑死我了', '累死了', '我不会自杀的']) {
      expect(clauses(message)).toEqual([]);
    }
  });

  it('has a topic per clause: self-harm and means when no death word is there', () => {
    expect(clauses('我又忍不住割了自己')).toContain('@self_only+harm');
    expect(clauses('楼顶的风很大')).toEqual(['@means']);
  });
});
