import * as z from 'zod/mini';

// zod/mini rather than zod: the full build costs about 50 ms of every cold start just to load.

/**
 * The deployed cloud functions; cloudbaserc.json passes each setting to exactly the ones that read it.
 * `chat-stream` (the HTTP function of issue 11) runs the same turn as `chat` and reads all its settings.
 */
export type FunctionName = 'chat' | 'chat-stream' | 'history';

/** What the docs and the coverage test know about one setting, declared beside its schema. */
export interface SettingInfo {
  /** One line for the README table and `.env.example`. */
  about: string;
  /** The default as the docs show it: the schema's default value, or what leaving it unset means. */
  unset: string;
  /** The functions that read it when deployed; `[]` = local runs, tests or the platform's own. */
  readBy: readonly FunctionName[];
}

/** Every setting's documentation, looked up by its schema: `settingInfo.get(environmentSchema.shape.KEY)`. */
export const settingInfo = z.registry<SettingInfo>();

type Info = Omit<SettingInfo, 'unset'>;
export const chat = ['chat', 'chat-stream'] as const;
export const stream = ['chat-stream'] as const;
export const both = ['chat', 'chat-stream', 'history'] as const;
export const local = [] as const;

/** A setting with a fixed default, shown as that value. */
export function defaulted<Schema extends z.ZodMiniType>(schema: Schema, value: z.output<Schema>, info: Info) {
  const setting = z._default(schema, value as never);
  settingInfo.add(setting, { ...info, unset: String(value) });
  return setting;
}

/** A setting that may stay unset; `unset` says what that means. */
export function optional<Schema extends z.ZodMiniType>(schema: Schema, unset: string, info: Info) {
  const setting = z.optional(schema);
  settingInfo.add(setting, { ...info, unset });
  return setting;
}

export const integer = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().check(z.refine(Number.isInteger), z.gte(minimum), z.lte(maximum));
export const booleanFlag = z.pipe(
  z.enum(['true', 'false', '1', '0', 'on', 'off']),
  z.transform((value) => ['true', '1', 'on'].includes(value)),
);
export const httpUrl = z.url({ protocol: /^https?$/ });
/**
 * A provider key goes into a header. Surrounding whitespace (a newline pasted with it) is already gone
 * (load-config.ts trims every value); anything but printable ASCII, or quotes pasted with it, is a
 * configuration error at start, not a connection failure or a 401 retried on every turn.
 */
export const apiKey = z.string().check(z.regex(/^[\x21\x23-\x26\x28-\x7e]+$/));
export const collectionName = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/));
