import {
  type CrisisPatternsFile,
  crisisPatternsSchema,
  describeSchemaIssues,
  type RULE_LEVELS,
  type SUBJECTS,
} from './crisis-patterns-schema.js';

export interface CrisisResource {
  name: string;
  phone: string;
  note?: string;
}

export interface CompiledCrisisRule {
  readonly id: string;
  readonly category: string;
  readonly level: (typeof RULE_LEVELS)[number];
  readonly subject: (typeof SUBJECTS)[number];
  /** Global: every match is judged, since the first may be about someone else and a later one not. */
  readonly pattern: RegExp;
  readonly requires: RegExp | undefined;
}

/** Compiled once from prompt/crisis-patterns.json; screening only runs the regular expressions. */
export interface CrisisRules {
  /** Matches the 繁体 characters listed in the file; `simplified` gives each one's 简体. */
  readonly traditional: RegExp | undefined;
  readonly simplified: ReadonlyMap<string, string>;
  readonly neutralizers: readonly { id: string; pattern: RegExp; when: RegExp | undefined }[];
  readonly rules: readonly CompiledCrisisRule[];
  /** Named groups `strangers`, `close`, `others`, `self`: who a sentence is about. */
  readonly persons: RegExp;
  readonly reportMarkers: RegExp;
  readonly contextWindow: number;
  readonly contextCues: RegExp;
  readonly resources: readonly CrisisResource[];
}

const FILE = 'crisis-patterns.json';
/** Sentence ends after normalization (NFKC turns full-width ！？；， into ASCII). */
export const SENTENCE_ENDS = '.!?;。\\n…';

/**
 * `checkedAtBuild`: these very bytes passed every check below when the function was built, so the schema
 * and the per-pattern checks are skipped (read-prompt-file.ts); the result is the same.
 */
export function compileCrisisRules(raw: unknown, options: { checkedAtBuild?: boolean } = {}): CrisisRules {
  const checked = options.checkedAtBuild === true;
  const file = checked ? (raw as CrisisPatternsFile) : parsePatterns(raw);
  const pairs = file.traditional_to_simplified.split(/\s+/).filter((pair) => pair !== '');
  const badPair = pairs.find((pair) => [...pair].length !== 2);
  if (badPair !== undefined) {
    throw new Error(`${FILE} is invalid: traditional_to_simplified has "${badPair}", not a pair like "殺杀"`);
  }
  const simplified = new Map(pairs.map((pair) => [[...pair][0] ?? '', [...pair][1] ?? '']));
  const traditional = [...simplified.keys()].map((character) => character.replace(/[\\\]^-]/g, '\\$&'));
  const terms = new Map(Object.entries(file.terms).map(([name, words]) => [name, `(?:${words.join('|')})`]));
  const compile = (where: string, patterns: readonly string[], flags: string): RegExp =>
    combine(where, patterns, terms, flags, !checked);
  // The schema's default, written here too for a file that skipped the schema.
  const { object_markers: objectMarkers = [], ...personLists } = file.persons;
  // Strangers first: at one position "大学生" must win over the "学生" of `others`.
  const persons = (['strangers', 'close', 'others', 'self'] as const).map(
    (group) => `(?<${group}>${compile(`persons.${group}`, personLists[group], 'u').source})`,
  );
  // "给家人写好了信": a person right after 给/对/向 is spoken to or about, not the one speaking.
  const notAnObject =
    objectMarkers.length === 0 ? '' : `(?<!${compile('persons.object_markers', objectMarkers, 'u').source})`;
  return primeRegularExpressions({
    traditional: traditional.length === 0 ? undefined : new RegExp(`[${traditional.join('')}]`, 'gu'),
    simplified,
    neutralizers: file.neutralize.map((entry, index) => ({
      id: entry.id,
      pattern: compile(`neutralize[${index}] (id "${entry.id}")`, entry.patterns, 'gu'),
      when: entry.when && compile(`neutralize[${index}] (id "${entry.id}") when`, entry.when, 'u'),
    })),
    rules: file.rules.map((rule, index) => {
      const where = `rules[${index}] (id "${rule.id}")`;
      return {
        id: rule.id,
        category: rule.category,
        level: rule.level,
        subject: rule.subject,
        pattern: compile(where, rule.patterns, 'gu'),
        requires: rule.requires && compile(`${where} requires`, rule.requires, 'u'),
      };
    }),
    persons: new RegExp(`${notAnObject}(?:${persons.join('|')})`, 'gu'),
    reportMarkers: compile('report_markers', file.report_markers, 'u'),
    contextWindow: file.context.window,
    contextCues: compile('context.cues', file.context.cues, 'u'),
    resources: file.resources.map(({ name, phone, note }) =>
      note === undefined ? { name, phone } : { name, phone, note },
    ),
  });
}

