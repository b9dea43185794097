import { historyEndpoint } from '../../shared/endpoints/history-endpoint.js';
import { createFunctionHandler } from '../../shared/runtime/create-function-handler.js';

/** The `history` cloud function: `wx.cloud.callFunction({ name: 'history', data })` or `GET /api/chat/history`. */
export const main = createFunctionHandler(historyEndpoint);
