import type { ModelMessage } from '../prompt/build-model-messages.js';

export interface ModelAttempt {
  messages: readonly ModelMessage[];
  /** Aborted when the attempt's time is up; the model must stop reading and reject. */
  signal: AbortSignal;
  /** How long this attempt may take, in ms (what remains of the turn's deadline). */
  timeoutMs: number;
  /** Another model of the same provider for this attempt (a cheaper one for the crisis judge). */
  model?: string | undefined;
  /** Caps the reply's length (the judge and side calls answer briefly). */
  maxTokens?: number | undefined;
  /** Overrides the configured temperature: a classification (the crisis judge) wants the likeliest answer. */
  temperature?: number | undefined;
  /**
   * When present, the provider streams and every piece of the raw reply (emotion tag included) is passed
   * here as it arrives, in order; the attempt still resolves to the whole reply.
   */
  onText?: ((text: string) => void) | undefined;
}

export interface ModelReply {
  /** The raw reply text, emotion tag included. */
  text: string;
  usage: { promptTokens: number; completionTokens: number } | undefined;
}

/**
 * The model port: one attempt at a completion. Failures are AppErrors with LLM_* codes; retries and the
 * turn's deadline are handled around it (complete-with-deadline.ts), the same for every provider.
 */
export interface ChatModel {
  readonly provider: 'openai' | 'offline';
  complete(attempt: ModelAttempt): Promise<ModelReply>;
  /**
   * Loads what the first call needs (the SDK, its HTTP client) while the turn waits on storage, so a cold
   * start does not pay for it after the words are stored. Optional; never fails.
   */
  prepare?(): void;
}