/**
 * A subject this long makes V8 compile a regular expression straight to machine code, a subject of
 * CJK text (two-byte) the variant that Chinese messages use. Left to itself, V8 first compiles each
 * expression to bytecode and optimises that, then compiles it again to machine code on its second run:
 * for these large alternations that cost about 20 ms of a cold start's first message, against about
 * 7 ms here (V8 keeps no code cache for regular expressions). Only speed depends on it, never a match.
 */
const NATIVE_COMPILE_SUBJECT = '\u3000'.repeat(1000);

function primeRegularExpressions(rules: CrisisRules): CrisisRules {
  const expressions = [
    rules.traditional,
    ...rules.neutralizers.flatMap((neutralizer) => [neutralizer.pattern, neutralizer.when]),
    ...rules.rules.flatMap((rule) => [rule.pattern, rule.requires]),
    rules.persons,
    rules.reportMarkers,
    rules.contextCues,
  ];
  for (const expression of expressions) {
    if (expression === undefined) continue;
    expression.test(NATIVE_COMPILE_SUBJECT);
    expression.lastIndex = 0;
  }
  return rules;
}

function parsePatterns(raw: unknown): CrisisPatternsFile {
  const parsed = crisisPatternsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${FILE} is invalid: ${describeSchemaIssues(raw, parsed.error)}`);
  return parsed.data;
}

/** Each pattern is checked on its own, so an error names the very entry a counsellor has to fix. */
function combine(
  where: string,
  patterns: readonly string[],
  terms: ReadonlyMap<string, string>,
  flags: string,
  checkEach: boolean,
) {
  const sources = patterns.map((pattern, index) => {
    const source = expandPlaceholders(pattern, terms, () => `${where} pattern ${index + 1} "${pattern}"`);
    if (!checkEach) return source;
    let single: RegExp;
    try {
      single = new RegExp(`^(?:${source})$`, 'u');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${FILE}: ${where} pattern ${index + 1} "${pattern}" is not a valid regular expression: ${reason}`,
      );
    }
    // A pattern matching the empty text would match every message.
    if (single.test(''))
      throw new Error(`${FILE}: ${where} pattern ${index + 1} "${pattern}" matches empty text`);
    return source;
  });
  return new RegExp(sources.map((source) => `(?:${source})`).join('|'), flags);
}

function expandPlaceholders(pattern: string, terms: ReadonlyMap<string, string>, describe: () => string) {
  return pattern.replace(/\{([a-z_]+)(?::(\d+))?\}/g, (_placeholder, name: string, count?: string) => {
    if (name === 'gap' && count !== undefined) return `[^,${SENTENCE_ENDS}]{0,${count}}?`;
    if (name === 'any' && count !== undefined) return `[^${SENTENCE_ENDS}]{0,${count}}?`;
    const term = count === undefined ? terms.get(name) : undefined;
    if (term === undefined) throw new Error(`${FILE}: ${describe()} uses unknown term {${name}}`);
    return term;
  });
}
