import { AppError } from '../errors/app-error.js';
import { screenCrisisRisk } from '../safety/screen-crisis-risk.js';
import type { ChatSafety } from './chat-safety.js';

/** Enough of a refused message to find its risk; the screen's cost grows with the text. */
const SCREENED_CHARS = 10_000;

/**
 * A message refused before its turn starts (too long, malformed beside it) may still say that its writer
 * is in danger: the refusal then carries the hotlines, so the mini-program shows the care card with it.
 * Nothing is stored, as for every refused request.
 */
export function withCareForRejectedMessage(error: unknown, raw: unknown, safety: ChatSafety): unknown {
  if (!(error instanceof AppError) || typeof raw !== 'object' || raw === null) return error;
  const message = (raw as { message?: unknown }).message;
  if (typeof message !== 'string' || message === '') return error;
  const screen = screenCrisisRisk(
    { message: message.slice(0, SCREENED_CHARS), recentUserMessages: [] },
    safety.crisis,
  );
  if (screen.level === 'none') return error;
  return error.withSafety({ level: screen.level, resources: safety.crisis.resources });
}
