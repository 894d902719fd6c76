import { createLogger } from '../src/observability/logger.ts';
import { runInScope } from '../src/observability/scope.ts';
const log = createLogger({ level: 'debug', format: 'pretty' });
runInScope({ requestId: 'req-1', userId: 'u-1' }, () => log.info('described', { generationId: 'g-1', images: 2, authorization: 'Bearer abcdefghij' }));
log.warn('plain warn');
