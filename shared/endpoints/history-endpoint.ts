import { handleHistory } from '../history/handle-history.js';
import { type HistoryRequest, parseHistoryRequest } from '../history/parse-history-request.js';
import type { Endpoint } from '../runtime/create-function-handler.js';

export const historyEndpoint: Endpoint<HistoryRequest> = {
  name: 'history',
  method: 'GET',
  route: '/api/chat/history',
  usesModel: false,
  parse: (raw) => parseHistoryRequest(raw),
  run: (request, dependencies) => handleHistory(request, { store: dependencies.store }),
};
