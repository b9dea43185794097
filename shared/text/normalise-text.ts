/**
 * One spelling for every text check (the crisis screen and the word list), so a message cannot slip
 * past a check by the way it is written: zero-width or control characters, spaces or emoji between the
 * letters, full-width forms, 繁体 characters, letters spaced out one by one, or "！！！！" give the same
 * text as the plain message.
 */
import { TRADITIONAL_TO_SIMPLIFIED } from './traditional-characters.js';

/**
 * Characters that show nothing or only change how the one before looks: format characters (zero-width
 * space and joiners, bidirectional marks, soft hyphen, word joiner, BOM), combining marks (variation
 * selectors, U+034F, stacked "zalgo" marks; NFKC has already composed accented letters), Hangul fillers,
 * Khmer inherent vowels, Mongolian selectors and the braille blank, all used to pad text invisibly.
 */
const INVISIBLE = /[\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u2800\u3164\uFFA0]/gu;
/** Control characters other than tabs and line breaks (NUL, SOH, DEL…) show nothing. */
const HIDDEN_CONTROL = /(?![\t\n\v\f\r\u0085])\p{Cc}/gu;
/**
 * Between two Han characters on one line, a space, a tab or an emoji is padding (written Chinese puts no
 * spaces between words): "我想自 杀", "我😀想😀自😀杀" read as the plain words. A line break still parts them.
 */
const HAN_PADDING = /(?<=\p{sc=Han})(?:[ \t]|\p{Extended_Pictographic}|\p{Emoji_Modifier})+(?=\p{sc=Han})/gu;
/** Three or more single Han characters with one separator between each: "我 想 死", "自.杀.吧". */
const SPACED_OUT = /(?<!\p{sc=Han})\p{sc=Han}(?:[\s.\-_*·~/|+]\p{sc=Han}){2,}(?!\p{sc=Han})/gu;
const SPACED_OUT_SEPARATOR = /[\s.\-_*·~/|+]/gu;
const REPEATED_PUNCTUATION = /(\p{P})\1+/gu;
const WHITESPACE_RUN = /\s+/gu;

let simplified: ReadonlyMap<string, string> | undefined;
let traditional: RegExp | undefined;

export function normaliseText(text: string): string {
  const visible = text.normalize('NFKC').replace(HIDDEN_CONTROL, '').replace(INVISIBLE, '').toLowerCase();
  return toSimplified(visible)
    .replace(SPACED_OUT, (run) => run.replace(SPACED_OUT_SEPARATOR, ''))
    .replace(HAN_PADDING, '')
    .replace(REPEATED_PUNCTUATION, '$1')
    .replace(WHITESPACE_RUN, ' ');
}

/** The table is parsed on first use: a cold start that never reads a message does not pay for it. */
export function toSimplified(text: string): string {
  if (simplified === undefined || traditional === undefined) {
    const pairs = TRADITIONAL_TO_SIMPLIFIED.split(/\s+/).filter((pair) => pair !== '');
    simplified = new Map(pairs.map((pair) => [[...pair][0] ?? '', [...pair][1] ?? '']));
    traditional = new RegExp(`[${[...simplified.keys()].join('')}]`, 'gu');
  }
  const table = simplified;
  return text.replace(traditional, (character) => table.get(character) ?? character);
}
