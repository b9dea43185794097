// 知己档案 in the mini-program: ask for consent, turn the memory on, list and delete items.
// Dependency-free; call from a page (e.g. pages/memory/memory.js) after wx.cloud.init().

const call = async (data) => {
  const { result } = await wx.cloud.callFunction({ name: 'history', data });
  if (result?.error) throw result.error; // {code, message: '中文 (English)', retryable, field?}
  return result;
};

/** Asks before anything is remembered; resolves to the setting as stored. */
async function askAndEnableMemory() {
  const { confirm } = await wx.showModal({
    title: '让知己记住你？',
    content:
      '开启后，知己会记住你愿意分享的要点（比如称呼、重要的人、什么对你有帮助），在以后的对话里温和地用上。' +
      '你可以随时查看、修改、删除，或关闭这项功能；关闭后不再记录，也不再使用。',
    confirmText: '开启',
    cancelText: '暂不',
  });
  if (!confirm) return false;
  const { enabled } = await call({ action: 'memory_settings', enabled: true });
  return enabled;
}

async function turnMemoryOff() {
  return (await call({ action: 'memory_settings', enabled: false })).enabled; // items stay until deleted
}

/** {enabled, items: [{id, text, source: 'user' | 'model', created_at, updated_at, session_id?}]} */
async function loadMemory() {
  return call({ action: 'memory' });
}

async function addMemoryItem(text) {
  try {
    return (await call({ action: 'memory_add', text })).item;
  } catch (error) {
    // MEMORY_FULL (30 items), TEXT_TOO_LONG (100 characters), TEXT_EMPTY: show the Chinese part.
    wx.showToast({ title: error.message.split(' (')[0], icon: 'none' });
    return undefined;
  }
}

async function deleteMemoryItem(id) {
  return (await call({ action: 'memory_delete', id })).deleted;
}

async function clearMemory() {
  const { confirm } = await wx.showModal({ title: '清空知己档案？', content: '所有条目都会被删除。' });
  return confirm ? (await call({ action: 'memory_clear' })).deleted : 0;
}

// A page using them: items as a list, swipe or long-press to delete.
Page({
  data: { enabled: false, items: [] },
  async onShow() {
    this.setData(await loadMemory());
  },
  async onToggle(event) {
    const enabled = event.detail.value ? await askAndEnableMemory() : await turnMemoryOff();
    this.setData({ enabled });
  },
  async onAdd(event) {
    if (await addMemoryItem(event.detail.value)) this.setData(await loadMemory());
  },
  async onDelete(event) {
    await deleteMemoryItem(event.currentTarget.dataset.id);
    this.setData(await loadMemory());
  },
  async onClear() {
    await clearMemory();
    this.setData(await loadMemory());
  },
});
