import {
  type HistoryActionRequest,
  httpMethodForHistory,
  parseHistoryAction,
} from '../history/history-actions.js';
import { runRetentionSweep } from '../history/run-retention-sweep.js';
import type { Endpoint } from '../runtime/create-function-handler.js';

/** The name of the timer trigger in cloudbaserc.json that runs the retention sweep. */
export const RETENTION_TRIGGER_NAME = 'retention';

export const historyEndpoint: Endpoint<HistoryActionRequest> = {
  name: 'history',
  // Reads by GET (the original contract); deletions only by POST to the same path.
  method: 'GET',
  alsoAccepts: ['POST'],
  httpMethodFor: httpMethodForHistory,
  route: '/api/chat/history',
  usesModel: false,
  parse: (raw) => parseHistoryAction(raw),
  run: (request, dependencies) => request.run(request.userId, dependencies),
  timer: {
    name: RETENTION_TRIGGER_NAME,
    run: (dependencies) =>
      runRetentionSweep({ retentionDays: dependencies.config.retentionDays }, dependencies),
  },
};
