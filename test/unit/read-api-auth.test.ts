// With real platforms (simulator off) the read API needs the admin token.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/http/api-routes.js';
import { createHttpServer } from '../../src/http/server.js';
import type { RequestReads } from '../../src/store/requests-repo.js';
import type { CardContext } from '../../cards/approval.js';
import { exampleDir } from '../support/core-fixtures.js';

describe('read API access', () => {
  it('is closed without the token when the simulator is off', async () => {
    const app = createHttpServer(pino({ level: 'silent' }));
    apiRoutes(app, { requests: {} as RequestReads, cardContext: {} as CardContext, dir: exampleDir(), now: () => new Date(), open: false, adminToken: 'a-long-admin-token-123' });
    for (const url of ['/api/requests/A-0001', '/api/people/liming/pending', '/api/people/liming/requests', '/api/departments/east-branch/overview']) {
      expect((await app.inject({ url })).statusCode).toBe(401);
    }
    await app.close();
  });
});
