/** The shape of docs/mini-program/stream-chat.js, as the tests use it. */
export interface StreamChatModule {
  streamChat(options: Record<string, unknown>): {
    clientMsgId: string;
    finished: Promise<{ reply?: Record<string, unknown>; error?: Record<string, unknown> }>;
    abort(): void;
  };
}

/** Every callback the client made, in order, and the reply text as a screen would show it. */
export function recordStreamCalls() {
  const log: [string, ...unknown[]][] = [];
  let shown = '';
  return {
    log,
    text: () => shown,
    callbacks: {
      onMeta: (meta: unknown) => log.push(['meta', meta]),
      onEmotion: (emotion: unknown) => log.push(['emotion', emotion]),
      onDelta: (text: string, soFar: string) => {
        log.push(['delta', text]);
        shown += text;
        if (shown !== soFar) throw new Error(`shown ${shown} but the client says ${soFar}`);
      },
      onReset: () => {
        log.push(['reset']);
        shown = '';
      },
      onResend: (count: number) => log.push(['resend', count]),
      onDone: (reply: unknown) => log.push(['done', reply]),
      onError: (error: unknown, safety: unknown) =>
        log.push(safety === undefined ? ['error', error] : ['error', error, safety]),
    },
  };
}
