import { normaliseText } from '../text/normalise-text.js';
import { type CompiledCrisisRule, type CrisisRules, SENTENCE_ENDS } from './crisis-compile-rules.js';
import type { CrisisModel } from './crisis-model.js';

export type { CrisisResource, CrisisRules } from './crisis-compile-rules.js';
export { compileCrisisRules } from './crisis-compile-rules.js';

export type CrisisLevel = 'none' | 'medium' | 'high';
/** What may be logged: a level and stable category codes, never any of the message text. */
export interface CrisisScreen {
  level: CrisisLevel;
  categories: string[];
}

/**
 * The layers of the screen: the rules, and the learned classifier (null only to measure the rules
 * alone). CrisisAssets is one.
 */
export interface CrisisScreeners {
  rules: CrisisRules;
  classifier: CrisisModel | null;
}

export const LEVEL_RANK: Record<CrisisLevel, number> = { none: 0, medium: 1, high: 2 };
const THIRD_PARTY = 'third_party';
/** The category added when the classifier raised the level above the rules'. */
export const CLASSIFIER = 'classifier';
const CONTEXT = 'context';
const SENTENCE_END = new RegExp(`[${SENTENCE_ENDS}]`, 'u');
/** How far back the subject of a match is looked for: far enough for "我闺蜜昨晚哭着跟我说她…". */
const SUBJECT_WINDOW = 40;
/** Enough matches of one rule to find one about the speaker; bounds the time on repetitive text. */
const MATCHES_JUDGED_PER_RULE = 20;

/**
 * Screens the new message, then lets the last few user messages of the session raise it: a risky
 * earlier message lifts an ambiguous follow-up ("我准备好了") to medium, and a risky follow-up to high;
 * it never flags a harmless message that carries no cue, so one bad moment does not flag a whole session.
 */
export function screenCrisisRisk(
  input: { message: string; recentUserMessages: readonly string[] },
  screeners: CrisisScreeners,
): CrisisScreen {
  const { rules } = screeners;
  const current = screenOneMessage(input.message, screeners);
  const window = rules.contextWindow === 0 ? [] : input.recentUserMessages.slice(-rules.contextWindow);
  // Earlier messages are screened only when they could change the answer: most turns cost one screen.
  const contextCanMatter =
    current.level === 'medium' || (current.level === 'none' && rules.contextCues.test(current.text));
  if (!contextCanMatter || window.length === 0) return result(current);
  const recentSelfRisk = window
    .map((message) => screenOneMessage(message, screeners))
    .filter((screen) => screen.level !== 'none' && screen.categories.some((code) => code !== THIRD_PARTY));
  if (recentSelfRisk.length === 0) return result(current);
  const currentAboutSelf = current.categories.some((code) => code !== THIRD_PARTY);
  if (
    current.level === 'medium' &&
    currentAboutSelf &&
    recentSelfRisk.some((screen) => screen.level === 'high')
  ) {
    return { level: 'high', categories: [...new Set([...current.categories, CONTEXT])].sort() };
  }
  if (current.level === 'none' && rules.contextCues.test(current.text)) {
    return { level: 'medium', categories: [CONTEXT] };
  }
  return result(current);
}

interface MessageScreen extends CrisisScreen {
  /** The normalized, neutralized text: kept inside this module only. */
  text: string;
}

function result(screen: MessageScreen): CrisisScreen {
  return { level: screen.level, categories: screen.categories };
}

/** The text the rules and the classifier read: normalised, with hyperbole, denials and lyrics removed. */
export function prepareCrisisText(message: string, rules: CrisisRules): string {
  return neutralize(normalizeCrisisText(message, rules), rules);
}

/**
 * The rules, then the classifier unless the rules already say high; the higher level wins, so neither
 * layer can lower the other's.
 */
function screenOneMessage(message: string, { rules, classifier }: CrisisScreeners): MessageScreen {
  const text = prepareCrisisText(message, rules);
  const byRules = screenWithRules(text, rules);
  if (classifier === null || byRules.level === 'high' || isReportAboutOthers(text, rules)) {
    return { ...byRules, text };
  }
  const byClassifier = classifier.level(classifier.probability(text));
  if (LEVEL_RANK[byClassifier] <= LEVEL_RANK[byRules.level]) return { ...byRules, text };
  return { level: byClassifier, categories: [...byRules.categories, CLASSIFIER].sort(), text };
}

