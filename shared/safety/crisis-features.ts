/**
 * What the crisis classifier reads from a message, after the rules' normalisation and neutralisation
 * (so "累死了" or "我不会自杀的" reach it as "_" and teach it nothing): the distinct character 1- to
 * 3-grams of each run of letters and digits, and a few lexicon features. The lexicon features join
 * words the n-grams only see apart: who speaks (我 beside a death word) and whether it is a report.
 */
const WORD_RUN = /[\p{L}\p{N}]+/gu;
export const MAX_NGRAM_LENGTH = 3;

const LEXICON: readonly (readonly [string, RegExp])[] = [
  ['#death', /死|自杀|轻生|自尽|寻短见|结束生命|了结|离开这个世界|解脱/u],
  ['#self_harm', /自残|自伤|伤害自己|割|划|烫|撞墙|掐/u],
  ['#means', /安眠药|药|跳楼|跳下|上吊|烧炭|农药|刀|绳|楼顶|天台|河|桥|遗书/u],
  ['#hopeless', /没意思|没意义|撑不下去|撑不住|绝望|活着|不想活|太累|好累|痛苦|崩溃|没有希望/u],
  ['#self', /我/u],
  ['#others', /他|她|朋友|同学|室友|妈|爸|家人|网友|别人|有人|新闻|电影|小说|明星/u],
  ['#past', /以前|曾经|那时|小时候|之前|那年/u],
  ['#question', /\?|吗|怎么|如何|为什么/u],
];

/** Lexicon features that only count together: the speaker's own distress, or someone else's. */
const PAIRS: readonly (readonly [string, string, string])[] = [
  ['#self+death', '#self', '#death'],
  ['#self+self_harm', '#self', '#self_harm'],
  ['#self+means', '#self', '#means'],
  ['#self+hopeless', '#self', '#hopeless'],
  ['#others+death', '#others', '#death'],
  ['#past+death', '#past', '#death'],
  ['#past+self_harm', '#past', '#self_harm'],
];

export function crisisFeatures(preparedText: string): string[] {
  const seen = new Set<string>();
  for (const match of preparedText.matchAll(WORD_RUN)) {
    const characters = Array.from(match[0]);
    for (let start = 0; start < characters.length; start += 1) {
      let gram = '';
      for (let length = 1; length <= MAX_NGRAM_LENGTH && start + length <= characters.length; length += 1) {
        gram += characters[start + length - 1];
        seen.add(gram);
      }
    }
  }
  const found = new Set<string>();
  for (const [name, pattern] of LEXICON) if (pattern.test(preparedText)) found.add(name);
  for (const name of found) seen.add(name);
  for (const [name, left, right] of PAIRS) if (found.has(left) && found.has(right)) seen.add(name);
  return [...seen];
}
