import * as z from 'zod/mini';

const nonEmpty = z.string().check(z.minLength(1));
const patternList = z.array(nonEmpty).check(z.minLength(1));

/** Who a match is about, read from the nearest person word before it in the sentence. */
export const SUBJECTS = ['self', 'any', 'third_party_only'] as const;
export const RULE_LEVELS = ['medium', 'high'] as const;

/**
 * The shape of `prompt/crisis-patterns.json`. Counsellors edit that file; docs/safety.md says
 * what each part does. Patterns are JavaScript regular expressions over the normalized text, with
 * `{term}` for a word list from `terms` and `{gap:N}` / `{any:N}` for up to N characters.
 */
export const crisisPatternsSchema = z.object({
  version: z.literal(1),
  /** Pairs "繁简" separated by spaces, e.g. "殺杀 藥药". */
  traditional_to_simplified: z.string(),
  terms: z.record(z.string().check(z.regex(/^[a-z_]+$/)), patternList),
  persons: z.object({
    object_markers: z._default(z.array(nonEmpty), []),
    self: patternList,
    close: patternList,
    others: patternList,
    strangers: patternList,
  }),
  report_markers: patternList,
  neutralize: z.array(
    z.object({
      id: nonEmpty,
      note: z.optional(z.string()),
      patterns: patternList,
      when: z.optional(patternList),
    }),
  ),
  rules: z
    .array(
      z.object({
        id: nonEmpty,
        category: z.string().check(z.regex(/^[a-z][a-z_]{0,39}$/)),
        level: z.enum(RULE_LEVELS),
        subject: z.enum(SUBJECTS),
        note: z.optional(z.string()),
        patterns: patternList,
        requires: z.optional(patternList),
      }),
    )
    .check(z.minLength(1)),
  context: z.object({
    window: z.int().check(z.minimum(0), z.maximum(10)),
    cues: patternList,
  }),
  resources: z
    .array(z.object({ name: nonEmpty, phone: nonEmpty, note: z.optional(nonEmpty) }))
    .check(z.minLength(1)),
});

export type CrisisPatternsFile = z.infer<typeof crisisPatternsSchema>;

/** One line per problem, naming the entry (`rules[3].level`) and the rule id when there is one. */
export function describeSchemaIssues(raw: unknown, error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const where = issue.path
        .map((key, index) =>
          typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
        )
        .join('');
      const ruleId = idAt(raw, issue.path);
      const expected = 'values' in issue ? ` (expected one of ${issue.values.map(String).join(', ')})` : '';
      return `${where || '(root)'}${ruleId}: ${issue.code}${expected}`;
    })
    .join('; ');
}

function idAt(raw: unknown, path: readonly PropertyKey[]): string {
  const [section, index] = path;
  if (typeof section !== 'string' || typeof index !== 'number' || typeof raw !== 'object' || raw === null) {
    return '';
  }
  const list = (raw as Record<string, unknown>)[section];
  const entry = Array.isArray(list) ? (list[index] as unknown) : undefined;
  const id = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? ` (id "${id}")` : '';
}