function screenWithRules(text: string, rules: CrisisRules): CrisisScreen {
  const reported = rules.reportMarkers.test(text);
  let level: CrisisLevel = 'none';
  const categories = new Set<string>();
  for (const rule of rules.rules) {
    if (rule.requires !== undefined && !rule.requires.test(text)) continue;
    let judged = 0;
    for (const match of text.matchAll(rule.pattern)) {
      judged += 1;
      if (judged > MATCHES_JUDGED_PER_RULE) break;
      const category = judgeMatch(rule, nearestPerson(text, match.index, rules), reported);
      if (category === undefined) continue;
      categories.add(category);
      const matchLevel = category === THIRD_PARTY ? 'medium' : rule.level;
      if (LEVEL_RANK[matchLevel] > LEVEL_RANK[level]) level = matchLevel;
      // Nothing later in the message can change what this rule says: it is about the speaker, or the
      // rule only ever speaks of third parties.
      if (category !== THIRD_PARTY || rule.subject === 'third_party_only') break;
    }
  }
  return { level, categories: [...categories].sort() };
}

/**
 * News, fiction or a stranger's story with no word for the speaker ("新闻说一名男子跳楼了"): the rules
 * already judge whose risk it is, and the classifier, which reads words and not subjects, is not asked.
 */
function isReportAboutOthers(text: string, rules: CrisisRules): boolean {
  let aboutOthers = rules.reportMarkers.test(text);
  for (const match of text.matchAll(rules.persons)) {
    if (match.groups?.self !== undefined) return false;
    if (match.groups?.strangers !== undefined) aboutOthers = true;
  }
  return aboutOthers;
}

type Person = 'self' | 'close' | 'others' | 'strangers' | 'none';

/**
 * Whose risk a match is. Strangers (明星, 有人, 男子) are news, not a concern; a friend or relative is
 * a third-party concern; a bare pronoun too, unless the message is a report (新闻, 小说, 电影…).
 */
function judgeMatch(rule: CompiledCrisisRule, person: Person, reported: boolean): string | undefined {
  if (person === 'strangers' || (reported && (person === 'none' || person === 'others'))) return undefined;
  const aboutSpeaker = person === 'self' || person === 'none';
  if (rule.subject === 'any') return rule.category;
  if (aboutSpeaker) return rule.subject === 'self' ? rule.category : undefined;
  return THIRD_PARTY;
}

/** The last person word between the start of the sentence (at most SUBJECT_WINDOW back) and the match. */
function nearestPerson(text: string, index: number, rules: CrisisRules): Person {
  const limit = Math.max(0, index - SUBJECT_WINDOW);
  let start = index;
  while (start > limit && !SENTENCE_END.test(text.charAt(start - 1))) start -= 1;
  let person: Person = 'none';
  for (const match of text.slice(start, index).matchAll(rules.persons)) {
    const groups = match.groups ?? {};
    person =
      groups.strangers !== undefined
        ? 'strangers'
        : groups.close !== undefined
          ? 'close'
          : groups.others !== undefined
            ? 'others'
            : 'self';
  }
  return person;
}

/**
 * The shared normalisation (invisible characters, full-width forms, 繁体, repeated punctuation), then
 * any extra 繁简 pairs the patterns file lists, and spaces as commas (a space separates clauses).
 */
export function normalizeCrisisText(message: string, rules: CrisisRules): string {
  const normalised = normaliseText(message);
  const simplified =
    rules.traditional === undefined
      ? normalised
      : normalised.replace(rules.traditional, (character) => rules.simplified.get(character) ?? character);
  return simplified.replace(/\s+/gu, ',');
}

/** Removes hyperbole, negations, idioms and quoted lyrics, so no rule can match inside them. */
function neutralize(text: string, rules: CrisisRules): string {
  let neutral = text;
  for (const neutralizer of rules.neutralizers) {
    if (neutralizer.when !== undefined && !neutralizer.when.test(neutral)) continue;
    neutral = neutral.replace(neutralizer.pattern, '_');
  }
  return neutral;
}
