/**
 * 知己 streaming chat for the mini-program: POST /api/chat/stream read as it is written, with
 * wx.request({enableChunked: true}) and onChunkReceived. Copy this file into the mini-program; it needs
 * nothing else. Older base libraries have no TextDecoder, so UTF-8 is decoded here by hand, a character
 * cut between two chunks included. A dropped connection is resent with the same client_msg_id: the server
 * never loses a turn, so the resend gets the same reply (docs/mini-program/README.md).
 *
 *   const { streamChat } = require('./stream-chat.js');
 *   const chat = streamChat({
 *     url: 'https://<your-domain>/api/chat/stream',
 *     token,                                   // from callFunction({name: 'chat', data: {action: 'token'}})
 *     body: { session_id, message, timestamp: new Date().toISOString() },
 *     onMeta(meta) {},                         // {session_id, user_message_id, client_msg_id}: words stored
 *     onEmotion(emotion) {},                   // the face, as soon as it is known
 *     onDelta(text, replySoFar) {},            // the next words (up to done's whole content)
 *     onReset() {},                            // a resend got a different reply: clear what was shown
 *     onDone(reply) {},                        // exactly what POST /api/chat returns (safety, label…)
 *     onError(error, safety) {},               // {code, message, retryable, …}; safety: show the care card
 *   });
 *   chat.finished.then(({ reply, error, safety }) => {}); // never rejects
 *   chat.abort();                                 // stop reading; the server still finishes the turn
 */

/** Decodes UTF-8 as bytes arrive, as TextDecoder with {stream: true} does (WHATWG's algorithm). */
function createUtf8Decoder() {
  let needed = 0;
  let seen = 0;
  let codePoint = 0;
  let lower = 0x80;
  let upper = 0xbf;
  return function decode(bytes, final) {
    const units = [];
    const emit = (value) => {
      if (value > 0xffff) {
        const offset = value - 0x10000;
        units.push(0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff));
      } else units.push(value);
    };
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index];
      if (needed === 0) {
        if (byte <= 0x7f) emit(byte);
        else if (byte >= 0xc2 && byte <= 0xdf) [needed, codePoint] = [1, byte & 0x1f];
        else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) lower = 0xa0;
          if (byte === 0xed) upper = 0x9f;
          [needed, codePoint] = [2, byte & 0x0f];
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) lower = 0x90;
          if (byte === 0xf4) upper = 0x8f;
          [needed, codePoint] = [3, byte & 0x07];
        } else emit(0xfffd);
        continue;
      }
      if (byte < lower || byte > upper) {
        // A broken sequence: one replacement character, and this byte starts afresh.
        [needed, seen, codePoint, lower, upper] = [0, 0, 0, 0x80, 0xbf];
        emit(0xfffd);
        index--;
        continue;
      }
      [lower, upper] = [0x80, 0xbf];
      codePoint = (codePoint << 6) | (byte & 0x3f);
      seen++;
      if (seen === needed) {
        emit(codePoint);
        [needed, seen, codePoint] = [0, 0, 0];
      }
    }
    if (final && needed !== 0) {
      [needed, seen, codePoint, lower, upper] = [0, 0, 0, 0x80, 0xbf];
      emit(0xfffd);
    }
    let text = '';
    for (let start = 0; start < units.length; start += 4096) {
      text += String.fromCharCode.apply(null, units.slice(start, start + 4096));
    }
    return text;
  };
}

