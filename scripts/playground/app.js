// The playground: the chat as the mini-program will show it, served by `npm start` (docs/playground.md).
// The local server trusts the body's `user_id` (off the platform, no token), so the page keeps one
// made-up id per browser, as a developer's curl would send one.

const $ = (selector) => document.querySelector(selector);
const messages = $('#messages');
const state = {
  userId: remembered('zhiji.playground.user_id', () => newId('dev')),
  sessionId: remembered('zhiji.playground.session_id', () => newId('s')),
  labels: { default_sprite: 'monster_neutral', labels: [] },
  sending: false,
};

function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `${prefix}_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function remembered(key, make) {
  const value = localStorage.getItem(key) ?? make();
  localStorage.setItem(key, value);
  return value;
}

// ---- the monster's faces: the label file's sprites, the default for a label it does not know ----

function spriteUrl(emotion) {
  const entry = state.labels.labels.find((label) => label.label === emotion);
  return `/sprites/${entry?.sprite ?? state.labels.default_sprite}.svg`;
}

function showFace(image, emotion) {
  const entry = state.labels.labels.find((label) => label.label === emotion);
  image.src = spriteUrl(emotion);
  image.alt = `小怪兽：${entry?.name_zh ?? '平静'}`;
  image.dataset.emotion = entry ? emotion : (state.labels.default_label ?? 'neutral');
  // A sprite missing from the page's folder falls back to the default face rather than a broken image.
  image.onerror = () => {
    image.onerror = null;
    image.src = `/sprites/${state.labels.default_sprite}.svg`;
  };
}

function setMonster(emotion) {
  const entry = state.labels.labels.find((label) => label.label === emotion);
  showFace($('#monster-face'), emotion);
  $('#monster').dataset.emotion = $('#monster-face').dataset.emotion;
  $('#monster-caption').textContent = entry?.name_zh ?? '平静';
}

// ---- messages ----

function addUserMessage(text) {
  const item = document.createElement('li');
  item.className = 'message user';
  item.innerHTML = '<div class="bubble"><p class="text"></p></div>';
  item.querySelector('.text').textContent = text;
  messages.append(item);
  scrollDown();
  return item;
}

function addReply({ content = '', emotion, aiGenerated = false } = {}) {
  const item = $('#reply-template').content.firstElementChild.cloneNode(true);
  item.querySelector('.text').textContent = content;
  showFace(item.querySelector('.face'), emotion);
  item.querySelector('.ai-label').hidden = !aiGenerated;
  messages.append(item);
  scrollDown();
  return item;
}

function addCareCard(safety) {
  const card = $('#care-template').content.firstElementChild.cloneNode(true);
  card.dataset.level = safety.level;
  for (const resource of safety.resources ?? []) {
    const line = document.createElement('li');
    const call = document.createElement('a');
    call.href = `tel:${resource.phone.replace(/[^0-9+]/g, '')}`;
    call.textContent = resource.phone;
    line.append(`${resource.name}：`, call, resource.note ? `（${resource.note}）` : '');
    card.querySelector('.hotlines').append(line);
  }
  const wrapper = document.createElement('li');
  wrapper.className = 'message care';
  wrapper.append(card);
  messages.append(wrapper);
  scrollDown();
}

function showProblem(item, error, retry) {
  item.querySelector('.problem')?.remove();
  const problem = document.createElement('p');
  problem.className = 'problem';
  problem.textContent = error.message ?? '出了点问题，请稍后再试。';
  if (error.retryable && retry) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'retry';
    button.textContent = '重试';
    button.addEventListener('click', () => retry());
    problem.append(button);
  }
  (item.querySelector('.bubble') ?? item).append(problem);
}

function scrollDown() {
  messages.scrollTop = messages.scrollHeight;
}

// ---- the stream: fetch + ReadableStream, server-sent events read as they arrive ----

async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { type, data: JSON.parse(data.join('\n')) };
    }
  }
}

async function send(text, clientMsgId = newId('m'), resends = 0, reply = undefined) {
  const item = reply ?? addReply();
  item.classList.add('writing');
  item.querySelector('.problem')?.remove();
  const retry = () => send(text, clientMsgId, 0, item);
  let written = '';
  const response = await fetch('/api/chat/stream', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      user_id: state.userId,
      session_id: state.sessionId,
      message: text,
      client_msg_id: clientMsgId,
      timestamp: new Date().toISOString(),
    }),
  }).catch(() => undefined);
  if (response === undefined) return dropped();
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // Refused before the turn began: the ordinary JSON error.
    const refused = await response.json().catch(() => ({}));
    return finish(() => showProblem(item, refused.error ?? {}, retry), refused.safety);
  }
  try {
    for await (const event of readEvents(response.body)) {
      if (event.type === 'emotion') {
        showFace(item.querySelector('.face'), event.data.emotion);
        setMonster(event.data.emotion);
      } else if (event.type === 'delta') {
        written += event.data.text;
        item.querySelector('.text').textContent = written;
        scrollDown();
      } else if (event.type === 'done') {
        const done = event.data;
        return finish(() => {
          item.querySelector('.text').textContent = done.content;
          item.querySelector('.ai-label').hidden = done.ai_generated !== true;
          showFace(item.querySelector('.face'), done.emotion);
          setMonster(done.emotion);
        }, done.safety);
      } else if (event.type === 'error') {
        return finish(() => showProblem(item, event.data.error, retry), event.data.safety);
      }
    }
  } catch {
    // The connection broke mid-reply: resent below with the same id.
  }
  return dropped();

  function finish(show, safety) {
    item.classList.remove('writing');
    show();
    if (safety) addCareCard(safety);
    refreshSessions();
  }
  async function dropped() {
    // The server never loses a turn: the same client_msg_id gets the same reply.
    if (resends < 2) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * (resends + 1)));
      return send(text, clientMsgId, resends + 1, item);
    }
    return finish(() =>
      showProblem(item, { message: '网络连接中断了，你的话已经保存。', retryable: true }, retry),
    );
  }
}

// ---- history and sessions ----

async function getHistory(parameters) {
  const query = new URLSearchParams({ user_id: state.userId, ...parameters });
  const response = await fetch(`/api/chat/history?${query}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message ?? '读取失败');
  return body;
}

