import { chatEndpoint } from '../../shared/endpoints/chat-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';

/** The `chat` cloud function: `wx.cloud.callFunction({ name: 'chat', data })` or `POST /api/chat`. */
export const main = createFunctionHandler(chatEndpoint);