/** Server-sent events from text as it arrives (the WHATWG rules: CR, LF or CRLF, comments, data lines). */
function createSseParser(onEvent) {
  let buffer = '';
  let started = false;
  let skipLineFeed = false;
  let type = '';
  let data = [];
  const takeLine = (line) => {
    if (line === '') {
      if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n') });
      [type, data] = ['', []];
      return;
    }
    if (line[0] === ':') return; // a comment: `: ping` keeps the connection alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  };
  return function push(text) {
    buffer += text;
    if (!started && buffer.length > 0) {
      started = true;
      if (buffer[0] === '\ufeff') buffer = buffer.slice(1);
    }
    if (skipLineFeed && buffer[0] === '\n') buffer = buffer.slice(1);
    skipLineFeed = false;
    let end = buffer.search(/[\r\n]/);
    while (end >= 0) {
      takeLine(buffer.slice(0, end));
      if (buffer[end] === '\r' && end + 1 === buffer.length) skipLineFeed = true;
      buffer = buffer.slice(buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1);
      end = buffer.search(/[\r\n]/);
    }
  };
}

const connectionLost = {
  code: 'NETWORK_ERROR',
  message: '网络连接中断了，你的话已经保存，请稍后再试。(Connection lost)',
  retryable: true,
};

function newClientMsgId() {
  return `m_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

function streamChat(options) {
  const retryDelayMs = options.retryDelayMs === undefined ? 1000 : options.retryDelayMs;
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const maxResends = options.maxResends === undefined ? 3 : options.maxResends;
  const idleTimeoutMs = options.idleTimeoutMs || 45000; // the server pings every 15 s
  const body = Object.assign({}, options.body);
  if (!body.client_msg_id) body.client_msg_id = newClientMsgId();
  const call = (name, ...values) => typeof options[name] === 'function' && options[name](...values);
  let task = null;
  let idleTimer = null;
  let stopped = false;
  let shown = '';
  let settle;
  const finished = new Promise((resolve) => {
    settle = resolve;
  });
  const end = (outcome) => {
    if (stopped) return;
    stopped = true;
    clearTimeout(idleTimer);
    if (outcome.reply) call('onDone', outcome.reply);
    else call('onError', outcome.error, outcome.safety);
    settle(outcome);
  };

  function attempt(resends) {
    const decode = createUtf8Decoder();
    let text = '';
    let raw = '';
    let over = false;
    const retry = (error, afterMs) => {
      if (over || stopped) return;
      over = true;
      clearTimeout(idleTimer);
      if (resends >= maxResends) return end({ error });
      call('onResend', resends + 1);
      wait(afterMs).then(() => !stopped && attempt(resends + 1));
    };
    const watch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        retry(connectionLost, 0);
        if (task) task.abort();
      }, idleTimeoutMs);
    };
    const show = () => {
      if (!text.startsWith(shown) && !shown.startsWith(text)) {
        shown = '';
        call('onReset');
      }
      if (text.length > shown.length) {
        const next = text.slice(shown.length);
        shown = text;
        call('onDelta', next, text);
      }
    };
    const push = createSseParser((event) => {
      if (over || stopped) return;
      let payload;
      try {
        payload = JSON.parse(event.data);
      } catch (_notJson) {
        return;
      }
      if (event.type === 'meta') call('onMeta', payload);
      else if (event.type === 'emotion') call('onEmotion', payload.emotion);
      else if (event.type === 'delta') {
        text += payload.text;
        show();
      } else if (event.type === 'done' || event.type === 'error') {
        // A replay (a resend the server had already answered) comes with no deltas, and done may add the
        // AI label: the shown text is brought up to done's content, so the screen ends on all of it.
        if (event.type === 'done' && typeof payload.content === 'string') {
          text = payload.content;
          show();
        }
        over = true;
        clearTimeout(idleTimer);
        end(event.type === 'done' ? { reply: payload } : { error: payload.error, safety: payload.safety });
      }
    });
    const feed = (data, final) => {
      // A base library that hands over text instead of bytes has decoded it already.
      const piece =
        typeof data === 'string' ? data : decode(new Uint8Array(data || new ArrayBuffer(0)), final);
      if (raw.length < 65536) raw += piece;
      push(piece);
    };
    let chunks = 0;
    watch();
    task = wx.request({
      url: options.url,
      method: 'POST',
      header: Object.assign(
        { 'content-type': 'application/json', accept: 'text/event-stream' },
        options.token ? { Authorization: `Bearer ${options.token}` } : {},
        options.header || {},
      ),
      data: JSON.stringify(body),
      enableChunked: true,
      responseType: 'arraybuffer',
      timeout: options.timeoutMs || 120000,
      success(response) {
        if (chunks === 0 && response.data) feed(response.data, false);
        feed(new ArrayBuffer(0), true);
        if (over || stopped) return;
        if (response.statusCode === 200) return retry(connectionLost, retryDelayMs * (1 << resends));
        // Refused before the turn began: the ordinary JSON error with its status.
        let refused;
        try {
          refused = JSON.parse(raw);
        } catch (_notJson) {
          refused = {};
        }
        // No optional chaining here or anywhere in this file: older base libraries parse ES2015 only.
        const error = typeof refused === 'object' && refused !== null ? refused.error : undefined;
        if (!error) return retry(connectionLost, retryDelayMs * (1 << resends));
        if (error.code === 'IDEMPOTENCY_IN_PROGRESS') {
          const seconds = typeof error.retry_after_seconds === 'number' ? error.retry_after_seconds : 2;
          return retry(error, 1000 * seconds);
        }
        over = true;
        clearTimeout(idleTimer);
        end({ error, safety: refused.safety });
      },
      fail() {
        retry(connectionLost, retryDelayMs * (1 << resends));
      },
    });
    // Without onChunkReceived (base library before 2.20.2) the whole answer arrives in success.
    if (typeof task.onChunkReceived === 'function') {
      task.onChunkReceived((response) => {
        if (over || stopped) return;
        chunks++;
        watch();
        feed(response.data, false);
      });
    }
  }

  attempt(0);
  return {
    clientMsgId: body.client_msg_id,
    finished,
    abort() {
      if (stopped) return;
      end({
        error: { code: 'CLIENT_ABORTED', message: '已停止接收。(Stopped by the client)', retryable: true },
      });
      if (task) task.abort();
    },
  };
}

module.exports = { streamChat, createUtf8Decoder, createSseParser };
