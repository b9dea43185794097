import * as z from 'zod/mini';
import { basicEmotions } from './basic-emotions.js';

/**
 * The shape of the shipped weights file (prompt/basic-emotion-model.json), written by
 * `npm run build:emotion-model` and read once, lazily, by the classifier. Every score vector holds one
 * number per basic emotion in `basicEmotions` order.
 */
export const EMOTION_MODEL_FORMAT = 'zhiji-basic-emotion/1';

const label = z.enum(basicEmotions);
const labelWeights = z.partialRecord(label, z.number());
const scoreVector = z.array(z.number()).check(z.length(basicEmotions.length));

/*
 * The two big tables are checked by plain loops: zod's per-entry parsing cost about 100 ms on the first
 * (cold) call, which a chat turn would wait for.
 */
const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const scoreVectorTable = z.custom<Record<string, number[]>>(
  (table) =>
    isObject(table) &&
    Object.values(table).every(
      (vector) => Array.isArray(vector) && vector.length === basicEmotions.length && vector.every(isNumber),
    ),
  'every n-gram needs one number per basic emotion',
);
const wordTable = z.custom<Record<string, Partial<Record<(typeof basicEmotions)[number], number>>>>(
  (table) =>
    isObject(table) &&
    Object.values(table).every(
      (weights) =>
        isObject(weights) &&
        Object.entries(weights).every(
          ([name, weight]) => (basicEmotions as readonly string[]).includes(name) && isNumber(weight),
        ),
    ),
  'every lexicon word needs numeric weights for basic emotions',
);

export const lexiconSpecSchema = z.object({
  /** Word → weight per label; an empty object marks a word that blocks the shorter words inside it. */
  words: wordTable,
  negators: z.array(z.string()),
  /** Label of a negated word → where its weight goes instead, as a share of it. */
  negated: z.partialRecord(label, labelWeights),
  intensifiers: z.record(z.string(), z.number()),
  suffixIntensifiers: z.record(z.string(), z.number()),
});
export type LexiconSpec = z.infer<typeof lexiconSpecSchema>;

export const classifierSettingsSchema = z.object({
  lexiconScale: z.number(),
  /**
   * Multiplies the lexicon weights of Weibo emoticon codes ([哈哈], [泪], [doge]). They are often used in
   * jest or irony ([允悲], [微笑]), so a code is weaker evidence of the writer's feeling than a word.
   */
  emoticonScale: z.number().check(z.minimum(0)),
  /**
   * Multiplies the lexicon's neutral score (http, 记者, 请问...): an informational post often carries
   * the writer's feeling too, so neutral words weigh less than emotion words.
   */
  neutralWordScale: z.number().check(z.minimum(0)),
  /** Each "!" (up to three) multiplies the lexicon's emotion scores by 1 + this. */
  exclamationBoost: z.number(),
  /** Character n-grams from this length... */
  ngramMinLength: z.number().check(z.int(), z.minimum(1)),
  /** ...to this one. */
  ngramMaxLength: z.number().check(z.int(), z.minimum(1)),
  ngramScale: z.number(),
  /**
   * The n-grams were learnt on short dialogue lines; in a text with more n-grams than this their sum is
   * scaled down to an average, so a long post is not decided by dozens of weak dialogue cues.
   */
  ngramReferenceCount: z.number().check(z.positive()),
  /** The n-gram evidence is divided by 1 + this × the lexicon's emotion score: where the lexicon speaks, it leads. */
  lexiconGate: z.number().check(z.minimum(0)),
  /** Softmax temperature: fitted so that the scores are probabilities that mean what they say. */
  temperature: z.number().check(z.positive()),
});
export type ClassifierSettings = z.infer<typeof classifierSettingsSchema>;

export const emotionModelFileSchema = z.object({
  format: z.literal(EMOTION_MODEL_FORMAT),
  attribution: z.string(),
  labels: z
    .array(z.string())
    .check(
      z.refine(
        (labels) => labels.join() === basicEmotions.join(),
        'labels must be the basic emotions in order',
      ),
    ),
  settings: classifierSettingsSchema,
  bias: scoreVector,
  lexicon: lexiconSpecSchema,
  /** N-gram → weight per label, in units of `ngramWeightUnit` (whole numbers keep the file small). */
  ngrams: scoreVectorTable,
  ngramWeightUnit: z.number().check(z.positive()),
  training: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type EmotionModelFile = z.infer<typeof emotionModelFileSchema>;
