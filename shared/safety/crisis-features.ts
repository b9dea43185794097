/**
 * What the crisis classifier reads from a message, after the rules' normalisation and neutralisation
 * (so "累死了" or "我不会自杀的" reach it as "_" and teach it nothing): the distinct character 1- to
 * 3-grams of each run of letters and digits, lexicon features, and clause features (below). The
 * lexicon features join words the n-grams only see apart: who speaks (我 beside a death word), whether
 * it is a report, and kinds of death words whose n-grams are each too rare to be learnt one by one (a
 * wish to die, a fear of dying, hyperbole, an act, a plan).
 */
import { characterNgrams } from '../text/character-ngrams.js';

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
  ['#hyperbole_death', /[气累笑逼饿热困烦吓忙冻撑馋]死|死我了|死人了|作死|找死|见光死|等死|战死|社死|至死/u],
  [
    '#wish_to_die',
    /想死|渴望死|求死|宁[可愿].{0,2}死|不如死|去死|死了算了|死掉算了|不要活|不想活|活不下去|不想再活|活够了|想结束|想离开这个世界|想消失|不想醒|一了百了/u,
  ],
  ['#fear_of_dying', /怕死|害怕.{0,3}死|恐惧.{0,3}死|死亡恐惧|担心.{0,4}死|怕.{0,4}死掉|猝死/u],
  ['#acted', /吞了|吃了.{0,4}药|割了|划了|跳了|送医|抢救|洗胃|没死成|未遂/u],
  ['#plan', /遗书|遗言|后事|买了.{0,4}[药刀绳炭]|准备好了|计划|方法|怎么死|怎样死|哪里.{0,3}买/u],
  ['#abstract', /自杀的人|为什么.{0,4}自杀|死亡.{0,2}(?:是|意义|哲学)|生与死|关于死亡|安乐死/u],
  ['#someone_died', /身亡|去世|离世|逝者|遗体/u],
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
  const seen = new Set(characterNgrams(preparedText, 1, MAX_NGRAM_LENGTH));
  const found = new Set<string>();
  for (const [name, pattern] of LEXICON) if (pattern.test(preparedText)) found.add(name);
  for (const name of found) seen.add(name);
  for (const [name, left, right] of PAIRS) if (found.has(left) && found.has(right)) seen.add(name);
  for (const name of crisisClauseFeatures(preparedText)) seen.add(name);
  return [...seen];
}

/**
 * Clause features: a death, self-harm or means word counts together with who is in the same clause
 * (我 or 自己, someone else, or both), a denial or fear (不想, 没有, 怕…), a wish (想, 宁可, 干脆…) and a
 * question. Over the whole message, 我 in one sentence and 死 in another say little; in one clause they
 * say much more, and a wish beside a death word is not a fear of it.
 */
const CLAUSE_BREAK = /[,.!?;:。，！？；：\n]+/u;

const TOPICS: readonly (readonly [string, RegExp])[] = [
  ['death', /死|自杀|轻生|自尽|寻短见|结束生命|了结|离开这个世界|解脱|不想活|不要活|活不下去|活着/u],
  ['harm', /自残|自伤|伤害自己|伤自己|割|划|烫|撞墙|掐/u],
  ['means', /安眠药|药|跳楼|跳下|上吊|烧炭|农药|刀|绳|楼顶|天台|河|桥|遗书/u],
];
const SELF = /我|自己|本人/u;
const OTHERS =
  /他|她|它|朋友|同学|室友|妈|爸|家人|网友|别人|有人|孩子|女孩|男孩|闺蜜|老公|老婆|哥|姐|弟|妹|女友|男友|亲戚|明星|新闻/u;
const DENIAL_OR_FEAR = /不想|不会|没有|没想|不要|别|不能|不敢|不可能|从没|从来没|怕|担心|恐惧/u;
const WISH = /想|要|希望|渴望|宁可|宁愿|打算|准备|决定|干脆|不如|算了/u;
const QUESTION = /[?吗呢]|怎么|如何|为什么|为何|是不是/u;

export function crisisClauseFeatures(preparedText: string): string[] {
  const found = new Set<string>();
  for (const clause of preparedText.split(CLAUSE_BREAK)) {
    // The first topic only: a clause is about death, else self-harm, else a means.
    const topic = TOPICS.find(([, pattern]) => pattern.test(clause))?.[0];
    if (topic === undefined) continue;
    const self = SELF.test(clause);
    const others = OTHERS.test(clause);
    const denied = DENIAL_OR_FEAR.test(clause);
    const wished = !denied && WISH.test(clause);
    found.add(`@${topic}`);
    if (self) found.add(`@self+${topic}`);
    if (others) found.add(`@others+${topic}`);
    if (self && !others) found.add(`@self_only+${topic}`);
    if (others && !self) found.add(`@others_only+${topic}`);
    if (denied) found.add(`@denied+${topic}`);
    if (wished) found.add(`@wish+${topic}`);
    if (wished && self) found.add(`@self_wish+${topic}`);
    if (QUESTION.test(clause)) found.add(`@question+${topic}`);
  }
  return [...found];
}
