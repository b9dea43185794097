import { handleHistory } from '../history/handle-history.js';
import {
  type HistoryRequest,
  httpMethodForHistory,
  parseHistoryRequest,
} from '../history/parse-history-request.js';
import { runRetentionSweep } from '../history/run-retention-sweep.js';
import { createUsageStore } from '../limits/create-usage-store.js';
import type { UsageStore } from '../limits/usage-store.js';
import type { Endpoint } from '../runtime/endpoint.js';
import type { ServiceDependencies } from '../runtime/service-dependencies.js';

// Opened only when an action needs it (deleting everything); once per warm instance.
const usageStores = new WeakMap<ServiceDependencies, UsageStore>();
function usageFor(dependencies: ServiceDependencies): UsageStore {
  let store = usageStores.get(dependencies);
  if (store === undefined) {
    store = dependencies.usageStore ?? createUsageStore(dependencies.config);
    usageStores.set(dependencies, store);
  }
  return store;
}

/** The name of the timer trigger in cloudbaserc.json that runs the retention sweep. */
export const RETENTION_TRIGGER_NAME = 'retention';

export const historyEndpoint: Endpoint<HistoryRequest> = {
  name: 'history',
  // Reads by GET (the original contract); deletions only by POST to the same path.
  method: 'GET',
  alsoAccepts: ['POST'],
  httpMethodFor: httpMethodForHistory,
  route: '/api/chat/history',
  usesModel: false,
  parse: (raw) => parseHistoryRequest(raw),
  run: (request, dependencies) => handleHistory(request, { ...dependencies, usage: usageFor(dependencies) }),
  timer: {
    name: RETENTION_TRIGGER_NAME,
    run: (dependencies) =>
      runRetentionSweep(
        { retentionDays: dependencies.config.retentionDays },
        { ...dependencies, usage: usageFor(dependencies) },
      ),
  },
};