async function openSession(sessionId) {
  state.sessionId = sessionId;
  localStorage.setItem('zhiji.playground.session_id', sessionId);
  $('#session-name').textContent = `会话 ${sessionId}`;
  messages.replaceChildren();
  setMonster(undefined);
  const { messages: stored } = await getHistory({ session_id: sessionId, limit: '200' });
  let lastEmotion;
  for (const message of stored) {
    if (message.role === 'user') {
      const item = addUserMessage(message.content);
      if (message.status === 'failed' || message.status === 'pending') {
        const retry = () => send(message.content, message.client_msg_id);
        showProblem(item, { message: '这条消息还没有回复。', retryable: true }, retry);
      }
    } else {
      addReply({ content: message.content, emotion: message.emotion, aiGenerated: message.ai_generated });
      lastEmotion = message.emotion;
    }
  }
  // The faces are replayed: each reply shows its own, the big monster the latest one.
  setMonster(lastEmotion);
}

async function refreshSessions() {
  const { sessions } = await getHistory({ action: 'sessions' }).catch(() => ({ sessions: [] }));
  const list = $('#session-list');
  list.replaceChildren();
  $('#sessions-empty').hidden = sessions.length > 0;
  for (const session of sessions) {
    const item = document.createElement('li');
    item.className = `session${session.session_id === state.sessionId ? ' current' : ''}`;
    item.dataset.sessionId = session.session_id;
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'open';
    open.textContent = session.session_id;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `${session.message_count} 条 · ${new Date(session.updated_at).toLocaleString('zh-CN')}`;
    open.append(meta);
    open.addEventListener('click', () => openSession(session.session_id).then(toggleSessions));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete';
    remove.textContent = '删除';
    remove.addEventListener('click', () => deleteSession(session.session_id));
    item.append(open, remove);
    list.append(item);
  }
}

async function deleteSession(sessionId) {
  if (!confirm('删除这个会话？删除后无法恢复。')) return;
  const response = await fetch('/api/chat/history', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'delete_session', user_id: state.userId, session_id: sessionId }),
  });
  if (!response.ok) $('#status').textContent = '删除失败，请稍后再试。';
  if (sessionId === state.sessionId) await openSession(newId('s'));
  await refreshSessions();
}

function toggleSessions() {
  const panel = $('#sessions');
  panel.hidden = !panel.hidden;
  $('#sessions-button').setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) refreshSessions();
}

// ---- start ----

$('#composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#message');
  const text = input.value.trim();
  if (text === '' || state.sending) return;
  state.sending = true;
  $('#send').disabled = true;
  input.value = '';
  addUserMessage(text);
  await send(text).finally(() => {
    state.sending = false;
    $('#send').disabled = false;
    input.focus();
  });
});
$('#message').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('#composer').requestSubmit();
  }
});
$('#sessions-button').addEventListener('click', toggleSessions);
$('#new-session').addEventListener('click', () => openSession(newId('s')));
$('#user-id').textContent = state.userId;

state.labels = await getHistory({ action: 'labels' }).catch(() => state.labels);
await openSession(state.sessionId).catch((error) => {
  $('#status').textContent = error.message;
});
document.body.dataset.ready = 'true';
